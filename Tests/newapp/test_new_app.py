#!/usr/bin/env python3
"""`scripts/new-app` makes an app that builds without warnings, passes its own tests and serves
its page over a real circuit.

1. The tool's refusals, through the real binary: a name that is not a Swift identifier, a folder
   that is not empty, --tether-url without --tether-version, a --tether-path that is not there.
2. `scripts/new-app HelloTether DIR` into a temporary folder; the app is built with
   `swift build --build-tests` (no warning may come from its files) and tested with its own
   `.ci/run`. Its scratch folder is .build-newapp/ in this checkout, so after the first run only
   the app itself is compiled again.
3. Every module in the app's build is a name `tether new` refuses: a new dependency of Tether
   cannot make an app whose name clashes with it.
4. The app is started on a free port; GET / has the counter prerendered at 0 inside the layout;
   one click over the circuit's WebSocket (Tests/support/tether_client.py) renders 1; SIGTERM to
   its pid stops it.

    python3 Tests/newapp/test_new_app.py
"""
import asyncio
import functools
import os
import pathlib
import re
import signal
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRATCH = ROOT / ".build-newapp"
LOGS = SCRATCH / "logs"
APP = "HelloTether"
sys.path.insert(0, str(ROOT / "Tests" / "support"))

failures = []
timings = []


def check(condition, message):
    print(("  ok    " if condition else "  FAIL  ") + message, flush=True)
    if not condition:
        failures.append(message)
    return condition


def run(command, cwd, timeout, log_name):
    """Runs a command and times it; its whole output goes to .build-newapp/logs/, its end is echoed."""
    print(f"\n$ {' '.join(str(part) for part in command)}", flush=True)
    start = time.monotonic()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    seconds = time.monotonic() - start
    output = result.stdout + result.stderr
    LOGS.mkdir(parents=True, exist_ok=True)
    (LOGS / log_name).write_text(output)
    print(output[-4000:], end="" if output.endswith("\n") else "\n", flush=True)
    print(f"(all of it in {LOGS / log_name})", flush=True)
    return result, output, seconds


def tool(*arguments, cwd):
    """The built `tether` itself, for the refusals: exit code and stderr."""
    result = subprocess.run([str(tether_binary()), *arguments], cwd=cwd, capture_output=True, text=True, timeout=60)
    return result.returncode, result.stderr


@functools.cache
def tether_binary():
    bin_path = subprocess.run(["swift", "build", "--show-bin-path"], cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()
    return pathlib.Path(bin_path) / "tether"


def check_refusals(scratch):
    print("\n== refusals", flush=True)
    code, err = tool("new", "my-app", "--output", str(scratch / "refused"), cwd=scratch)
    check(code == 64 and "Error: 'my-app' has '-' at position 3; an app name has only letters" in err,
          f"a name with '-' is refused with exit 64 and its position (got {code}: {err.strip()[:200]})")
    full = scratch / "full"
    full.mkdir()
    (full / "notes.txt").write_text("mine")
    code, err = tool("new", "Shop", "--output", str(full), cwd=scratch)
    check(code == 1 and f"Error: {full} is not empty (it holds 'notes.txt')" in err and sorted(os.listdir(full)) == ["notes.txt"],
          f"a folder that is not empty is refused and left alone (got {code}: {err.strip()[:200]})")
    code, err = tool("new", "Shop", "--tether-url", "https://github.com/o/tether.git", cwd=scratch)
    check(code == 64 and "--tether-url needs --tether-version" in err,
          f"--tether-url without --tether-version is refused (got {code}: {err.strip()[:200]})")
    code, err = tool("new", "Shop", "--tether-path", str(scratch / "nowhere"), cwd=scratch)
    check(code == 64 and f"Error: there is no folder at {scratch / 'nowhere'} to take Tether from" in err,
          f"a --tether-path that is not there is refused (got {code}: {err.strip()[:200]})")
    check(not (scratch / "refused").exists() and not (scratch / "Shop").exists(), "nothing was written for a refusal")


def modules_of_build():
    """Every module of the app's build plan, used or not (SwiftPM refuses a clash with any of them),
    and the plugins it compiled: the `.module` targets of .build-newapp/debug.yaml."""
    plan = (SCRATCH / "debug.yaml").read_text()
    names = set(re.findall(r'^  "([A-Za-z0-9_]+)-[^"]*-debug(?:-tool)?\.module"', plan, re.M))
    plugins = SCRATCH / "plugins" / "cache"
    if plugins.is_dir():
        names.update(entry.name for entry in plugins.iterdir() if re.fullmatch(r"[A-Za-z]\w*", entry.name))
    return sorted(name for name in names if name not in (APP, APP + "Tests", APP + "PackageTests", APP + "PackageDiscoveredTests"))


def check_every_module_is_refused(scratch):
    print("\n== every module of the app's build is a refused name", flush=True)
    modules = modules_of_build()
    check(len(modules) > 20, f"the app's build plan has its dependencies' modules ({len(modules)} found)")
    unrefused = []
    for module in modules:
        code, err = tool("new", module, "--output", str(scratch / "clash" / module), cwd=scratch)
        refused_as_module = "a module every Tether app already has" in err
        # A name that does not start with a letter is refused for that, before any module is looked up.
        if code != 64 or not (refused_as_module or not module[0].isalpha()):
            unrefused.append(module)
    check(not unrefused, "tether new refuses every module name of the app's build"
          + (f"; add these to AppName.takenModules: {unrefused}" if unrefused else ""))


async def click_once(port):
    from tether_client import Circuit, fetch_page  # needs `websockets`

    page = await fetch_page("127.0.0.1", port, "/")
    handler = page.handler("click", id="increment")
    if not check(handler is not None, "the prerendered button has a click handler"):
        return
    circuit = await Circuit("127.0.0.1", port).open()
    try:
        check(await circuit.start(page), "a circuit starts from the page's descriptor")
        check(await circuit.click(handler), "a click renders a batch")
        check(circuit.count_text == "1", f"the click rendered the count 1 (got {circuit.count_text!r}, errors {circuit.errors})")
    finally:
        await circuit.close()


def serve_and_click(binary, app_dir):
    print("\n== serve", flush=True)
    from tether_client import free_port, http_get

    port = free_port()
    LOGS.mkdir(parents=True, exist_ok=True)
    log = open(LOGS / "server.log", "w")
    server = subprocess.Popen([str(binary)], cwd=app_dir, env={**os.environ, "PORT": str(port)},
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        page = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and server.poll() is None:
            try:
                page = http_get("127.0.0.1", port, "/", timeout=5)
                break
            except OSError:
                time.sleep(0.2)
        if not check(page is not None and page.status == 200, f"GET / answers 200 on port {port}"):
            return
        html = page.body.decode("utf-8", "replace")
        check(f"<title>{APP}</title>" in html, "the page's title is the app's name")
        check(re.search(r'<header><a href="/">' + APP + r"</a></header>\s*<main>", html) is not None, "the layout's header frames the page")
        check(re.search(r'<span id="count">0</span>', html) is not None, "the counter is prerendered at 0")
        asyncio.run(click_once(port))
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            code = server.wait(timeout=20)
            check(code == 0, f"SIGTERM stops the app by its pid {server.pid} (exit {code})")
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
            check(False, f"the app {server.pid} did not stop within 20 s of SIGTERM; killed")
        log.close()
        if failures:
            print("server log:\n" + (LOGS / "server.log").read_text()[-3000:])


def main():
    try:
        import websockets  # noqa: F401  (tether_client's WebSocket)
    except ImportError:
        print("new app: the click needs the Python package websockets (pip install websockets)", file=sys.stderr)
        return 1
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="tether-new-app-") as temporary:
        scratch = pathlib.Path(temporary)
        app_dir = scratch / "apps" / APP

        result, _, seconds = run([str(ROOT / "scripts" / "new-app"), APP, str(app_dir)], cwd=scratch, timeout=1800, log_name="new-app.log")
        timings.append(("scripts/new-app (builds the tool)", seconds))
        if not check(result.returncode == 0, "scripts/new-app made the app"):
            return report(started)
        check_refusals(scratch)

        result, output, seconds = run(["swift", "build", "--build-tests", "--scratch-path", str(SCRATCH)], cwd=app_dir, timeout=3600, log_name="build.log")
        timings.append(("swift build --build-tests (the app)", seconds))
        if not check(result.returncode == 0, "the app builds with its tests"):
            return report(started)
        own_warnings = [line for line in output.splitlines() if "warning:" in line and str(app_dir) in line]
        check(not own_warnings, "no warning from the app's own files" + "".join("\n        " + w for w in own_warnings))

        result, output, seconds = run([str(app_dir / ".ci" / "run"), "--scratch-path", str(SCRATCH)], cwd=scratch, timeout=1800, log_name="ci-run.log")
        timings.append(("the app's .ci/run (swift test)", seconds))
        check(result.returncode == 0 and re.search(r"Test run with 2 tests .*passed", output) is not None,
              "the app's .ci/run passes its two tests")

        debug = SCRATCH / "debug"
        check_every_module_is_refused(scratch)
        serve_and_click(debug / APP, app_dir)
    return report(started)


def report(started):
    print("\n== timings")
    for name, seconds in timings:
        print(f"  {name:45} {seconds:7.1f} s")
    print(f"  {'total':45} {time.monotonic() - started:7.1f} s")
    if failures:
        print(f"\nnew app: {len(failures)} check(s) failed", file=sys.stderr)
        return 1
    print("\nnew app: every check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
