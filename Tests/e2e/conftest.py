"""Fixtures for Tether's tier-3 browser tests.

* ``server`` (session): starts the built ``tether-demo`` binary on a free port (env ``PORT``),
  waits until it answers HTTP, yields its base URL (``http://127.0.0.1:<port>``) and stops it
  at the end. Its stdout/stderr go to ``Tests/e2e/.artifacts/server.log``.
* ``browser`` (session): Playwright (sync API) driving Debian's chromium, headless.
* ``page`` (function): a fresh browser context + page per test; console messages and page
  errors are collected and attached to the report of a failing test, together with a
  screenshot and the page's HTML in ``.artifacts/``.
* ``wait_ready(page)``: awaits ``window.Tether.ready``.

Environment overrides, for developers:
  TETHER_DEMO_BIN       path of the demo binary (default: `swift build --show-bin-path`/tether-demo)
  TETHER_E2E_BASE_URL   use an already running server instead of starting one
  TETHER_CHROMIUM       chromium executable (default /usr/bin/chromium)
  TETHER_E2E_HEADED=1   show the browser window
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

E2E_DIR = Path(__file__).resolve().parent
REPO_ROOT = E2E_DIR.parent.parent
ARTIFACTS = E2E_DIR / ".artifacts"

# Generous, but bounded: a test must fail (not hang) when behaviour is wrong.
TIMEOUT_MS = 10_000
SERVER_START_TIMEOUT_S = 60.0


def pytest_sessionstart(session: pytest.Session) -> None:
    """Drop failure screenshots/HTML of earlier runs so .artifacts/ describes this run only."""
    if ARTIFACTS.is_dir():
        for stale in [*ARTIFACTS.glob("*.png"), *ARTIFACTS.glob("*.html")]:
            stale.unlink(missing_ok=True)


# --------------------------------------------------------------------------- server


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _demo_binary() -> Path:
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


def _answers(url: str) -> bool:
    """True once the server gives any HTTP response for url (even an error status)."""
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            resp.read()
        return True
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, OSError):
        return False


def _log_tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


class DemoServer:
    """The tether-demo binary on a free port of its own, stopped by its pid.

    Its stdout/stderr go to ``log_path`` (``.artifacts/server-<name>.log`` unless given), appended
    to unless ``fresh_log``.
    """

    def __init__(self, name: str, env: dict[str, str], log_path: Path | None = None, fresh_log: bool = False):
        self.name = name
        self.env = env
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path or ARTIFACTS / f"server-{name}.log"
        self.fresh_log = fresh_log
        self.proc: subprocess.Popen | None = None

    def start(self) -> "DemoServer":
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, PORT=str(self.port), **self.env)
        with open(self.log_path, "wb" if self.fresh_log else "ab") as log:
            self.proc = subprocess.Popen(
                [str(_demo_binary())], cwd=REPO_ROOT, env=env,
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while not _answers(self.url + "/counter"):
            if self.proc.poll() is not None:
                pytest.fail(
                    f"{self.name}: tether-demo exited with {self.proc.returncode} before answering on {self.url}; "
                    f"log {self.log_path}:\n{_log_tail(self.log_path)}",
                    pytrace=False,
                )
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail(
                    f"{self.name}: tether-demo did not answer on {self.url} within {SERVER_START_TIMEOUT_S:.0f} s; "
                    f"log {self.log_path}:\n{_log_tail(self.log_path)}",
                    pytrace=False,
                )
            time.sleep(0.1)
        return self

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
        """Stops this process (only this one, by its pid) and waits for it to exit."""
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        os.kill(proc.pid, sig)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

    def kill(self) -> None:
        """The server dies at once, as in a crash: sockets drop with no goodbye."""
        self.stop(signal.SIGKILL)


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    external = os.environ.get("TETHER_E2E_BASE_URL")
    if external:
        yield external.rstrip("/")
        return
    demo = DemoServer("main", {}, log_path=ARTIFACTS / "server.log", fresh_log=True).start()
    try:
        yield demo.url
    finally:
        demo.stop()


# --------------------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = os.environ.get("TETHER_CHROMIUM", "/usr/bin/chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=executable,
            headless=os.environ.get("TETHER_E2E_HEADED") != "1",
            args=["--no-sandbox"],
        )
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    pg = context.new_page()
    log: list[str] = []
    pg.on("console", lambda m: log.append(f"console.{m.type}: {m.text}"))
    pg.on("pageerror", lambda e: log.append(f"pageerror: {e}"))
    pg.on("crash", lambda _: log.append("page crashed"))
    pg.on(
        "websocket",
        lambda ws: (
            log.append(f"websocket open: {ws.url}"),
            ws.on("close", lambda _: log.append(f"websocket closed: {ws.url}")),
        ),
    )
    request.node._tether_browser_log = log
    request.node._tether_page = pg
    try:
        yield pg
    finally:
        context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    log = getattr(item, "_tether_browser_log", None)
    if log is not None:
        report.sections.append(("browser console and page errors", "\n".join(log) or "(none)"))
    pg = getattr(item, "_tether_page", None)
    if pg is not None and not pg.is_closed():
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid)
        try:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            pg.screenshot(path=str(ARTIFACTS / f"{stem}.png"), timeout=5_000)
            (ARTIFACTS / f"{stem}.html").write_text(pg.content())
            report.sections.append(
                ("browser artifacts", f"{ARTIFACTS / stem}.png / .html, server log {ARTIFACTS / 'server.log'}")
            )
        except Exception as e:  # never mask the real failure
            report.sections.append(("browser artifacts", f"could not capture: {e}"))


# --------------------------------------------------------------------------- helpers


def wait_ready(page: Page, timeout_ms: int = TIMEOUT_MS) -> None:
    """Wait until window.Tether.ready resolved: circuit connected, first render applied."""
    # `!!`: wait_for_function would otherwise await the Promise itself, with an opaque timeout.
    try:
        page.wait_for_function("!!(window.Tether && window.Tether.ready)", timeout=timeout_ms)
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
