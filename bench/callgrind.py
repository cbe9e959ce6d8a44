#!/usr/bin/env python3
"""Server CPU per click (issue #19): callgrind instructions and CPU time, before and after.

    python3 bench/callgrind.py                          this worktree's release tether-bench
    python3 bench/callgrind.py --before /path/to/tether-bench [--no-markdown]
    TETHER_BENCH_BIN=/path python3 bench/callgrind.py   another binary as "after"
    python3 bench/run.py --only cpu                     the same, with run.py's defaults

For each binary and page (/counter, and /_bench/todos: 100 row components, one edited per click):

- Instructions. tether-bench runs under `valgrind --tool=callgrind --instr-atstart=no`, so startup
  and the page load are not counted. One circuit is opened with bench/circuits.py's protocol
  client and warmed up; then `callgrind_control -i on` starts counting, and two windows of
  `--clicks` clicks follow, each dumped (and zeroed) with `callgrind_control -d`. A click is sent
  only after the previous one's render batch came back and was acked, as the browser does, so a
  window holds exactly N events, N renders and N acks. Instructions (Ir) are deterministic: the two
  windows agreeing is the check that nothing else (timers, idle threads) ran in between.
- Top frames. `callgrind_annotate` of the second window, self and inclusive, names demangled by
  `swift demangle --simplified`.
- CPU time, without valgrind: the same sequential clicks, `--cpu-clicks` of them after a warm-up,
  and the server's CPU over them from `/proc/<pid>/task/*/schedstat` (nanoseconds, every thread;
  `/proc/<pid>/stat`'s utime+stime has 10 ms ticks and is reported beside it).

Writes .bench/cpu.json and the `cpu` section of BENCHMARKS.md (between its markers), unless
--no-markdown. Loopback only, every server on a free port.
"""
import argparse
import asyncio
import datetime
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import circuits  # noqa: E402  (the protocol client)
import sections  # noqa: E402  (BENCHMARKS.md's marked sections)
import run  # noqa: E402  (free ports, CPU of a process, the machine's description)

ROOT = os.path.dirname(HERE)
OUT_DIR = os.path.join(ROOT, ".bench")
PAGES = (("counter", "/counter"), ("todos", "/_bench/todos"))
CPU_START, CPU_END = sections.CPU_START, sections.CPU_END


class Launched:
    """tether-bench on a free port, as itself or under a tool (valgrind). `pid` is the server's:
    valgrind runs the program in its own process, so the argv's first word is the server."""

    def __init__(self, argv, tag, ready_timeout, env=None):
        self.argv = argv
        self.env = env or {}
        self.tag = tag
        self.port = run.free_port()
        self.ready_timeout = ready_timeout

    def __enter__(self):
        os.makedirs(OUT_DIR, exist_ok=True)
        self.log = open(os.path.join(OUT_DIR, f"server-cpu-{self.tag}.log"), "w")
        env = dict(os.environ, PORT=str(self.port), **self.env)
        self.proc = subprocess.Popen(self.argv, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + self.ready_timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.argv[0]} exited with {self.proc.returncode}; see .bench/server-cpu-{self.tag}.log")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/counter", timeout=5) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.25)
        self.__exit__()
        raise RuntimeError(f"tether-bench did not answer within {self.ready_timeout} s")

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log.close()


class Clicker:
    """One circuit on a page, clicking `#increment` one click at a time."""

    def __init__(self, port, path):
        self.port = port
        self.path = path

    async def open(self):
        descriptor, url, handler = circuits.fetch_counter(self.port, self.path)
        self.click = circuits.text_frame(json.dumps([["ev", handler, {"type": "click"}]]))
        self.waiting = None
        (self.circuit,), _ = await circuits.open_circuits(
            self.port, 1, on_render=self.rendered, start_messages=[json.dumps([["start", descriptor, url]])])

    def rendered(self, _circuit, _batch):
        # circuits.Circuit has acked the batch already, before this is called.
        if self.waiting is not None and not self.waiting.done():
            self.waiting.set_result(None)

    async def clicks(self, n, timeout=60):
        loop = asyncio.get_running_loop()
        for _ in range(n):
            self.waiting = loop.create_future()
            self.circuit.transport.write(self.click)
            await asyncio.wait_for(self.waiting, timeout)
        if self.circuit.errors:
            raise RuntimeError(f"{self.path}: the server answered with {self.circuit.errors} errors")

    def close(self):
        circuits.close_all([self.circuit])


def callgrind_control(*args):
    subprocess.run(["callgrind_control", *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)


def total_ir(path):
    with open(path) as f:
        for line in f:
            if line.startswith("totals:") or line.startswith("summary:"):
                return int(line.split()[1])
    raise RuntimeError(f"no totals in {path}")


def wait_for_dump(folder, pid, count, timeout=120):
    """The first `count` dump files of `pid`, once each is complete (it ends with its totals)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        files = sorted(glob.glob(os.path.join(folder, f"callgrind.out.{pid}.*")), key=lambda p: int(p.rsplit(".", 1)[1]))
        if len(files) >= count and all(_complete(p) for p in files[:count]):
            return files[:count]
        time.sleep(0.2)
    raise RuntimeError(f"callgrind wrote no dump {count} for pid {pid}")


def _complete(path):
    try:
        with open(path) as f:
            return any(line.startswith("totals:") for line in f)
    except OSError:
        return False


def demangle(lines):
    swift = shutil.which("swift")
    if not swift:
        return lines
    out = subprocess.run([swift, "demangle", "--simplified"], input="\n".join(lines), capture_output=True, text=True)
    return out.stdout.splitlines() if out.returncode == 0 else lines


def top_frames(dump, inclusive, count):
    """[(Ir, share of the total, function)] from callgrind_annotate, most expensive first."""
    argv = ["callgrind_annotate", f"--inclusive={'yes' if inclusive else 'no'}", "--threshold=100", dump]
    text = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    total = total_ir(dump)
    rows = []
    for line in text.splitlines():
        m = re.match(r"^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(.*)$", line) or re.match(r"^\s*([\d,]+)\s+(\S.*)$", line)
        if not m or "PROGRAM TOTALS" in line:
            continue
        ir = int(m.group(1).replace(",", ""))
        name = m.group(2)
        # "file:function [object]": keep the function.
        name = re.sub(r"\s+\[[^\]]*\]$", "", name)
        name = re.sub(r"^(\?\?\?|[^:\s]*[/.][^:\s]*):(?!:)", "", name)
        rows.append((ir, name))
        if len(rows) >= count * 12:
            break
    names = demangle([n for _, n in rows])
    out = []
    for (ir, _), name in zip(rows, names):
        if inclusive and ir >= total * 0.999:  # the thread roots (start_thread, ...) say nothing
            continue
        # Inclusive costs of the executor's frames (dispatch, task switches, thunks, continuations)
        # hold whatever ran after them on the thread, and callgrind's `'2` marks a second frame of
        # a recursive cycle: neither says where a click's work goes.
        if inclusive and ("'2" in name or name.startswith(EXECUTOR_FRAMES)):
            continue
        # A thread started before counting began leaves a `calls=0` record under clone and
        # start_thread holding the thread's whole cost, which callgrind_annotate 3.19 adds to their
        # self cost too: their real self cost is a few instructions.
        if not inclusive and name in ("clone", "start_thread"):
            continue
        out.append((ir, round(100 * ir / total, 1), shorten(name)))
        if len(out) >= count:
            break
    return out


EXECUTOR_FRAMES = (
    "partial apply", "thunk", "implicit closure", "closure #", "_dispatch", "swift_task", "swift_job", "swift_continuation",
    "swift::", "__swift_run_job", "jobInvoke", "withTaskCancellationHandler", "withUnsafeContinuation", "AsyncStream",
    "withCheckedContinuation", "(below main)", "start_thread", "clone", "static Task", "Task.",
)


def shorten(name, limit=150):
    name = re.sub(r"\s+", " ", name)
    return name if len(name) <= limit else name[: limit - 1] + "…"


async def _instructions(port, path, pid, folder, warm, clicks):
    c = Clicker(port, path)
    await c.open()
    try:
        await c.clicks(warm)
        await asyncio.sleep(0.5)  # the last ack lands before counting starts
        callgrind_control("-i", "on", str(pid))
        windows = []
        for k in range(2):
            await c.clicks(clicks)
            await asyncio.sleep(0.5)  # and the last ack is counted in its window
            callgrind_control("-d", f"window{k + 1}", str(pid))
            windows.append(wait_for_dump(folder, pid, k + 1)[k])
        callgrind_control("-i", "off", str(pid))
    finally:
        c.close()
    return windows


def without_debug_info(binary, label):
    """A copy of the binary without its DWARF: Debian's valgrind 3.19 gives up on the DWARF 5 that
    Swift 6.3 writes ("unhandled dwarf2 abbrev form code 0x25"). The symbol table stays, and with
    it every function name; only file:line information goes."""
    copy = os.path.join(OUT_DIR, f"tether-bench-{label}-nodebug")
    subprocess.run(["objcopy", "--strip-debug", binary, copy], check=True)
    return copy


# Valgrind 3.19's rt_sigsuspend wrapper writes into the caller's mask (it removes its own signal
# from it), and libdispatch's main thread (an async `main` ends in `dispatch_main`) passes a mask
# in read-only memory: valgrind dies of SIGSEGV right after the server starts. Preloaded, this
# sigsuspend hands the kernel a copy on the stack. The main thread only sleeps there, so no click
# runs through it.
SIGSUSPEND_SHIM = r"""
#define _GNU_SOURCE
#include <signal.h>
#include <unistd.h>
#include <sys/syscall.h>
int sigsuspend(const sigset_t *mask) {
    sigset_t copy = *mask;
    return (int)syscall(SYS_rt_sigsuspend, &copy, 8);
}
"""


def sigsuspend_shim():
    source, library = os.path.join(OUT_DIR, "sigsuspend_shim.c"), os.path.join(OUT_DIR, "sigsuspend_shim.so")
    with open(source, "w") as f:
        f.write(SIGSUSPEND_SHIM)
    compiler = shutil.which("cc") or shutil.which("clang")
    subprocess.run([compiler, "-shared", "-fPIC", "-O2", "-o", library, source], check=True)
    return library


def measure_instructions(binary, label, page_key, path, args):
    os.makedirs(OUT_DIR, exist_ok=True)
    folder = tempfile.mkdtemp(prefix=f"cpu-{label}-{page_key}-", dir=OUT_DIR)
    argv = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={folder}/callgrind.out.%p",
            without_debug_info(binary, label)]
    with Launched(argv, f"{label}-{page_key}-callgrind", ready_timeout=300, env={"LD_PRELOAD": sigsuspend_shim()}) as server:
        windows = asyncio.run(_instructions(server.port, path, server.proc.pid, folder, args.warm, args.clicks))
    per_click = [round(total_ir(w) / args.clicks) for w in windows]
    return {
        "ir_per_click": per_click[1],
        "ir_per_click_windows": per_click,
        "top_self": top_frames(windows[1], False, args.top),
        "top_inclusive": top_frames(windows[1], True, args.top),
        "dump": os.path.relpath(windows[1], ROOT),
    }


def user_system_switches(pid):
    """(user seconds, system seconds, context switches of every thread) of a process."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    switches = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/status") as f:
                for line in f:
                    if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                        switches += int(line.split()[1])
        except OSError:  # a thread that just ended
            pass
    return int(fields[11]) / ticks, int(fields[12]) / ticks, switches


async def _cpu(port, path, pid, warm, clicks):
    c = Clicker(port, path)
    await c.open()
    try:
        await c.clicks(warm)
        await asyncio.sleep(0.2)
        ns0, (u0, s0, x0), t0 = run.proc_cpu_ns(pid), user_system_switches(pid), time.perf_counter()
        await c.clicks(clicks)
        ns1, (u1, s1, x1), t1 = run.proc_cpu_ns(pid), user_system_switches(pid), time.perf_counter()
    finally:
        c.close()
    return {"cpu_us_per_click": round((ns1 - ns0) / 1000 / clicks, 1),
            "user_us_per_click": round((u1 - u0) * 1e6 / clicks, 1),
            "system_us_per_click": round((s1 - s0) * 1e6 / clicks, 1),
            "switches_per_click": round((x1 - x0) / clicks, 2),
            "round_trip_us": round((t1 - t0) * 1e6 / clicks, 1)}


def measure_cpu(binaries, page_key, path, args):
    """Every binary's server at once, runs interleaved in rotating order, so a change in the
    machine's load falls on all of them alike. The best run of each, and all runs' CPU."""
    servers = {}
    runs = {label: [] for label in binaries}
    try:
        for label, binary in binaries.items():
            servers[label] = Launched([binary], f"{label}-{page_key}", ready_timeout=30).__enter__()
        order = list(binaries)
        for k in range(args.cpu_runs):
            for label in order[k % len(order):] + order[:k % len(order)]:
                server = servers[label]
                runs[label].append(asyncio.run(_cpu(server.port, path, server.proc.pid, args.warm * 4, args.cpu_clicks)))
    finally:
        for server in servers.values():
            server.__exit__()
    out = {}
    for label, rs in runs.items():
        best = min(rs, key=lambda r: r["cpu_us_per_click"])
        out[label] = {**best, "cpu_us_per_click_runs": [r["cpu_us_per_click"] for r in rs]}
    return out


def commit_of(binary):
    """The commit a binary was built from: its worktree's HEAD (.build/release/<binary>)."""
    tree = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(binary))))
    out = subprocess.run(["git", "-C", tree, "log", "-1", "--format=%h"], capture_output=True, text=True)
    return out.stdout.strip()[:90] if out.returncode == 0 else "?"


def markdown(x):
    m = x["machine"]
    labels = list(x["binaries"])
    lines = [CPU_START, "## Server CPU per click\n",
             f"`bench/callgrind.py`, {x['date']}: {m['nproc']} cores, {m['cpu']}; 1-minute load average {x['load_start']} at the "
             f"start, {x['load_end']} at the end. One circuit per page, each click sent after the previous click's render batch "
             "came back and was acked, so a click is: the event in, the handler, the render, the diff, the batch out, the ack in. "
             f"**Instructions**: tether-bench under `valgrind --tool=callgrind --instr-atstart=no`, counting on "
             f"(`callgrind_control -i on`) after {x['warm']} warm-up clicks, then two windows of {x['clicks']} clicks each dumped "
             "with `callgrind_control -d`; Ir per click of both windows (they agree when nothing else ran). **CPU**: the same "
             f"clicks without valgrind, every binary's server at once and their runs interleaved, {x['cpu_clicks']} clicks per run "
             f"after a warm-up, the server's CPU over all its threads (`/proc/<pid>/task/*/schedstat`), best of {x['cpu_runs']} "
             "runs (all runs in brackets); user and system time of that run from `/proc/<pid>/stat` (10 ms ticks), and the "
             "context switches of all its threads (`/proc/<pid>/task/*/status`). "
             "`/_bench/todos` is 100 keyed row components, one row's text edited per click.\n"]
    lines.append("| binary | commit | page | instructions / click (window 1, 2) | vs first | CPU / click (runs) | vs first | "
                 "user / system | context switches / click |")
    lines.append("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    first = x["binaries"][labels[0]]
    for label in labels:
        b = x["binaries"][label]
        for page_key, path in PAGES:
            f = b["pages"].get(page_key)
            if not f:
                continue
            f0 = first["pages"].get(page_key, {})
            ir = f.get("ir_per_click")
            ir_rel = run.ratio(ir, f0.get("ir_per_click"))
            cpu_rel = run.ratio(f.get("cpu_us_per_click"), f0.get("cpu_us_per_click"))
            windows = ", ".join(f"{w:,}" for w in f.get("ir_per_click_windows", []))
            runs = ", ".join(str(v) for v in f.get("cpu_us_per_click_runs", []))
            lines.append(f"| {label} | {b['commit']} | `{path}` | {ir:,} ({windows}) | {run.fmt(round(ir_rel, 3) if ir_rel else None)}× | "
                         f"{f.get('cpu_us_per_click')} µs ({runs}) | {run.fmt(round(cpu_rel, 3) if cpu_rel else None)}× | "
                         f"{f.get('user_us_per_click')} / {f.get('system_us_per_click')} µs | {f.get('switches_per_click')} |")
    for label in labels:
        b = x["binaries"][label]
        for page_key, path in PAGES:
            f = b["pages"].get(page_key)
            if not f:
                continue
            for kind, title in (("top_self", "self"), ("top_inclusive", "inclusive")):
                lines += ["", f"Top frames, {label}, `{path}`, {title} (Ir of window 2 over {x['clicks']} clicks, share of its total):\n",
                          "| Ir / click | share | function |", "| ---: | ---: | --- |"]
                for ir, share, name in f[kind]:
                    safe = name.replace("|", "\\|")
                    lines.append(f"| {round(ir / x['clicks']):,} | {share}% | `{safe}` |")
    lines += ["", CPU_END]
    return lines


def rewrite_section(x, path):
    sections.replace_section(path, CPU_START, CPU_END, markdown(x))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", default=os.environ.get("TETHER_BENCH_BEFORE_BIN"),
                    help="a tether-bench binary to measure first, as 'before' (default: $TETHER_BENCH_BEFORE_BIN)")
    ap.add_argument("--label", default="after", help="the label of TETHER_BENCH_BIN (or this worktree's release binary)")
    ap.add_argument("--clicks", type=int, default=200, help="clicks per callgrind window")
    ap.add_argument("--warm", type=int, default=50, help="warm-up clicks before counting")
    ap.add_argument("--cpu-clicks", type=int, default=3000, help="clicks per CPU-time run")
    ap.add_argument("--cpu-runs", type=int, default=4)
    ap.add_argument("--top", type=int, default=15, help="frames in each top list")
    ap.add_argument("--pages", default="counter,todos")
    ap.add_argument("--skip-cpu", action="store_true", help="instructions only")
    ap.add_argument("--no-markdown", action="store_true")
    ap.add_argument("--report", action="store_true",
                    help="measure nothing: read .bench/cpu.json, list the top frames again from its dumps, rewrite the section")
    args = ap.parse_args()
    if args.report:
        with open(os.path.join(OUT_DIR, "cpu.json")) as f:
            x = json.load(f)
        for label, b in x["binaries"].items():
            b["commit"] = commit_of(b["path"])
            for f in b["pages"].values():
                dump = os.path.join(ROOT, f["dump"])
                f["top_self"], f["top_inclusive"] = top_frames(dump, False, args.top), top_frames(dump, True, args.top)
        with open(os.path.join(OUT_DIR, "cpu.json"), "w") as f:
            json.dump(x, f, indent=2)
        rewrite_section(x, os.path.join(ROOT, "BENCHMARKS.md"))
        print("wrote the cpu section of BENCHMARKS.md")
        return
    binaries = {}
    if args.before:
        binaries["before"] = args.before
    binaries[args.label] = run.BIN
    for label, binary in binaries.items():
        if not os.access(binary, os.X_OK):
            sys.exit(f"bench/callgrind.py: {label} binary {binary} is missing")
    pages = [(k, p) for k, p in PAGES if k in args.pages.split(",")]
    x = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "machine": run.machine(),
         "load_start": run.loadavg(), "clicks": args.clicks, "warm": args.warm, "cpu_clicks": args.cpu_clicks,
         "cpu_runs": args.cpu_runs, "binaries": {}}
    for label, binary in binaries.items():
        x["binaries"][label] = {"path": binary, "commit": commit_of(binary), "pages": {}}
    for page_key, path in pages:
        for label, binary in binaries.items():
            f = x["binaries"][label]["pages"][page_key] = measure_instructions(binary, label, page_key, path, args)
            print(f"{label} {path}: {f['ir_per_click']:,} Ir/click (windows {f['ir_per_click_windows']})", flush=True)
            for ir, share, name in f["top_self"][:8]:
                print(f"    self {round(ir / args.clicks):>10,} {share:5}%  {name}", flush=True)
        if not args.skip_cpu:
            for label, figures in measure_cpu(binaries, page_key, path, args).items():
                x["binaries"][label]["pages"][page_key].update(figures)
                print(f"{label} {path}: CPU {figures}", flush=True)
    x["load_end"] = run.loadavg()
    with open(os.path.join(OUT_DIR, "cpu.json"), "w") as f:
        json.dump(x, f, indent=2)
    if not args.no_markdown:
        rewrite_section(x, os.path.join(ROOT, "BENCHMARKS.md"))
        print("wrote the cpu section of BENCHMARKS.md")


if __name__ == "__main__":
    main()
