#!/usr/bin/env python3
"""Clicks/s at p99 < 100 ms: one node reached directly, one node behind nginx, N nodes behind
nginx (scripts/cluster bench).

    scripts/cluster bench [--nodes 3] [--steps 250,500,1000,2000] [--seconds 8] [--warmup 2]
                          [--only clicks|chat] [--setups direct,nginx1,nginxN]

`--only chat`: cross-node chat delivery between two Chromium pages whose circuits are on
different nodes of a 3-node cluster: page A posts (--chat-messages, one every --chat-interval
seconds), page B's DOM shows it; both times are read from the browser's clock.

Each step is bench/circuits.py's `load` (the ladder of BENCHMARKS.md, "Concurrent circuits"):
n circuits on /counter, each clicking once a second at its own phase, every click timed until
its render batch. A step passes when p99 < 100 ms and no click went unanswered; a failed step is
tried once more, and the ladder stops at the first step that fails twice. Every step runs on a
fresh cluster (scripts/cluster up into a temporary folder, PostgreSQL store and all), so no step
inherits the circuits of the one before. "direct" and "nginx, 1 node" share a cluster of one node,
so the difference between them is the proxy's cost alone.

The client, nginx, PostgreSQL and every node share this machine's cores: on a small machine more
nodes add processes, not cores, and the figures say what the proxy and the split cost there, not
what more machines would give. Prints a table and writes --json.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CLUSTER = str(REPO / "scripts" / "cluster")
CIRCUITS = str(REPO / "bench" / "circuits.py")


class Cluster:
    def __init__(self, nodes: int):
        self.nodes = nodes
        self.state = Path(tempfile.mkdtemp(prefix="tether-bench-cluster-"))
        self.env = dict(os.environ, TETHER_CLUSTER_DIR=str(self.state))

    def __enter__(self):
        result = subprocess.run([CLUSTER, "up", str(self.nodes)], env=self.env, capture_output=True, text=True, timeout=300)
        if result.returncode != 0:
            self.__exit__()
            raise RuntimeError(f"scripts/cluster up failed:\n{result.stderr[-3000:]}")
        return self

    def __exit__(self, *exc):
        subprocess.run([CLUSTER, "down"], env=self.env, capture_output=True, text=True, timeout=180)

    def read(self, name: str) -> str:
        return (self.state / name).read_text().strip()

    @property
    def proxy_port(self) -> int:
        return int(self.read("url").rsplit(":", 1)[1])

    def node_port(self, k: int) -> int:
        return int(self.read(f"node-{k}.port"))

    def node_pid(self, k: int) -> int:
        return int(self.read(f"node-{k}.pid"))


def load(port: int, pid: int, n: int, seconds: float, warmup: float) -> dict:
    result = subprocess.run([sys.executable, CIRCUITS, "load", "--port", str(port), "--pid", str(pid), "--n", str(n),
                             "--seconds", str(seconds), "--warmup", str(warmup)],
                            capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        return {"n": n, "error": (result.stderr.strip().splitlines() or ["exit " + str(result.returncode)])[-1][:300]}
    return json.loads(result.stdout.strip().splitlines()[-1])


def passed(step: dict) -> bool:
    return ("error" not in step and step.get("p99_ms") is not None and step["p99_ms"] < 100
            and step.get("missing", 1) == 0 and step.get("errors", 1) == 0 and step.get("closed", 1) == 0)


def ladder(name: str, nodes: int, through_proxy: bool, steps: list[int], args) -> dict:
    rows = []
    best = None
    for n in steps:
        ok = False
        for attempt in (1, 2):
            with Cluster(nodes) as cluster:
                port = cluster.proxy_port if through_proxy else cluster.node_port(1)
                step = load(port, cluster.node_pid(1), n, args.seconds, args.warmup)
            step.update(setup=name, attempt=attempt, load_average=round(os.getloadavg()[0], 1))
            rows.append(step)
            print(f"  {name:<16} n={n:<6} try {attempt}: p50 {step.get('p50_ms')} ms, p99 {step.get('p99_ms')} ms, "
                  f"{step.get('clicks_per_s')} clicks/s, missing {step.get('missing')}, errors {step.get('errors')}"
                  f"{', ' + step['error'] if 'error' in step else ''}", flush=True)
            if passed(step):
                ok = True
                break
        if not ok:
            break
        best = step
    return {"setup": name, "nodes": nodes, "through_nginx": through_proxy,
            "clicks_per_s_at_p99_under_100ms": best["clicks_per_s"] if best else 0,
            "circuits": best["n"] if best else 0, "best": best, "steps": rows}


# In page B: when does each chat line first appear? Times are performance.timeOrigin + now(),
# a clock both pages of one browser share.
RECORD_ARRIVALS = """() => {
    window.__arrivals = {};
    const list = document.querySelector('#chat-messages');
    const note = () => {
        const now = performance.timeOrigin + performance.now();
        for (const li of list.querySelectorAll('li')) {
            const text = li.querySelector('.chat-text')?.textContent;
            if (text && !(text in window.__arrivals)) window.__arrivals[text] = now;
        }
    };
    new MutationObserver(note).observe(list, {childList: true, subtree: true, characterData: true});
    note();
}"""

SEND = """(text) => {
    const input = document.querySelector('#chat-text');
    input.value = text;
    input.dispatchEvent(new Event('input', {bubbles: true}));
    const sent = performance.timeOrigin + performance.now();
    document.querySelector('#chat-send').click();
    return sent;
}"""


def chat_latency(messages: int, interval: float) -> dict:
    """Two Chromium pages whose circuits are on different nodes; A posts, B's DOM shows it."""
    from playwright.sync_api import sync_playwright

    with Cluster(3) as cluster, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=os.environ.get("TETHER_CHROMIUM", "/usr/bin/chromium"), headless=True)
        url = cluster.read("url")

        def open_chat():
            page = browser.new_context().new_page()
            page.goto(url + "/chat")
            page.wait_for_function("window.Tether && window.Tether.circuit && window.Tether.circuit.circuitId")
            page.wait_for_timeout(300)  # the first render batch names the circuit's node
            return page, page.inner_text("#chat-node").strip()

        a, node_a = open_chat()
        for _ in range(20):
            b, node_b = open_chat()
            if node_b != node_a:
                break
            b.context.close()
        else:
            raise RuntimeError("no second page on another node in 20 tries")
        b.evaluate(RECORD_ARRIVALS)
        a.fill("#chat-name", "bench")
        sent = {}
        for i in range(messages):
            text = f"bench-{i}"
            sent[text] = a.evaluate(SEND, text)
            time.sleep(interval)
        b.wait_for_function(f"Object.keys(window.__arrivals).filter(k => k.startsWith('bench-')).length >= {messages}",
                            timeout=30_000)
        arrivals = b.evaluate("window.__arrivals")
        browser.close()
    latencies = sorted(arrivals[t] - sent[t] for t in sent if t in arrivals)
    # Warm-up: the first few messages pay for connections and code paths not yet used.
    measured = latencies if len(latencies) < 20 else sorted(arrivals[t] - sent[t] for t in list(sent)[10:])

    def pct(q):
        return round(measured[min(len(measured) - 1, int(len(measured) * q))], 1)
    return {"from_node": node_a, "to_node": node_b, "messages": messages, "measured": len(measured),
            "p50_ms": pct(0.5), "p99_ms": pct(0.99), "max_ms": round(measured[-1], 1)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nodes", type=int, default=3)
    parser.add_argument("--steps", default="250,500,1000,1500,2000,3000,4000")
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--json", default=str(REPO / ".cluster-bench.json"))
    parser.add_argument("--only", choices=["clicks", "chat"], default=None)
    parser.add_argument("--setups", default="direct,nginx1,nginxN", help="which ladders: direct, nginx1, nginxN")
    parser.add_argument("--chat-messages", type=int, default=200)
    parser.add_argument("--chat-interval", type=float, default=0.05, help="seconds between two chat posts")
    args = parser.parse_args()
    steps = [int(x) for x in args.steps.split(",") if x]
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    report = {"date": started, "machine": f"{platform.node()}, {os.cpu_count()} cores",
              "binary": os.environ.get("TETHER_DEMO_BIN", "?"), "seconds": args.seconds}
    if args.only in (None, "chat"):
        report["chat"] = chat_latency(args.chat_messages, args.chat_interval)
        c = report["chat"]
        print(f"  chat {c['from_node']} -> {c['to_node']}, {c['measured']} messages: p50 {c['p50_ms']} ms, "
              f"p99 {c['p99_ms']} ms, max {c['max_ms']} ms", flush=True)
    if args.only in (None, "clicks"):
        setups = {"direct": ("1 node, direct", 1, False), "nginx1": ("1 node, nginx", 1, True),
                  "nginxN": (f"{args.nodes} nodes, nginx", args.nodes, True)}
        report["results"] = [ladder(*setups[name], steps, args) for name in args.setups.split(",")]
        print()
        print(f"  {'setup':<16} {'clicks/s at p99 < 100 ms':>26} {'p50 ms':>8} {'p99 ms':>8}")
        for r in report["results"]:
            b = r["best"] or {}
            print(f"  {r['setup']:<16} {r['clicks_per_s_at_p99_under_100ms']:>26} {b.get('p50_ms', '-')!s:>8} {b.get('p99_ms', '-')!s:>8}")
    report["load_average_at_end"] = round(os.getloadavg()[0], 1)
    Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    print(f"\n  report: {args.json}")


if __name__ == "__main__":
    main()
