#!/usr/bin/env python3
"""Chaos on a running cluster (scripts/cluster chaos): browserless circuits clicking through
nginx while nodes are killed with SIGKILL and restarted, then a rolling deploy under the same load.

    scripts/cluster chaos [N] [--circuits 500] [--seconds 300] [--kill-every 30]

Each circuit is a /durable page (cluster_client.Visitor): it clicks #increment once a second and
reads the count back. When its socket is lost it resumes the circuit, as the browser runtime
does, and its next click tells what the resumed circuit held: the count before the click.

Measured, for the circuits that moved (their node died, or drained):
* resume time: from the socket's loss to the `cfg` of the resumed circuit on another node, with
  the browser runtime's retry schedule (after a drop it waits 0.5 s before its first attempt);
* clicks lost: clicks the page saw counted that the resumed circuit does not have. A kill -9 may
  lose what happened since the node's last save, so only clicks counted more than the persist
  interval (TETHER_PERSIST_INTERVAL_MS, 1 s by default) plus a save's grace (--save-grace-ms)
  before the kill count as lost beyond the interval (target 0);
* for the circuits that did not move: any failed click (target 0);
* rolling deploy (SIGTERM each node in turn: it saves every circuit and says `bye`): lost state
  and failed clicks (target 0 each).

The report goes to stdout as a table and to --json (default STATE/chaos.json). Exit status 1 when
a target is missed: lost clicks beyond the interval, errors on circuits that did not move, a
circuit whose resume failed, or lost state or a failed click during the rolling deploy.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import resource
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cluster_client import ChatVisitor, ClickFailed, ResumeRejected, SocketLost, Visitor, fetch, percentile  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
CLUSTER = str(REPO / "scripts" / "cluster")


@dataclass
class Move:
    phase: str  # "kill" or "rolling"
    drained: bool
    lost_at: float
    resumed_at: float | None = None
    attempts: int = 0
    count_before: int = 0
    restored: int | None = None
    lost: int = 0
    lost_beyond_interval: int = 0
    error: str | None = None


@dataclass
class Circuit:
    visitor: Visitor
    clicks: int = 0
    latencies: list[float] = field(default_factory=list)
    counted_at: dict[int, float] = field(default_factory=dict)  # count -> when the page showed it
    moves: list[Move] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (phase, message)
    open_error: str | None = None


class Chaos:
    def __init__(self, args, state: Path, url: str, nodes: int):
        self.args = args
        self.state = state
        self.url = url
        self.nodes = nodes
        self.phase = "warmup"
        self.stop_at = float("inf")
        self.events: list[dict] = []
        self.interval_s = args.persist_ms / 1000
        self.grace_s = args.save_grace_ms / 1000
        # Each kill: when `scripts/cluster kill` was called, and the first socket loss after it.
        self.kills: list[dict] = []
        self.loss_samples: list[dict] = []

    def run_cluster(self, *command: str) -> float:
        started = time.monotonic()
        result = subprocess.run([CLUSTER, *command], env=dict(os.environ, TETHER_CLUSTER_DIR=str(self.state)),
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"scripts/cluster {' '.join(command)} failed: {result.stderr.strip()[-2000:]}")
        return time.monotonic() - started

    async def circuit_loop(self, circuit: Circuit, stagger: float):
        visitor = circuit.visitor
        try:
            await visitor.open()
        except Exception as error:
            circuit.open_error = repr(error)
            return
        circuit.counted_at[0] = time.monotonic()
        await asyncio.sleep(stagger)
        pending: list[Move] = []
        while time.monotonic() < self.stop_at:
            started = time.monotonic()
            try:
                shown = await visitor.click()
            except SocketLost as lost:
                move = Move(self.phase, lost.drained, time.monotonic(), count_before=max(circuit.counted_at))
                if move.phase == "kill":
                    self.note_loss(move.lost_at)
                circuit.moves.append(move)
                try:
                    move.attempts = await visitor.resume(give_up_after=self.args.resume_timeout, drained=lost.drained)
                    move.resumed_at = time.monotonic()
                    pending.append(move)
                except (ResumeRejected, ClickFailed) as error:
                    move.error = repr(error)
                    circuit.errors.append((move.phase, f"resume: {error!r}"))
                    return
                continue
            except ClickFailed as error:
                circuit.errors.append((self.phase, repr(error)))
                await visitor.drop()
                return
            now = time.monotonic()
            circuit.clicks += 1
            circuit.latencies.append(now - started)
            restored = shown - 1
            for move in pending:
                self.settle(circuit, move, restored)
            pending.clear()
            # Counts above what the circuit now holds were lost; forget when they were shown.
            for count in [c for c in circuit.counted_at if c > restored]:
                del circuit.counted_at[count]
            circuit.counted_at[shown] = now
            await asyncio.sleep(max(0, 1 - (time.monotonic() - started)))
        await visitor.end()

    def settle(self, circuit: Circuit, move: Move, restored: int):
        """What the resumed circuit held, against what the page had seen counted before the loss."""
        move.restored = restored
        lost_counts = [c for c in circuit.counted_at if c > restored and c <= move.count_before]
        move.lost = len(lost_counts)
        # When the node died: no later than the first socket it dropped. A count shown longer
        # before that than the persist interval and a save's grace had to be saved.
        kill = self.kill_before(move.lost_at) if move.phase == "kill" else None
        kill_at = kill["first_loss"] if kill and kill["first_loss"] is not None else move.lost_at
        move.lost_beyond_interval = sum(1 for c in lost_counts if circuit.counted_at[c] < kill_at - self.interval_s - self.grace_s)
        if move.lost_beyond_interval and len(self.loss_samples) < 20:
            self.loss_samples.append({
                "circuit": circuit.visitor.circuit_id, "phase": move.phase, "count_before": move.count_before,
                "restored": restored, "lost_at_s": round(move.lost_at - self.t0, 3), "kill_at_s": round(kill_at - self.t0, 3),
                "lost_counts_shown_s_before_kill": {c: round(kill_at - circuit.counted_at[c], 3) for c in lost_counts}})

    def kill_before(self, moment: float) -> dict | None:
        return next((k for k in reversed(self.kills) if k["called"] <= moment), None)

    def note_loss(self, moment: float):
        kill = self.kill_before(moment)
        if kill is not None and (kill["first_loss"] is None or moment < kill["first_loss"]):
            kill["first_loss"] = moment

    async def killer(self, seconds: float):
        rng = random.Random(self.args.seed)
        end = time.monotonic() + seconds
        while True:
            next_kill = time.monotonic() + self.args.kill_every
            if next_kill >= end:
                break
            await asyncio.sleep(next_kill - time.monotonic())
            node = rng.randint(1, self.nodes)
            kill = {"called": time.monotonic(), "first_loss": None}
            self.kills.append(kill)
            await asyncio.to_thread(self.run_cluster, "kill", str(node))
            restart_s = await asyncio.to_thread(self.run_cluster, "start", str(node))
            self.events.append({"at": round(kill["called"] - self.t0, 2), "kill": node, "live_again_after_s": round(restart_s, 2)})
            print(f"  t={kill['called'] - self.t0:6.1f}s kill -9 node {node}; live again after {restart_s:.1f} s", flush=True)
        await asyncio.sleep(max(0, end - time.monotonic()))

    async def rolling(self):
        for node in range(1, self.nodes + 1):
            at = time.monotonic()
            took = await asyncio.to_thread(self.run_cluster, "restart", str(node))
            self.events.append({"at": round(at - self.t0, 2), "restart": node, "took_s": round(took, 2)})
            print(f"  t={at - self.t0:6.1f}s restart node {node} (drain): live again after {took:.1f} s", flush=True)
            await asyncio.sleep(self.args.settle)

    # ---- chat: one page posts a token a second, every chat page records what reaches it

    def chat_available(self) -> bool:
        try:
            page, _ = fetch(self.url + "/chat", timeout=10)
        except Exception:
            return False
        return 'id="chat-send"' in page

    async def chat_page_loop(self, page: ChatVisitor, posts: bool):
        try:
            await page.open()
        except Exception as error:
            self.chat_errors.append(f"{page.name} open: {error!r}")
            return
        page.gaps = []
        sequence = 0
        while time.monotonic() < self.stop_at:
            try:
                if posts and self.phase != "warmup":
                    sequence += 1
                    token = f"chaos-{self.run_id}-{sequence}"
                    await page.post(token)
                    self.chat_posted[token] = time.monotonic()
                await page.listen(1.0)
            except SocketLost as lost:
                lost_at = time.monotonic()
                if posts and sequence and f"chaos-{self.run_id}-{sequence}" not in page.seen:
                    # Posted, then the socket went: whether the node published it is unknown.
                    self.chat_posted.pop(f"chaos-{self.run_id}-{sequence}", None)
                try:
                    await page.resume(give_up_after=self.args.resume_timeout, drained=lost.drained)
                except Exception as error:
                    self.chat_errors.append(f"{page.name} resume: {error!r}")
                    return
                page.gaps.append((lost_at, time.monotonic()))
            except Exception as error:
                self.chat_errors.append(f"{page.name}: {error!r}")
                return
        await asyncio.sleep(2)  # the last posts' deliveries
        await page.end()

    def chat_report(self) -> dict:
        if not self.chat_pages:
            return {"measured": False, "why": self.chat_skipped}
        expected = delivered = lost_around_moves = 0
        latencies = []
        lost_samples = []
        for page in self.chat_pages:
            gaps = getattr(page, "gaps", None)
            if gaps is None:
                continue
            for token, posted in self.chat_posted.items():
                # A page that was moving misses what was posted meanwhile: pub/sub delivers to the
                # pages subscribed at the time, at most once. Those are counted apart.
                around_move = any(start - 1.0 <= posted <= end + 1.0 for start, end in gaps)
                if token in page.seen:
                    delivered += 1
                    expected += 1
                    latencies.append(page.seen[token] - posted)
                elif around_move:
                    lost_around_moves += 1
                else:
                    expected += 1
                    lost_samples.append(f"{page.name} {token}")
        return {
            "measured": True,
            "pages": len(self.chat_pages), "posted": len(self.chat_posted),
            "deliveries_expected": expected, "delivered": delivered, "lost": expected - delivered,
            "missed_while_the_page_moved": lost_around_moves,
            "delivery_ms": {"p50": None if not latencies else round(percentile(latencies, 0.5) * 1000, 1),
                            "p99": None if not latencies else round(percentile(latencies, 0.99) * 1000, 1)},
            "lost_sample": lost_samples[:10], "errors": self.chat_errors[:10],
        }

    async def run(self) -> list[Circuit]:
        circuits = [Circuit(Visitor(self.url, name=f"c{i}")) for i in range(self.args.circuits)]
        tasks = []
        self.run_id = random.randrange(10**6)
        self.chat_posted: dict[str, float] = {}
        self.chat_errors: list[str] = []
        self.chat_pages: list[ChatVisitor] = []
        self.chat_skipped = "--chat-pages 0"
        if self.args.chat_pages > 0:
            if await asyncio.to_thread(self.chat_available):
                self.chat_pages = [ChatVisitor(self.url, name=f"chat{i}") for i in range(self.args.chat_pages)]
                for i, page in enumerate(self.chat_pages):
                    tasks.append(asyncio.create_task(self.chat_page_loop(page, posts=(i == 0))))
            else:
                self.chat_skipped = "the demo has no /chat page"
        self.t0 = time.monotonic()
        print(f"opening {len(circuits)} circuits through {self.url} ...", flush=True)
        for i, circuit in enumerate(circuits):
            tasks.append(asyncio.create_task(self.circuit_loop(circuit, random.random())))
            if i % 25 == 24:
                await asyncio.sleep(0.1)
        # Every circuit is open (or failed to open) before the first kill.
        while any(not c.counted_at and c.open_error is None for c in circuits):
            await asyncio.sleep(0.1)
        self.phase = "kill"
        self.t0 = time.monotonic()
        print(f"chaos: {self.args.seconds} s, kill -9 a random node every {self.args.kill_every} s", flush=True)
        await self.killer(self.args.seconds)
        if self.args.rolling:
            self.phase = "rolling"
            print("rolling deploy: each node restarted with drain, one by one", flush=True)
            await self.rolling()
        self.stop_at = time.monotonic()
        await asyncio.gather(*tasks, return_exceptions=True)
        return circuits


def summarize(circuits: list[Circuit], chaos: Chaos, args) -> dict:
    def moves(phase):
        return [m for c in circuits for m in c.moves if m.phase == phase]

    def ms(values):
        return {k: (None if v is None else round(v * 1000, 1)) for k, v in
                (("p50", percentile(values, 0.5)), ("p99", percentile(values, 0.99)), ("max", max(values) if values else None))}

    kill_moves = moves("kill")
    rolling_moves = moves("rolling")
    # Circuits whose node was never killed under them (the rolling deploy moves every circuit).
    unmoved = [c for c in circuits if not any(m.phase == "kill" for m in c.moves) and c.open_error is None]
    latencies = [x for c in circuits for x in c.latencies]
    report = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": f"{platform.node()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end",
        "nodes": chaos.nodes,
        "circuits": args.circuits,
        "seconds": args.seconds,
        "kill_every_s": args.kill_every,
        "persist_interval_ms": args.persist_ms,
        "save_grace_ms": args.save_grace_ms,
        "circuits_failed_to_open": sum(1 for c in circuits if c.open_error),
        "clicks": sum(c.clicks for c in circuits),
        "click_latency_ms": ms(latencies),
        "kills": [e for e in chaos.events if "kill" in e],
        "kill_phase": {
            "moved_circuits": len({id(c) for c in circuits for m in c.moves if m.phase == "kill"}),
            "moves": len(kill_moves),
            "resume_ms": ms([m.resumed_at - m.lost_at for m in kill_moves if m.resumed_at]),
            "resume_failures": sum(1 for m in kill_moves if m.error),
            "clicks_lost": sum(m.lost for m in kill_moves),
            "clicks_lost_beyond_persist_interval": sum(m.lost_beyond_interval for m in kill_moves),
            "circuits_not_moved": len(unmoved),
            "errors_on_circuits_not_moved": sum(1 for c in unmoved for phase, _ in c.errors if phase == "kill"),
            "errors_on_any_circuit": sum(1 for c in circuits for phase, _ in c.errors if phase == "kill"),
        },
        "chat": chaos.chat_report(),
    }
    if args.rolling:
        report["rolling_deploy"] = {
            "restarts": [e for e in chaos.events if "restart" in e],
            "moves": len(rolling_moves),
            "drained_moves": sum(1 for m in rolling_moves if m.drained),
            "resume_ms": ms([m.resumed_at - m.lost_at for m in rolling_moves if m.resumed_at]),
            "lost_state_clicks": sum(m.lost for m in rolling_moves),
            "failed_clicks": sum(1 for c in circuits for phase, _ in c.errors if phase == "rolling"),
            "resume_failures": sum(1 for m in rolling_moves if m.error),
        }
    report["losses_beyond_interval_sample"] = chaos.loss_samples
    report["errors_sample"] = [f"{c.visitor.name} {phase}: {message}" for c in circuits for phase, message in c.errors][:20]
    report["open_errors_sample"] = [f"{c.visitor.name}: {c.open_error}" for c in circuits if c.open_error][:5]
    failures = []
    k = report["kill_phase"]
    if report["circuits_failed_to_open"]:
        failures.append(f"{report['circuits_failed_to_open']} circuits failed to open")
    if k["clicks_lost_beyond_persist_interval"]:
        failures.append(f"{k['clicks_lost_beyond_persist_interval']} clicks lost beyond the persist interval")
    if k["errors_on_circuits_not_moved"]:
        failures.append(f"{k['errors_on_circuits_not_moved']} errors on circuits that did not move")
    if k["resume_failures"]:
        failures.append(f"{k['resume_failures']} resumes failed after a kill")
    if args.rolling:
        r = report["rolling_deploy"]
        if r["lost_state_clicks"] or r["failed_clicks"] or r["resume_failures"]:
            failures.append(f"rolling deploy: {r['lost_state_clicks']} clicks of state lost, {r['failed_clicks']} failed clicks, {r['resume_failures']} failed resumes")
    if report["chat"]["measured"] and (report["chat"]["lost"] or report["chat"]["errors"]):
        failures.append(f"chat: {report['chat']['lost']} deliveries lost to pages that did not move, errors {report['chat']['errors'][:3]}")
    if args.expect_kills and not kill_moves:
        failures.append("no circuit moved: the kills did not reach any circuit's node")
    report["failures"] = failures
    return report


def print_table(report: dict):
    def f(v):
        return "-" if v is None else f"{v:g}"
    k = report["kill_phase"]
    rows = [
        ("circuits / nodes", f"{report['circuits']} / {report['nodes']}"),
        ("clicks", str(report["clicks"])),
        ("click latency p50 / p99 / max (ms)", " / ".join(f(report["click_latency_ms"][x]) for x in ("p50", "p99", "max"))),
        ("kills (kill -9, then start)", str(len(report["kills"]))),
        ("moved circuits (moves)", f"{k['moved_circuits']} ({k['moves']})"),
        ("resume after kill p50 / p99 / max (ms)", " / ".join(f(k["resume_ms"][x]) for x in ("p50", "p99", "max"))),
        ("resume failures", str(k["resume_failures"])),
        ("clicks lost (within persist interval)", str(k["clicks_lost"])),
        ("clicks lost beyond persist interval", f"{k['clicks_lost_beyond_persist_interval']} (target 0)"),
        ("errors on circuits not moved", f"{k['errors_on_circuits_not_moved']} of {k['circuits_not_moved']} circuits (target 0)"),
        ("errors on any circuit (kill phase)", str(k["errors_on_any_circuit"])),
    ]
    chat = report["chat"]
    if chat["measured"]:
        rows += [
            ("chat: pages / messages posted", f"{chat['pages']} / {chat['posted']}"),
            ("chat: deliveries lost (page did not move)", f"{chat['lost']} of {chat['deliveries_expected']} (target 0)"),
            ("chat: missed while the page moved", str(chat["missed_while_the_page_moved"])),
            ("chat: delivery p50 / p99 (ms)", f"{f(chat['delivery_ms']['p50'])} / {f(chat['delivery_ms']['p99'])}"),
        ]
    else:
        rows.append(("chat messages lost", f"not measured ({chat['why']})"))
    if "rolling_deploy" in report:
        r = report["rolling_deploy"]
        rows += [
            ("rolling deploy: moves (said bye)", f"{r['moves']} ({r['drained_moves']})"),
            ("rolling deploy: resume p50 / p99 / max (ms)", " / ".join(f(r["resume_ms"][x]) for x in ("p50", "p99", "max"))),
            ("rolling deploy: lost state (clicks)", f"{r['lost_state_clicks']} (target 0)"),
            ("rolling deploy: failed clicks", f"{r['failed_clicks']} (target 0)"),
        ]
    width = max(len(name) for name, _ in rows)
    print()
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")
    print()
    for failure in report["failures"]:
        print(f"  MISSED: {failure}")
    for line in report["errors_sample"][:10]:
        print(f"  error: {line}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cluster-dir", required=True, help="the state folder of a running scripts/cluster")
    parser.add_argument("--circuits", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=300, help="length of the kill phase")
    parser.add_argument("--kill-every", type=float, default=30)
    parser.add_argument("--no-rolling", dest="rolling", action="store_false", help="skip the rolling deploy")
    parser.add_argument("--settle", type=float, default=5, help="seconds between rolling restarts")
    parser.add_argument("--persist-ms", type=float, default=float(os.environ.get("TETHER_PERSIST_INTERVAL_MS", "1000")))
    parser.add_argument("--save-grace-ms", type=float, default=500,
                        help="how long after its interval a save may take to reach PostgreSQL")
    parser.add_argument("--resume-timeout", type=float, default=30)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--chat-pages", type=int, default=6, help="/chat pages (one posts once a second); 0: none")
    parser.add_argument("--expect-kills", action="store_true", help="fail if no circuit moved (for the smoke)")
    parser.add_argument("--json", default=None, help="where the JSON report goes (default STATE/chaos.json)")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    state = Path(args.cluster_dir).resolve()
    url = (state / "url").read_text().strip()
    nodes = int((state / "nodes").read_text().strip())
    chaos = Chaos(args, state, url, nodes)
    circuits = asyncio.run(chaos.run())
    report = summarize(circuits, chaos, args)
    target = Path(args.json) if args.json else state / "chaos.json"
    target.write_text(json.dumps(report, indent=2) + "\n")
    print_table(report)
    print(f"  report: {target}")
    sys.exit(1 if report["failures"] else 0)


if __name__ == "__main__":
    main()
