"""scripts/dev, the hot-restart loop, run as a developer runs it: against the real repo and the
real tether-demo binary, on a free port, with no browser.

Each test points the watcher at a temporary folder of its own (`--watch DIR`) so that it can
"save" files without touching Sources/, and some replace the build with a shell command
(`--build-command CMD`) to make a build fail or take a while without breaking the repo.

    python3 -m pytest Tests/dev -q      (needs `swift build --product tether-demo` done first,
                                         or the first test's build does it, slowly)
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DEV = REPO / "scripts" / "dev"
# The first start builds tether-demo: a no-op when it is built already, minutes when it is not.
FIRST_START_TIMEOUT_S = float(os.environ.get("TETHER_DEV_TEST_START_TIMEOUT", "600"))
TIMEOUT_S = 30.0
LISTENING = re.compile(r"dev: tether-demo pid (\d+) listening on ")
SUMMARY = re.compile(r"dev: restarted in \d+\.\d s \(build \d+\.\d s\); save → listening \d+\.\d s")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


class Dev:
    """scripts/dev as a subprocess; its output collected line by line."""

    def __init__(self, watch: Path, *options: str):
        self.port = free_port()
        self.lines: list[str] = []
        self.changed = threading.Condition()
        self.server_pids: set[int] = set()
        env = dict(os.environ, PYTHONUNBUFFERED="1", NO_COLOR="1")
        env.pop("PORT", None)
        self.proc = subprocess.Popen(
            [sys.executable, str(DEV), "--port", str(self.port), "--watch", str(watch), *options],
            cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, encoding="utf-8", errors="replace",
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            with self.changed:
                self.lines.append(line.rstrip("\n"))
                if m := LISTENING.search(line):
                    self.server_pids.add(int(m.group(1)))
                self.changed.notify_all()
        with self.changed:
            self.changed.notify_all()

    def output(self, since: int = 0) -> str:
        with self.changed:
            return "\n".join(self.lines[since:])

    def mark(self) -> int:
        with self.changed:
            return len(self.lines)

    def wait_for(self, pattern: str | re.Pattern, since: int = 0, timeout: float = TIMEOUT_S) -> re.Match:
        """The first line from `since` on that matches, waiting up to `timeout` for it."""
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                for line in self.lines[since:]:
                    if m := regex.search(line):
                        return m
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (self.proc.poll() is not None and not self.reader.is_alive()):
                    pytest.fail(f"no line matching {regex.pattern!r} within {timeout:.0f} s "
                                f"(scripts/dev {'exited' if self.proc.poll() is not None else 'running'}); "
                                f"its output:\n{self.output()}", pytrace=False)
                self.changed.wait(min(remaining, 0.5))

    def started_server(self, since: int = 0, timeout: float = TIMEOUT_S) -> int:
        pid = int(self.wait_for(LISTENING, since, timeout).group(1))
        assert answers(self.port), f"pid {pid} said it listens, but GET / on port {self.port} failed"
        return pid

    def stop(self) -> int:
        """Ctrl-C, as a developer stops it: it must stop its server and exit 0."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=25)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.reader.join(timeout=5)
        return self.proc.returncode

    def cleanup(self) -> None:
        """After a failed test: nothing it started may be left running."""
        self.stop()
        for pid in self.server_pids:
            if exists(pid):
                os.kill(pid, signal.SIGKILL)


@pytest.fixture
def watched(tmp_path: Path) -> Path:
    folder = tmp_path / "watched"
    folder.mkdir()
    (folder / "Page.swift").write_text("// a source file\n")
    return folder


@pytest.fixture
def dev_factory():
    started: list[Dev] = []

    def start(watch: Path, *options: str) -> Dev:
        dev = Dev(watch, *options)
        started.append(dev)
        return dev

    yield start
    for dev in started:
        dev.cleanup()


def save(path: Path, text: str) -> None:
    path.write_text(text)


def test_a_save_rebuilds_and_restarts_the_server(watched: Path, dev_factory) -> None:
    dev = dev_factory(watched)  # the real build: `swift build --product tether-demo`
    first = dev.started_server(timeout=FIRST_START_TIMEOUT_S)

    # Editor temp files are not saves.
    mark = dev.mark()
    for name in (".#Page.swift", "Page.swift.swp", "Page.swift~", "4913"):
        save(watched / name, "scratch\n")
    time.sleep(1.2)  # several polls and debounces: nothing may have happened
    assert "changed:" not in dev.output(mark), dev.output(mark)

    mark = dev.mark()
    save(watched / "Page.swift", "// a source file, edited\n")
    dev.wait_for(r"dev: changed: .*Page\.swift; rebuilding", mark)
    summary = dev.wait_for(SUMMARY, mark, timeout=120)  # a no-op build, but swift build still plans
    second = dev.started_server(mark)
    assert second != first, f"the server was not restarted: pid {first} still\n{dev.output()}"
    assert not exists(first), f"the old server pid {first} is still running"
    assert "old server pid" not in dev.output(mark), f"the old server did not exit cleanly on SIGTERM:\n{dev.output()}"
    print(summary.group(0))

    assert dev.stop() == 0, dev.output()
    assert not exists(second), f"Ctrl-C left the server pid {second} running"
    assert f"server pid {second} exit status 0" in dev.output(), dev.output()


def test_a_failed_build_keeps_the_old_server(watched: Path, dev_factory) -> None:
    broken = watched / "broken"
    # Fails, with a compiler-style error, while the folder holds a file named `broken`.
    build = (f"test ! -e {shlex.quote(str(broken))} || "
             "{ echo 'Sources/Demo/main.swift:1:1: error: simulated compile error' >&2; exit 1; }")
    dev = dev_factory(watched, "--build-command", build)
    first = dev.started_server()

    mark = dev.mark()
    save(broken, "")
    dev.wait_for(r"dev: build failed in .*; pid \d+ keeps running", mark)
    assert "error: simulated compile error" in dev.output(mark), "the compiler's errors were not printed"
    assert not SUMMARY.search(dev.output(mark)), dev.output(mark)
    assert exists(first) and answers(dev.port), "the old server is gone after a failed build"

    # Fixing it restarts as usual.
    mark = dev.mark()
    broken.unlink()
    dev.wait_for(SUMMARY, mark)
    assert dev.started_server(mark) != first
    assert dev.stop() == 0, dev.output()


def test_a_save_during_a_build_builds_once_more_then_restarts_once(tmp_path: Path, watched: Path, dev_factory) -> None:
    builds = tmp_path / "builds.log"  # outside the watched folder
    build = f"echo build >> {shlex.quote(str(builds))}; sleep 1.5"
    dev = dev_factory(watched, "--build-command", build)
    first = dev.started_server()

    mark = dev.mark()
    save(watched / "Page.swift", "// one\n")
    dev.wait_for(r"dev: changed: .*; rebuilding", mark)
    save(watched / "Other.swift", "// two, while it builds\n")
    dev.wait_for(r"one more build follows", mark)
    dev.wait_for(SUMMARY, mark)
    second = dev.started_server(mark)
    time.sleep(0.8)  # were a third build or a second restart to come, it would have started
    assert builds.read_text().count("build") == 3, builds.read_text()  # the first, then two
    output = dev.output(mark)
    assert len(SUMMARY.findall(output)) == 1 and second != first, output
    assert dev.stop() == 0, dev.output()


FAKE_SERVER = '''\
import os, signal, sys, time, threading
from http.server import BaseHTTPRequestHandler, HTTPServer

starts = os.path.join(os.path.dirname(os.path.abspath(__file__)), "starts")
with open(starts, "a") as f:
    f.write("start\\n")
again = open(starts).read().count("start") > 1

class Page(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"fake")
    def log_message(self, *args):
        pass

def exit_cleanly(*_):
    raise SystemExit(0)
signal.signal(signal.SIGTERM, exit_cleanly)
server = HTTPServer(("127.0.0.1", int(os.environ["PORT"])), Page)

def two_tabs_resume():
    time.sleep(0.3)
    for circuit in ("c1", "c2"):  # as a Tether server logs a circuit rebuilt from its store
        print(f"info tether: circuit restored circuit={circuit}", flush=True)
if again:
    threading.Thread(target=two_tabs_resume, daemon=True).start()
server.serve_forever()
'''


def test_the_first_circuit_restored_after_a_restart_is_the_updated_page(tmp_path: Path, watched: Path, dev_factory) -> None:
    # A stand-in for a server with durable circuits: from its second start on, it logs two
    # `circuit restored` lines, as when two open tabs resume after the restart.
    fake = tmp_path / "fake-server"
    fake.write_text(f"#!{sys.executable}\n" + FAKE_SERVER)
    fake.chmod(0o755)
    dev = dev_factory(watched, "--build-command", "true", "--binary", str(fake))
    first = int(dev.wait_for(r"dev: tether-demo pid (\d+) listening on ").group(1))
    time.sleep(0.6)
    assert "updated page" not in dev.output(), "a first start is no restart"

    mark = dev.mark()
    save(watched / "Page.swift", "// edited\n")
    dev.wait_for(SUMMARY, mark)
    dev.wait_for(r"dev: save → updated page: \d+\.\d s", mark)
    time.sleep(0.6)
    output = dev.output(mark)
    assert output.count("save → updated page") == 1, output
    assert output.count("circuit restored") == 2, "the server's own lines are forwarded"
    assert int(dev.wait_for(r"dev: tether-demo pid (\d+) listening on ", mark).group(1)) != first
    assert dev.stop() == 0, dev.output()


def test_an_open_tab_resumes_with_its_state_after_a_save(watched: Path, dev_factory, tmp_path: Path) -> None:
    """The whole loop with the real demo and a real browser: save, rebuild, restart, and the open
    tab carries on with its count and its draft, in the same document."""
    from playwright.sync_api import sync_playwright

    dev = dev_factory(watched)
    dev.started_server(timeout=FIRST_START_TIMEOUT_S)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=os.environ.get("TETHER_CHROMIUM", "/usr/bin/chromium"))
        try:
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{dev.port}/durable")
            page.evaluate("Tether.ready.then(() => { window.__sameDocument = true; })")
            for n in (1, 2):
                page.click("#increment")
                page.wait_for_function(f"document.querySelector('#count').textContent === '{n}'")
            page.fill("#draft", "typed before the save")
            page.wait_for_timeout(300)  # the input event's round trip

            mark = dev.mark()
            save(watched / "Page.swift", "// edited while a tab is open\n")
            updated = dev.wait_for(r"dev: save → updated page: (\d+\.\d) s", mark, timeout=120)
            page.wait_for_function("document.querySelector('#started-from').textContent === 'restored'", timeout=30_000)
            assert page.text_content("#count") == "2"
            assert page.input_value("#draft") == "typed before the save"
            assert page.evaluate("window.__sameDocument === true"), "the tab reloaded instead of resuming"
            print(updated.group(0))
        finally:
            browser.close()
    assert dev.stop() == 0, dev.output()
