#!/usr/bin/env python3
"""Where a wasm page's time goes: Chromium's sampling profiler (CDP, 50 µs interval) over the
synchronous interop calls and the clicks that `bench/run.py --only wasm` times, self time by
function. Proportions, not speeds: run it beside the figures, not instead of them.

    TETHER_BENCH_BIN=.build/release/tether-bench python3 bench/wasm/profile.py [--n 100000]
"""
import argparse
import collections
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import run  # noqa: E402  (bench/run.py: the server, the module's folder, CLICK_SAMPLES_JS)

CASES = {
    "JS→Swift, Tether.invokeMethod('Demo', 'Add', 1, 2)":
        "(n) => { let s = 0; for (let i = 0; i < n; i++) s += Tether.invokeMethod('Demo', 'Add', 1, 2); return s; }",
    "Swift→JS, Demo.InvokeJSRepeatedly of a no-op":
        "(n) => { globalThis.benchWasmNoop = () => {}; return Tether.invokeMethod('Demo', 'InvokeJSRepeatedly', 'benchWasmNoop', n); }",
}


def self_times(profile):
    nodes = {n["id"]: n for n in profile["nodes"]}
    counts = collections.Counter()
    for node_id in profile["samples"]:
        f = nodes[node_id]["callFrame"]
        counts[f"{f['functionName'] or '(anonymous)'} {os.path.basename(f['url'])}:{f['lineNumber'] + 1}"] += 1
    return counts


def show(title, counts, top):
    total = sum(counts.values())
    print(f"== {title}: {total} samples")
    for name, n in counts.most_common(top):
        print(f"  {100 * n / total:5.1f}%  {name}")
    in_module = sum(n for name, n in counts.items() if name.startswith("wasm-function"))
    print(f"  {100 * in_module / total:5.1f}%  all of the module's functions together")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100_000, help="calls per interop case")
    ap.add_argument("--clicks", type=int, default=1000)
    ap.add_argument("--top", type=int, default=14)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    with run.Server("wasm-profile", env={"TETHER_WASM_DIR": run.WASM_DIR}) as server:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=run.CHROMIUM, args=["--no-sandbox"], headless=True)
            try:
                page = browser.new_page()
                page.goto(server.url("/wasm/counter"))
                page.wait_for_function("() => window.Tether !== undefined")
                page.evaluate("() => Tether.ready.then(() => true)")
                cdp = page.context.new_cdp_session(page)
                cdp.send("Profiler.enable")
                cdp.send("Profiler.setSamplingInterval", {"interval": 50})
                for title, js in CASES.items():
                    page.evaluate(js, min(args.n, 20_000))
                    cdp.send("Profiler.start")
                    page.evaluate(js, args.n)
                    show(title, self_times(cdp.send("Profiler.stop")["profile"]), args.top)
                page.evaluate(run.CLICK_SAMPLES_JS, 100)
                cdp.send("Profiler.start")
                page.evaluate(run.CLICK_SAMPLES_JS, args.clicks)
                show(f"{args.clicks} clicks on /wasm/counter (CLICK_SAMPLES_JS)",
                     self_times(cdp.send("Profiler.stop")["profile"]), args.top)
            finally:
                browser.close()


if __name__ == "__main__":
    main()
