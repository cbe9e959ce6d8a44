"""Fixtures and gates for Tether's tier-3 browser tests.

Fixtures
* ``demo_server`` (session): the built ``tether-demo`` binary on a free port (env ``PORT``), a
  ``DemoServer``; it answers HTTP before the first test and is stopped with SIGTERM at the end.
  Its stdout/stderr go to ``.artifacts/server.log``. ``server`` is its base URL
  (``http://127.0.0.1:<port>``), ``server_pid`` its process id.
* ``browser`` (session): Playwright (sync API) driving Debian's chromium, headless.
* ``page`` (function): a page in a fresh browser context.
* ``new_page`` (function): ``new_page(**context_options)`` opens another page, in a fresh context
  of its own, for tests that need a second browser.
* ``wait_ready(page)``: awaits ``window.Tether.ready``; ``wait_until(page, predicate)`` polls a
  Python-side condition (frames seen by a recorder, say) while Playwright delivers its events.

Gates, applied to every test
1. Browser. Every context opened during a test is watched: the ``page`` and ``new_page``
   fixtures', and any a test opens with ``browser.new_context()`` or ``browser.new_page()``
   (the ``browser`` fixture routes those through the gate). The test fails if a page threw an
   uncaught error, crashed, or logged a ``console.error`` that is neither in
   ``ALLOWED_CONSOLE_ERRORS`` nor declared by the test with
   ``@pytest.mark.expect_console_error(r"regex", ...)`` (``re.search`` on the message text; a
   declaration allows such errors, it does not require them).
2. Servers. After every test, each ``DemoServer`` that was started and not stopped on purpose
   (the session's, and any a test or fixture started) must still run and answer HTTP; if not,
   the test fails with the exit status or signal and the end of the server's log, and later
   tests that need the session server fail at once. ``DemoServer.stop()`` (SIGTERM) requires a
   clean exit, status 0: for the session server that check runs at the end of the run, and a
   crash there is reported as an error at the teardown of the last test.
3. Artifacts. For a failed test, ``.artifacts/<test id>/`` receives ``browser.log`` (console
   messages, page errors, sockets), a screenshot and the HTML of each open page, and a copy of
   the log of every demo server that ran during the test.

Environment overrides, for developers:
  TETHER_DEMO_BIN       path of the demo binary (default: `swift build --show-bin-path`/tether-demo)
  TETHER_E2E_BASE_URL   use an already running server instead of starting one (only HTTP
                        liveness is checked then, and tests that need its pid fail)
  TETHER_E2E_ARTIFACTS  where artifacts go (default Tests/e2e/.artifacts)
  TETHER_CHROMIUM       chromium executable (default /usr/bin/chromium)
  TETHER_E2E_HEADED=1   show the browser window
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import traceback
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable, Iterator, Optional

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, WebError, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

E2E_DIR = Path(__file__).resolve().parent
REPO_ROOT = E2E_DIR.parent.parent
ARTIFACTS = Path(os.environ.get("TETHER_E2E_ARTIFACTS") or E2E_DIR / ".artifacts").resolve()

# Generous, but bounded: a test must fail (not hang) when behaviour is wrong.
TIMEOUT_MS = 10_000
SERVER_START_TIMEOUT_S = 60.0
# After each test the servers must answer a request within this time...
LIVENESS_TIMEOUT_S = 10.0
# ...and one that does not is given this long to exit: a Swift process that traps prints a
# backtrace (about 2 s on this machine) before it exits.
CRASH_EXIT_WAIT_S = 30.0

# console.error messages the demo logs on every page on purpose. Keep this list tiny: anything
# a single test provokes is declared by that test with @pytest.mark.expect_console_error.
ALLOWED_CONSOLE_ERRORS = (
    # The demo ships /broken.lib.module.js, an initializer whose beforeStart throws, to show that
    # a failing initializer is reported and does not stop the app (README, "JS initializers");
    # the runtime reports it with console.error on every page that starts a circuit.
    re.compile(
        r"^\[tether\] the initializer /broken\.lib\.module\.js failed in beforeStart "
        r"Error: this initializer fails on purpose"
    ),
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "expect_console_error(*patterns): console.error messages this test provokes on purpose "
        "(regular expressions, re.search); any other console.error fails the test",
    )


def pytest_sessionstart(session: pytest.Session) -> None:
    """Drop the artifacts of earlier runs, so .artifacts/ describes this run only."""
    if not ARTIFACTS.is_dir():
        return
    for entry in ARTIFACTS.iterdir():
        if entry.name.startswith("."):
            continue  # pytest's cache
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        elif entry.suffix in (".png", ".html", ".log"):
            entry.unlink(missing_ok=True)


# --------------------------------------------------------------------------- servers


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@functools.cache
def demo_binary() -> Path:
    override = os.environ.get("TETHER_DEMO_BIN")
    if override:
        path = Path(override)
    else:
        try:
            out = subprocess.run(
                ["swift", "build", "--show-bin-path"],
                cwd=REPO_ROOT, check=True, capture_output=True, text=True, timeout=300,
            ).stdout
        except (OSError, subprocess.SubprocessError) as e:
            pytest.fail(f"`swift build --show-bin-path` failed: {e}", pytrace=False)
        path = Path(out.strip().splitlines()[-1]) / "tether-demo"
    if not os.access(path, os.X_OK):
        pytest.fail(
            f"demo binary not found at {path}; build it first: swift build --product tether-demo",
            pytrace=False,
        )
    return path


def _answers(url: str, timeout: float = 2.0) -> bool:
    """True once the server gives any HTTP response for url (even an error status)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            resp.read()
        return True
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, OSError):
        return False


def describe_status(status: int) -> str:
    """A Popen returncode in words: 'exit status 3' or 'killed by signal 4 (SIGILL)'."""
    if status < 0:
        try:
            name = signal.Signals(-status).name
        except ValueError:
            name = "?"
        return f"killed by signal {-status} ({name})"
    return f"exit status {status}"


def _log_excerpt(path: Path, offset: int = 0, lines: int = 30) -> str:
    """What a server printed since `offset`: for a Swift crash report, the lines that name the
    crash and the crashed thread's first frames; otherwise the last lines of the log."""
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            text = f.read().decode(errors="replace")
    except OSError:
        return f"(no log at {path})"
    all_lines = text.splitlines()
    key = [l for l in all_lines if re.search(r"Fatal error|Program crashed|💣", l)][:5]
    crashed = next((i for i, l in enumerate(all_lines) if re.match(r"Thread \d+ .*crashed:$", l.rstrip())), None)
    if key or crashed is not None:
        frames = all_lines[crashed:crashed + 10] if crashed is not None else []
        return "\n".join([*key, *frames, "(the whole report is in the log)"])
    return "\n".join(all_lines[-lines:]) or "(empty log)"


# The circuit stores of this run's servers.
STORES = Path(tempfile.mkdtemp(prefix="tether-e2e-stores-"))

# Servers that were started and not stopped on purpose; the gate checks each after every test.
_RUNNING: list["DemoServer"] = []


class DemoServer:
    """The tether-demo binary on a free port of its own, stopped by its pid.

    Its stdout/stderr go to ``log_path`` (``.artifacts/server-<name>.log`` unless given), appended
    to unless ``fresh_log``. From ``start()`` until ``stop()``/``kill()`` the harness checks after
    every test that it is still alive.

    Each server saves circuits to a SQLite file of its own, ``store_path`` (env ``TETHER_STORE``
    unless ``env`` names one), which outlives a stop or a kill: ``start()`` again and the pages it
    served resume there, as after a restart.
    """

    def __init__(self, name: str, env: dict[str, str], log_path: Path | None = None, fresh_log: bool = False):
        self.name = name
        self.port = _free_port()
        self.store_path = STORES / f"{name}-{self.port}.sqlite"
        self.env = {"TETHER_STORE": str(self.store_path), **env}
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path or ARTIFACTS / f"server-{name}.log"
        self.fresh_log = fresh_log
        self.proc: subprocess.Popen | None = None
        self.log_offset = 0
        self.stopped = False       # stopped or killed on purpose
        self.died_in: str | None = None  # the test after which it was found dead

    def __repr__(self) -> str:
        pid = self.proc.pid if self.proc else None
        return f"tether-demo {self.name!r} (pid {pid}, {self.url})"

    def __enter__(self) -> "DemoServer":
        """``with DemoServer(...) as demo:`` starts it, and stops it however the block ends."""
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> "DemoServer":
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, PORT=str(self.port), **self.env)
        binary = demo_binary()
        with open(self.log_path, "wb" if self.fresh_log else "ab") as log:
            self.log_offset = log.tell()
            self.proc = subprocess.Popen(
                [str(binary)], cwd=REPO_ROOT, env=env,
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            )
        self.stopped = False
        self.died_in = None
        _RUNNING.append(self)
        if _GATE is not None:
            _GATE.servers.append(self)
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while not _answers(self.url + "/counter"):
            if self.proc.poll() is not None:
                self._forget()
                pytest.fail(
                    f"{self!r} {describe_status(self.proc.returncode)} before answering; "
                    f"log {self.log_path}:\n{_log_excerpt(self.log_path, self.log_offset)}",
                    pytrace=False,
                )
            if time.monotonic() > deadline:
                self.kill()
                pytest.fail(
                    f"{self!r} did not answer within {SERVER_START_TIMEOUT_S:.0f} s; "
                    f"log {self.log_path}:\n{_log_excerpt(self.log_path, self.log_offset)}",
                    pytrace=False,
                )
            time.sleep(0.1)  # polling for the port to answer, bounded by the deadline above
        return self

    def _forget(self) -> None:
        self.stopped = True
        if self in _RUNNING:
            _RUNNING.remove(self)

    def problem(self) -> Optional[str]:
        """None while the server runs and answers HTTP; otherwise what happened to it."""
        if self.proc is None or self.stopped:
            return None
        status = self.proc.poll()
        if status is None:
            if _answers(self.url + "/_tether/initializers", timeout=LIVENESS_TIMEOUT_S):
                return None
            try:
                status = self.proc.wait(timeout=CRASH_EXIT_WAIT_S)
            except subprocess.TimeoutExpired:
                return (
                    f"{self!r} is running but did not answer HTTP within {LIVENESS_TIMEOUT_S:.0f} s; "
                    f"from its log {self.log_path}:\n{_log_excerpt(self.log_path, self.log_offset)}"
                )
        return (
            f"{self!r} died: {describe_status(status)}; "
            f"from its log {self.log_path}:\n{_log_excerpt(self.log_path, self.log_offset)}"
        )

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15, check: bool | None = None) -> Optional[int]:
        """Stops this process (only this one, by its pid), waits for it to exit and returns its
        status. With ``check`` (the default for SIGTERM) anything but a clean exit (status 0)
        fails the caller, including a process that had already died on its own."""
        check = sig == signal.SIGTERM if check is None else check
        proc = self.proc
        if proc is None or self.stopped:
            return proc.returncode if proc else None
        already = proc.poll()
        self._forget()
        if already is not None:
            if check and self.died_in is None:
                pytest.fail(
                    f"{self!r} had already died ({describe_status(already)}) when it was to be stopped; "
                    f"from its log {self.log_path}:\n{_log_excerpt(self.log_path, self.log_offset)}",
                    pytrace=False,
                )
            return already
        os.kill(proc.pid, sig)
        try:
            status = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
            if check:
                pytest.fail(f"{self!r} did not exit within {timeout:.0f} s of {signal.Signals(sig).name}; killed it",
                            pytrace=False)
            return proc.returncode
        if check and status != 0:
            pytest.fail(
                f"{self!r} did not exit cleanly on {signal.Signals(sig).name}: {describe_status(status)}; "
                f"from its log {self.log_path}:\n{_log_excerpt(self.log_path, self.log_offset)}",
                pytrace=False,
            )
        return status

    def kill(self) -> None:
        """The server dies at once, as in a crash: sockets drop with no goodbye."""
        self.stop(signal.SIGKILL)


class ExternalServer:
    """A server the harness did not start (TETHER_E2E_BASE_URL): only HTTP liveness is known."""

    name = "external"
    proc = None
    stopped = False
    died_in: str | None = None
    log_path = None

    def __init__(self, url: str):
        self.url = url

    def __repr__(self) -> str:
        return f"the server at {self.url} (TETHER_E2E_BASE_URL)"

    def problem(self) -> Optional[str]:
        if _answers(self.url + "/_tether/initializers", timeout=LIVENESS_TIMEOUT_S):
            return None
        return f"{self!r} did not answer HTTP within {LIVENESS_TIMEOUT_S:.0f} s"


_SESSION_SERVER: DemoServer | ExternalServer | None = None


@pytest.fixture(scope="session")
def demo_server() -> Iterator[DemoServer | ExternalServer]:
    global _SESSION_SERVER
    external = os.environ.get("TETHER_E2E_BASE_URL")
    if external:
        _SESSION_SERVER = ExternalServer(external.rstrip("/"))
        _RUNNING.append(_SESSION_SERVER)  # type: ignore[arg-type]
        yield _SESSION_SERVER
        return
    demo = DemoServer("main", {}, log_path=ARTIFACTS / "server.log", fresh_log=True)
    _SESSION_SERVER = demo
    demo.start()
    yield demo
    # SIGTERM, and a clean exit is required: a crash at the very end fails the run too (as an
    # error at the teardown of the last test). A death a test was already failed for is not
    # reported twice.
    demo.stop()


@pytest.fixture(scope="session")
def server(demo_server) -> str:
    return demo_server.url


@pytest.fixture(scope="session")
def server_pid(demo_server) -> int:
    if demo_server.proc is None:
        pytest.fail(f"this test needs the pid of the demo server, which {demo_server!r} does not give; "
                    "run without TETHER_E2E_BASE_URL", pytrace=False)
    return demo_server.proc.pid


# --------------------------------------------------------------------------- browser gate


def _matches_any(patterns, text: str) -> bool:
    return any(p.search(text) for p in patterns)


class BrowserGate:
    """Collects what the pages of one test logged, and which of it is a problem."""

    def __init__(self, item: pytest.Item):
        self.item = item
        self.expected = [re.compile(p) for mark in item.iter_markers("expect_console_error") for p in mark.args]
        self.log: list[str] = []
        self.problems: list[str] = []
        self.reported = 0
        self.contexts: list[BrowserContext] = []
        self.pages: list[Page] = []
        self.servers: list[DemoServer | ExternalServer] = list(_RUNNING)
        self.started = time.monotonic()

    def note(self, text: str) -> None:
        """A line of browser.log, stamped with the seconds since the test started."""
        self.log.append(f"{time.monotonic() - self.started:7.3f}s {text}")

    def label(self, page: Optional[Page]) -> str:
        for i, p in enumerate(self.pages):
            if p is page:
                return f"page {i + 1}"
        return "a worker" if page is None else "a page"

    def watch(self, context: BrowserContext) -> BrowserContext:
        if any(c is context for c in self.contexts):
            return context
        self.contexts.append(context)
        context.set_default_timeout(TIMEOUT_MS)
        context.on("page", self._on_page)
        context.on("console", self._on_console)
        context.on("weberror", self._on_weberror)
        for p in context.pages:
            self._on_page(p)
        return context

    def _on_page(self, page: Page) -> None:
        if any(p is page for p in self.pages):
            return
        self.pages.append(page)
        label = self.label(page)
        page.on("crash", lambda _: self._problem(f"{label} crashed ({page.url})"))
        page.on(
            "websocket",
            lambda ws: (
                self.note(f"{label}: websocket open: {ws.url}"),
                ws.on("close", lambda _: self.note(f"{label}: websocket closed: {ws.url}")),
            ),
        )

    def _on_console(self, message: ConsoleMessage) -> None:
        label = self.label(message.page)
        loc = message.location or {}
        where = f"{loc.get('url', '?')}:{loc.get('lineNumber', '?')}"
        self.note(f"{label}: console.{message.type} ({where}): {message.text}")
        if message.type != "error":
            return
        if _matches_any(ALLOWED_CONSOLE_ERRORS, message.text) or _matches_any(self.expected, message.text):
            return
        self._problem(f"unexpected console.error in {label} ({where}): {message.text}")

    def _on_weberror(self, error: WebError) -> None:
        label = self.label(error.page)
        url = error.page.url if error.page else "?"
        e = error.error
        self.note(f"{label}: uncaught error: {e.stack or e.message}")
        self._problem(f"uncaught error in {label} ({url}): {e.message}")

    def _problem(self, text: str) -> None:
        self.note("PROBLEM: " + text)
        self.problems.append(text)

    def open_pages(self) -> list[Page]:
        return [p for p in self.pages if not p.is_closed()]

    def flush(self) -> None:
        """Lets Playwright deliver the events the pages sent before now: one round trip each."""
        for p in self.open_pages():
            try:
                p.wait_for_function("() => true", timeout=2_000)
            except Exception:
                pass  # closed, navigating or hung: whatever arrived is what there is

    def new_problems(self, flush: bool = True) -> list[str]:
        if flush:
            self.flush()
        fresh = self.problems[self.reported:]
        self.reported = len(self.problems)
        return fresh

    def close_contexts(self) -> None:
        for context in self.contexts:
            try:
                context.close()
            except Exception:
                pass


_GATE: BrowserGate | None = None


def _route_contexts_through_the_gate(b: Browser) -> None:
    """Every context a test opens, however it opens it, is watched by that test's gate."""
    new_context, new_page = b.new_context, b.new_page

    def gated_new_context(*args, **kwargs) -> BrowserContext:
        context = new_context(*args, **kwargs)
        if _GATE is not None:
            _GATE.watch(context)
        else:
            context.set_default_timeout(TIMEOUT_MS)
        return context

    def gated_new_page(*args, **kwargs) -> Page:
        pg = new_page(*args, **kwargs)
        if _GATE is not None:
            _GATE.watch(pg.context)
        return pg

    b.new_context = gated_new_context  # type: ignore[method-assign]
    b.new_page = gated_new_page  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _tether_gate(request: pytest.FixtureRequest) -> Iterator[BrowserGate]:
    global _GATE
    item = request.node
    uses_session_server = {"server", "demo_server", "server_pid"} & set(item.fixturenames)
    if uses_session_server and _SESSION_SERVER is not None and _SESSION_SERVER.died_in:
        pytest.fail(f"{_SESSION_SERVER!r} died during {_SESSION_SERVER.died_in}; not running this test against it",
                    pytrace=False)
    gate = BrowserGate(item)
    item._tether_gate = gate
    _GATE = gate
    try:
        yield gate
    finally:
        _GATE = None
        gate.close_contexts()
    late = gate.new_problems(flush=False)
    if late:
        pytest.fail("the harness found, after the test had ended:\n" + "\n".join(f"- {p}" for p in late), pytrace=False)


def _problems_after(item: pytest.Item) -> list[str]:
    problems: list[str] = []
    gate: BrowserGate | None = getattr(item, "_tether_gate", None)
    if gate is not None:
        problems += gate.new_problems()
    for srv in list(_RUNNING):
        why = srv.problem()
        if why:
            srv.died_in = item.nodeid
            if srv in _RUNNING:
                _RUNNING.remove(srv)
            problems.append(why)
    return problems


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """The gates: after the test body, browser errors and dead servers fail the test."""
    try:
        result = yield
    except (KeyboardInterrupt, SystemExit, pytest.exit.Exception):
        raise
    except BaseException as exc:  # a failure, an error, or a skip: the gates still apply
        problems = _problems_after(item)
        if not problems:
            raise
        item._tether_original_failure = "".join(traceback.format_exception(exc))
        raise pytest.fail.Exception(
            _gate_message(problems) + "\n\nThe test itself failed too (traceback in the report section "
            "'test failure'):\n" + "".join(traceback.format_exception_only(exc)).strip(),
            pytrace=False,
        ) from exc
    problems = _problems_after(item)
    if problems:
        raise pytest.fail.Exception(_gate_message(problems), pytrace=False)
    return result


def _gate_message(problems: list[str]) -> str:
    return "the harness failed this test:\n" + "\n".join(f"- {p}" for p in problems)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = os.environ.get("TETHER_CHROMIUM", "/usr/bin/chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=executable,
            headless=os.environ.get("TETHER_E2E_HEADED") != "1",
            args=["--no-sandbox"],
        )
        _route_contexts_through_the_gate(b)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: Browser, _tether_gate: BrowserGate) -> Page:
    """A page in a fresh context; the gate closes the context after the test."""
    return browser.new_context().new_page()


@pytest.fixture
def new_page(browser: Browser, _tether_gate: BrowserGate) -> Callable[..., Page]:
    """Opens another page in a fresh context of its own (closed after the test)."""

    def open_page(**context_options) -> Page:
        return browser.new_context(**context_options).new_page()

    return open_page


# --------------------------------------------------------------------------- artifacts


def _artifact_dir(item: pytest.Item) -> Path:
    return ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid).strip("_")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if not report.failed:
        return report
    original = getattr(item, "_tether_original_failure", None)
    if original and report.when == "call":
        report.sections.append(("test failure", original))
    gate: BrowserGate | None = getattr(item, "_tether_gate", None)
    where = _artifact_dir(item)
    saved: list[str] = []
    try:
        where.mkdir(parents=True, exist_ok=True)
        if gate is not None and gate.contexts:
            report.sections.append(("browser console and page errors", "\n".join(gate.log) or "(none)"))
            (where / "browser.log").write_text("\n".join(gate.log) + "\n")
            saved.append("browser.log")
            for i, pg in enumerate(gate.open_pages()):
                try:
                    pg.screenshot(path=str(where / f"page-{i + 1}.png"), timeout=5_000)
                    (where / f"page-{i + 1}.html").write_text(pg.content())
                    saved.append(f"page-{i + 1}.png/.html")
                except Exception as e:  # never mask the real failure
                    saved.append(f"(page {i + 1} not captured: {e})")
        servers = list(gate.servers) if gate is not None else []
        if _SESSION_SERVER is not None and _SESSION_SERVER not in servers:
            servers.append(_SESSION_SERVER)
        for srv in servers:
            if srv.log_path is not None and Path(srv.log_path).is_file():
                shutil.copyfile(srv.log_path, where / Path(srv.log_path).name)
                saved.append(Path(srv.log_path).name)
    except Exception as e:  # never mask the real failure
        saved.append(f"(artifacts incomplete: {e})")
    report.sections.append(("artifacts", f"{where}: {', '.join(saved) or 'nothing'}"))
    return report


# --------------------------------------------------------------------------- helpers


def wait_ready(page: Page, timeout_ms: int = TIMEOUT_MS) -> None:
    """Wait until window.Tether.ready resolved: circuit connected, first render applied."""
    # `!!`: wait_for_function would otherwise await the Promise itself, with an opaque timeout.
    try:
        page.wait_for_function("() => !!(window.Tether && window.Tether.ready)", timeout=timeout_ms)
    except PlaywrightTimeoutError:
        raise AssertionError(f"window.Tether.ready was not defined within {timeout_ms} ms") from None
    # page.evaluate has no timeout of its own, so race the promise against one.
    ok = page.evaluate(
        """(ms) => Promise.race([
               window.Tether.ready.then(() => true),
               new Promise((_, reject) => setTimeout(
                   () => reject(new Error(`window.Tether.ready did not resolve within ${ms} ms`)), ms)),
           ])""",
        timeout_ms,
    )
    assert ok is True


def wait_until(page: Page, predicate: Callable[[], bool], what: str, timeout_ms: int = TIMEOUT_MS) -> None:
    """Polls a Python-side condition until it holds, failing with `what` after timeout_ms. It
    polls through Playwright (not time.sleep), so page events, websocket frames among them,
    keep being delivered to their listeners meanwhile."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout_ms} ms")
        page.wait_for_timeout(25)


def mark_on_parse(page: Page, selector: str, prop: str = "__tetherMarker") -> None:
    """Before navigating: tag the first element matching selector with an expando the moment
    the HTML parser inserts it, i.e. before any runtime script or circuit message can touch
    the DOM. Also records in window.__tetherMarkedBeforeReady whether Tether.ready had
    already resolved at that time (it must not have)."""
    page.add_init_script(
        script=f"""(() => {{
            const selector = {selector!r}, prop = {prop!r};
            window.__tetherMarkedBeforeReady = window.__tetherMarkedBeforeReady || {{}};
            const tag = () => {{
                const el = document.querySelector(selector);
                if (!el) return false;
                el[prop] = 1;
                const t = window.Tether;
                window.__tetherMarkedBeforeReady[selector] = !(t && t.__readySeen);
                return true;
            }};
            const observer = new MutationObserver(() => {{ if (tag()) observer.disconnect(); }});
            observer.observe(document, {{ childList: true, subtree: true }});
            // Note when ready resolves, to prove the tag happened before it.
            const poll = setInterval(() => {{
                const t = window.Tether;
                if (t && t.ready && typeof t.ready.then === 'function') {{
                    clearInterval(poll);
                    t.ready.then(() => {{ t.__readySeen = true; }});
                }}
            }}, 0);
        }})();"""
    )


def has_marker(page: Page, selector: str, prop: str = "__tetherMarker") -> bool:
    return page.evaluate(
        "([s, p]) => { const el = document.querySelector(s); return !!el && el[p] === 1; }",
        [selector, prop],
    )


def marked_before_ready(page: Page, selector: str) -> bool:
    return page.evaluate(
        "(s) => !!(window.__tetherMarkedBeforeReady && window.__tetherMarkedBeforeReady[s])",
        selector,
    )


def fetch_html(url: str) -> str:
    """The server-rendered HTML, with no JavaScript involved."""
    with urllib.request.urlopen(url, timeout=TIMEOUT_MS / 1000) as resp:
        assert resp.status == 200, f"GET {url} -> {resp.status}"
        return resp.read().decode(resp.headers.get_content_charset() or "utf-8")
