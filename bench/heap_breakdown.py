"""Where an idle socket's bytes go: tether-bench under heaptrack, N idle sockets, each live
allocation sorted into what holds it.

    python3 bench/heap_breakdown.py --bin .build/release/tether-bench --n 500 [--mode raw|circuit|deflate|lean]

One fresh server per mode, run under `heaptrack` (Debian's `heaptrack` package). The browserless
client of bench/circuits.py opens N sockets and waits until they are idle; the server is then
killed with SIGKILL, so the allocations heaptrack saw and no free ended are exactly what the process
held with N idle sockets open. What the process holds of its own (runtime caches, event loops,
the app) is told apart by its call stack and left out; the rest, divided by N, is per socket.

Modes:
  raw      N raw WebSockets on `/_floor/echo`: Hummingbird's own WebSocket, with no Tether
  lean     N raw WebSockets on `LeanFloor` (TETHER_BENCH_LEAN_FLOOR_PORT): a plain NIO handler
  circuit  N circuits on `/counter`, each acked its first render
  deflate  the same circuits, each socket having agreed to permessage-deflate

Prints one JSON object per mode: bytes per socket by category, and heaptrack's total live bytes
per socket beside the process's RSS and malloc in-use growth per socket (the client's figures).
The categories are matched on demangled call stacks (CATEGORIES below); a task's stack memory is
attributed to the function whose frame did not fit in the slab before it, so a category of task
stacks counts the slabs that function's chain made the task keep.
"""
import argparse
import asyncio
import collections
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import circuits as C  # noqa: E402

# A task's stack memory is put down to the function nearest the allocation that a pattern below
# names (frames tried from the allocation outwards, the first pattern that matches wins): that
# function's frame did not fit in the task's current slab. Which task holds it follows from that
# function. A task's first slab is made where the task is made (its task-local links), and put
# down to the call that made the task.
TASK_STACK = [
    ("task stack: keep-alive ping task (Hummingbird's autoPing)",
     r"runAutoPingLoop|Clock\.sleep|Task<>\._sleep|ThrowingTaskGroup\.addTask"),
    ("task stack: the circuit's own task (Circuit.run)",
     r"^Circuit\.|closure #1 in CircuitConnection\.start"),
    ("task stack: Tether's frames on the socket task",
     r"CircuitConnection\.|closure #\d+ in TetherApp\.addRoutes|swift_task_localValuePush|WebSocketOutbox|DrainLatch"),
    ("task stack: the socket task (Hummingbird, WSCore, NIOAsyncChannel frames)",
     r"HTTP1WebSocketUpgradeChannel|WebSocketHandler|WebSocketInbound|NIOThrowingAsyncSequenceProducer|Server\.run|"
     r"DiscardingTaskGroup|BenchRoutes|WebSocketRouter|NIOAsyncChannel|withThrowingTaskGroup|withTaskCancellationHandler"),
]
# The task made by `Task { }` in CircuitConnection.start is the circuit's: tell it from others.
TASK_MADE_BY = [
    (r"Task<>\.init", r"CircuitConnection\.start", "task stack: the circuit's own task (Circuit.run)"),
    (r"Task<>\.init", r"CircuitConnection\.serve", "task stack: handshake timer task"),
]
HEAP = [
    ("receive buffer (NIO's pooled read buffer)", r"readFromSocket\(\)"),
    ("Tether: render tree and components",
     r"Renderer|HTMLBuilder|RenderElement|RenderTree|Element\.applying|NavLink|Component|Markup|Attributes|TreeDiff|Counter"),
    ("Tether: circuit, interop channel, registry, outbox, budget",
     r"Circuit|InteropChannel|WebSocketOutbox|Budget|JSRuntime|Telemetry|DeflateLink|RefusalLog|TetherApp|Registry|"
     r"Persister|DrainLatch|InboundDeflate|PerMessageDeflate"),
    ("Hummingbird/WSCore per socket: async channel, WebSocket actor, task group, kept upgrade request",
     r"HTTP1WebSocketUpgradeChannel|WebSocketHandler|WebSocketInbound|NIOAsyncChannel|NIOAsyncSequence|NIOAsyncWriter|"
     r"swift_taskGroup_initialize|HTTPRequest|HTTPFields|WebSocketRouter|RequestContext|EndpointPath|Logger|URI\.init"),
    ("NIO channel: socket, pipeline, handlers, write queue, locks",
     r"SocketChannel|ChannelPipeline|PendingStreamWrites|PendingWrites|NIOLock|LockStorage|ByteToMessageHandler|"
     r"WebSocketFrame|_upgrade<|NIOWebSocketServerUpgrader|EventLoopFuture|makePromise|SocketAddress|ChannelHandlerContext|"
     r"LeanEcho|HTTPServerUpgrade|HTTPServerPipeline|HTTPDecoder|Selector"),
]
# The order the categories are shown in.
def categories():
    return ([name for name, _ in TASK_STACK[::-1]] + ["task stack: the circuit's own task (Circuit.run)", "task stack: handshake timer task",
            "task stack: other tasks", TASK_OBJECT] + [name for name, _ in HEAP[::-1]] + [DISPATCH, OTHER])


DISPATCH = "dispatch timers and continuations (Task.sleep, enqueues)"
TASK_OBJECT = "task objects (one per Swift task)"
OTHER = "other"


def demangle(frames):
    out = subprocess.run(["swift", "demangle", "--simplified"], input="\n".join(frames), capture_output=True, text=True,
                         check=True).stdout.split("\n")
    return dict(zip(frames, out))


def classify(frames):
    """frames: demangled, innermost first."""
    leaf = " ".join(frames[:3])
    if "StackAllocator" in leaf:
        for i, frame in enumerate(frames):
            for made_by, caller, name in TASK_MADE_BY:
                if re.search(made_by, frame) and any(re.search(caller, f) for f in frames[i + 1:i + 3]):
                    return name
            for name, pattern in TASK_STACK:
                if re.search(pattern, frame):
                    return name
        return "task stack: other tasks"
    if "swift_task_create" in leaf:
        return TASK_OBJECT
    if "_dispatch" in leaf or "_os_object" in leaf or "dispatch_source" in " ".join(frames[:6]):
        return DISPATCH
    for frame in frames:
        for name, pattern in HEAP:
            if re.search(pattern, frame):
                return name
    return OTHER


def parse_flamegraph(path):
    stacks = []
    for line in open(path):
        text, _, cost = line.rstrip("\n").rpartition(" ")
        stacks.append((text.rstrip(";").split(";"), int(cost)))
    names = demangle(sorted({f for s, _ in stacks for f in s}))
    return [([names[f] for f in reversed(s)], cost) for s, cost in stacks]


# Allocations made before the first socket: the process's own (runtime caches, the event loops,
# the app, the router), kept out of the per-socket figures.
PROCESS_ROOTS = re.compile(r"TetherBench_main|_dl_init|swift::threading|MultiThreadedEventLoopGroup|"
                           r"ServiceGroup|UnixSignals|ConformanceState|MetadataCache|getWitnessTable|swift_getExistential|"
                           r"__CF|_CF|icu_|swift_uhash|RuntimeAsset|ByteBuffer\.compress|ConcurrentReadableHashMap|"
                           r"LockingConcurrentMap|swift::Lazy|allocate_dtv|__check_pf|ServerSocketChannel\.init|"
                           r"ServerBootstrap|SelectableEventLoop\.init|Application\.init|Router|DemoApp")


def breakdown(flamegraph, n):
    by = collections.Counter()
    process = 0
    for frames, cost in parse_flamegraph(flamegraph):
        # The process's own allocations hang off startup frames; a socket's never do.
        if any(PROCESS_ROOTS.search(f) for f in frames) and not any(
                re.search(r"readFromSocket|Server\.run|CircuitConnection|HTTP1WebSocketUpgradeChannel|LeanEcho", f)
                for f in frames):
            process += cost
            continue
        by[classify(frames)] += cost
    per = {k: round(v / n) for k, v in by.most_common()}
    return per, sum(per.values()), process


def wait_http(port, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/persistence", timeout=2).read()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"tether-bench on {port} did not answer")


def heap_in_use(port):
    return json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/persistence"))["heap_in_use_bytes"]


async def open_idle(port, socket_port, pid, n, mode):
    C.raise_fd_limit()
    messages = C.fetch_descriptors(port, n) if mode in ("circuit", "deflate") else None
    # What Chromium offers.
    C.Circuit.extensions = "permessage-deflate; client_max_window_bits" if mode == "deflate" else None
    await asyncio.sleep(1.0)
    rss0, heap0 = C.rss_bytes(pid), heap_in_use(port)
    circuits, _ = await C.open_circuits(socket_port, n, raw=mode in ("raw", "lean"), start_messages=messages)
    await asyncio.sleep(2.0)
    rss1, heap1 = C.rss_bytes(pid), heap_in_use(port)
    return circuits, {"rss_per_socket": round((rss1 - rss0) / n), "malloc_in_use_per_socket": round((heap1 - heap0) / n)}


def run_mode(binary, mode, n, port, folder):
    out = os.path.join(folder, f"heap-{mode}")
    env = dict(os.environ, PORT=str(port), TETHER_BENCH_LEAN_FLOOR_PORT=str(port + 1))
    proc = subprocess.Popen(["heaptrack", "-o", out, binary], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_http(port)
        pid = find_server_pid(binary)

        async def body():
            circuits, figures = await open_idle(port, port + 1 if mode == "lean" else port, pid, n, mode)
            os.kill(pid, signal.SIGKILL)  # with the sockets open: what is live now is what they hold
            await asyncio.sleep(1.0)
            C.close_all(circuits)
            return figures

        figures = asyncio.run(body())
        proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    data = out + ".zst"
    flame = out + ".folded"
    subprocess.run(["heaptrack_print", "-f", data, "--print-peaks", "0", "--print-allocators", "0", "--print-temporary", "0",
                    "--print-leaks", "0", "-F", flame, "--flamegraph-cost-type", "leaked"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    per, total, process = breakdown(flame, n)
    return {"mode": mode, "n": n, "bytes_per_socket": per, "heaptrack_live_per_socket": total,
            "process_own_bytes": process, **figures}


def find_server_pid(binary):
    """heaptrack runs the binary as a child of its shell script: the pid whose command is the binary."""
    deadline = time.time() + 30
    while time.time() < deadline:
        for line in subprocess.run(["ps", "-eo", "pid,ppid,args"], capture_output=True, text=True).stdout.splitlines()[1:]:
            pid, _, args = line.strip().split(None, 2)
            if args.split()[0] == binary:
                return int(pid)
        time.sleep(0.3)
    raise RuntimeError("the server process under heaptrack was not found")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=".build/release/tether-bench")
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--port", type=int, default=8790)
    ap.add_argument("--mode", action="append", choices=["raw", "lean", "circuit", "deflate"])
    ap.add_argument("--keep", metavar="DIR", help="keep heaptrack's files (heap-MODE.zst, .folded) in DIR")
    ap.add_argument("--analyze", metavar="FOLDED", help="only sort a kept heap-MODE.folded again (with --n)")
    args = ap.parse_args()
    if args.analyze:
        per, total, process = breakdown(args.analyze, args.n)
        print(json.dumps({"bytes_per_socket": per, "heaptrack_live_per_socket": total, "process_own_bytes": process}, indent=1))
        return
    binary = os.path.abspath(args.bin)
    with tempfile.TemporaryDirectory(prefix="tether-heap-") as scratch:
        folder = args.keep or scratch
        os.makedirs(folder, exist_ok=True)
        for i, mode in enumerate(args.mode or ["raw", "lean", "circuit", "deflate"]):
            print(json.dumps(run_mode(binary, mode, args.n, args.port + 2 * i, folder)), flush=True)


if __name__ == "__main__":
    main()
