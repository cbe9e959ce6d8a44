#!/usr/bin/env python3
"""/virtualize and /grid: server memory held for a 100,000-row list, and scroll-to-row time.

    python3 bench/virtualize.py [--bin .build/debug/tether-bench] [--n 200] [--tries 20] [--write]

Starts tether-bench (the demo's pages plus `/bench/persistence`, which reports glibc's heap in use)
on a free port, then:

1. Memory. Opens n circuits on `/` (the demo's home page, no list) and reads the heap in use, closes
   them, then opens n circuits on `/virtualize`, sends each a scroll to row 50,000 (the event the
   runtime sends, `{"type":"scroll","scrollTop":1500000,"clientHeight":420}`) and waits for the
   fetched window's render. (heap(/virtualize) − heap(/)) / n is what one circuit holds for the list
   beyond an ordinary page: the Virtualize component, its window of rows and their render tree.
2. Scroll time, in Chromium: on `/virtualize`, sets `#rows.scrollTop = 50,000 × 30` and times until
   `#row-50000` shows "Row 50000" (placeholders replaced by the fetched rows); then back to the top,
   100 ms (past the scroll event's 50 ms throttle), and again, `--tries` times. The same on `/grid`'s virtualized grid, to `#person-5000`. p50/p99.

`--write` puts the figures in BENCHMARKS.md between `<!-- virtualize:start -->` and
`<!-- virtualize:end -->`, with the machine, date and commit. Loopback only.
"""
import argparse
import asyncio
import html
import json
import os
import platform
import re
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from circuits import HOST, close_all, open_circuits, percentile  # noqa: E402
import sections  # noqa: E402  (BENCHMARKS.md's marked sections)

ROOT = Path(__file__).resolve().parent.parent
START, END = sections.VIRTUALIZE_START, sections.VIRTUALIZE_END


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def heap_in_use(port):
    with urllib.request.urlopen(f"http://{HOST}:{port}/bench/persistence", timeout=10) as r:
        return json.loads(r.read())["heap_in_use_bytes"]


def start_message_and_page(port, path):
    with urllib.request.urlopen(f"http://{HOST}:{port}{path}", timeout=10) as r:
        page = r.read().decode()
    descriptor = html.unescape(re.search(r'data-tether-descriptor="([^"]*)"', page).group(1))
    return json.dumps([["start", descriptor, f"http://{HOST}:{port}{path}"]]), page


def scroll_handler(circuit, page):
    """The scroll binding of #rows (the page's only one), from the circuit's first render if it
    carries the markup, else from the prerendered page."""
    found = re.search(r'data-t-scroll=\\"([^\\"]*)\\"', circuit.last_render or "")
    if found:
        return found.group(1).split(";")[0]
    tag = re.search(r'<div[^>]*\bid="rows"[^>]*>', page).group(0)
    return html.unescape(re.search(r'\bdata-t-scroll="([^"]*)"', tag).group(1)).split(";")[0]


async def open_on(port, path, n):
    pages = [start_message_and_page(port, path) for _ in range(n)]
    circuits, _ = await open_circuits(port, n, start_messages=[m for m, _ in pages])
    return circuits, [p for _, p in pages]


async def settle(port, seconds=1.5):
    await asyncio.sleep(seconds)
    return heap_in_use(port)


async def memory(port, n):
    base = await settle(port)
    home, _ = await open_on(port, "/", n)
    with_home = await settle(port)
    close_all(home)
    await asyncio.sleep(2)
    base2 = await settle(port)
    lists, pages = await open_on(port, "/virtualize", n)
    opened = await settle(port)
    # Scroll each to row 50,000: the circuit renders placeholders, fetches, renders the rows.
    loop = asyncio.get_running_loop()
    rendered = {id(c): loop.create_future() for c in lists}

    def on_render(circuit, _batch):
        if '"Row 50000"' in (circuit.last_render or "") and not rendered[id(circuit)].done():
            rendered[id(circuit)].set_result(None)

    for c, page in zip(lists, pages):
        c.on_render = on_render
        c.send(json.dumps([["ev", scroll_handler(c, page), {"type": "scroll", "scrollTop": 1_500_000, "clientHeight": 420}]]))
    await asyncio.wait_for(asyncio.gather(*rendered.values()), 60)
    scrolled = await settle(port)
    errors = sum(c.errors for c in lists)
    close_all(lists)
    home_per = (with_home - base) / n
    return {
        "n": n, "errors": errors,
        "home_bytes_per_circuit": round(home_per),
        "virtualize_bytes_per_circuit": round((opened - base2) / n),
        "virtualize_scrolled_bytes_per_circuit": round((scrolled - base2) / n),
        "list_bytes_per_circuit": round((scrolled - base2) / n - home_per),
    }


SCROLL_JS = """async ([container, top, target, want]) => {
  const box = document.querySelector(container);
  const t0 = performance.now();
  box.scrollTop = top;
  return await new Promise((resolve, reject) => {
    const deadline = t0 + 10000;
    const check = () => {
      const el = document.querySelector(target);
      if (el && el.textContent.trim() === want) return resolve(performance.now() - t0);
      if (performance.now() > deadline) return reject(new Error('timed out waiting for ' + target));
      requestAnimationFrame(check);
    };
    check();
  });
}"""


def scroll_times(port, tries):
    from playwright.sync_api import sync_playwright

    cases = [
        ("/virtualize", "#rows", 50_000 * 30, "#row-50000", "Row 50000", "#row-0", "Row 0"),
        ("/grid", "#people-virtual-rows", 5_000 * 32, "#person-5000 [role=gridcell]", "5000", "#person-0 [role=gridcell]", "0"),
    ]
    out = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True)
        for path, container, top, target, want, home, home_want in cases:
            page = browser.new_page()
            page.goto(f"http://{HOST}:{port}{path}")
            page.wait_for_function("() => window.Tether && window.Tether.ready")
            page.evaluate("() => window.Tether.ready")
            times = []
            for i in range(tries + 2):
                ms = page.evaluate(SCROLL_JS, [container, top, target, want])
                if i >= 2:  # the first two warm the server's and the browser's paths
                    times.append(ms)
                page.evaluate(SCROLL_JS, [container, 0, home, home_want])
                # Past the scroll event's 50 ms throttle, so each try's event goes at once.
                page.wait_for_timeout(100)
            times.sort()
            out[path] = {"tries": tries, "p50_ms": round(percentile(times, 0.5), 1),
                         "p99_ms": round(percentile(times, 0.99), 1), "max_ms": round(times[-1], 1)}
            page.close()
        browser.close()
    return out


def machine():
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, {cpu}"


def section(results, binary):
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    m = results["memory"]
    s = results["scroll"]
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        START,
        "## Long lists: /virtualize and /grid",
        "",
        f"_Generated by `python3 bench/virtualize.py --write` on {when}, commit {commit}, {machine()}; "
        f"server `{binary}` (a debug build unless the path says release), Chromium headless, loopback; "
        f"1-minute load average {results['load'][0]:.2f} at the start, {results['load'][1]:.2f} at the end "
        "(the machine is shared)._",
        "",
        "| measure | figure |",
        "|---|---|",
        f"| heap in use per circuit, `/` (home page, no list), n={m['n']} | {m['home_bytes_per_circuit']:,} B |",
        f"| heap in use per circuit, `/virtualize` after the first render | {m['virtualize_bytes_per_circuit']:,} B |",
        f"| heap in use per circuit, `/virtualize` scrolled to row 50,000 | {m['virtualize_scrolled_bytes_per_circuit']:,} B |",
        f"| **the list's share** (scrolled `/virtualize` − `/`) | **{m['list_bytes_per_circuit']:,} B** (target: well under 1 MB) |",
        f"| scroll to row 50,000 on `/virtualize` (set `scrollTop` → row shown), {s['/virtualize']['tries']} tries | "
        f"p50 {s['/virtualize']['p50_ms']} ms, p99 {s['/virtualize']['p99_ms']} ms |",
        f"| scroll to row 5,000 on `/grid`'s virtualized grid, {s['/grid']['tries']} tries | "
        f"p50 {s['/grid']['p50_ms']} ms, p99 {s['/grid']['p99_ms']} ms |",
        "",
        "Memory is glibc's heap in use (`mallinfo2`, `/bench/persistence`) after the circuits settle, divided by n; "
        "the list's share subtracts an ordinary page's circuit. Scroll time runs from the `scrollTop` assignment to "
        "the frame in which the target row shows its text: the scroll event, the server's window arithmetic, a "
        "placeholder render, the provider's fetch, and the render of the rows; tries are 100 ms apart, past the "
        "scroll event's 50 ms throttle. With 20 tries, p99 is the slowest try.",
        END,
    ]
    return "\n".join(lines)


def write(text):
    path = ROOT / "BENCHMARKS.md"
    doc = path.read_text()
    if START in doc:
        before = doc[: doc.index(START)]
        after = doc[doc.index(END) + len(END):]
        doc = before + text + after
    else:
        anchor = "## How it is measured"
        at = doc.index(anchor) if anchor in doc else len(doc)
        doc = doc[:at] + text + "\n\n" + doc[at:]
    path.write_text(doc)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default=str(ROOT / ".build/debug/tether-bench"))
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--tries", type=int, default=20)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    port = free_port()
    env = dict(os.environ, PORT=str(port), LOG_LEVEL="warning")
    server = subprocess.Popen([args.bin], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://{HOST}:{port}/", timeout=1).read()
                break
            except OSError:
                time.sleep(0.2)
        load_start = os.getloadavg()[0]
        results = {"memory": asyncio.run(memory(port, args.n)), "scroll": scroll_times(port, args.tries)}
        results["load"] = [load_start, os.getloadavg()[0]]
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(json.dumps(results))
    if args.write:
        write(section(results, os.path.relpath(args.bin, ROOT)))


if __name__ == "__main__":
    main()
