"""Meta-tests: the harness's gates (conftest.py) fail what they are meant to fail.

Each test runs pytest in a subprocess on one file of meta_cases/ (whose case_*.py files the
normal run does not collect), with artifacts in a temporary folder, and reads the inner run's
JUnit XML. They pass only if the inner run FAILED, for the right reasons: a demo server that
traps inside an event handler, a page that throws, an undeclared console.error, a server that
died before the end of the session.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from conftest import E2E_DIR, REPO_ROOT, demo_binary

CASES = E2E_DIR / "meta_cases"
INNER_TIMEOUT_S = 300
# How a trap ends the process: SIGILL on x86-64 (ud2), SIGTRAP on arm64 (brk).
TRAPPED = r"died: killed by signal \d+ \(SIG(ILL|TRAP)\)"


@dataclass
class Outcome:
    status: str  # passed | failed | error (setup/teardown) | skipped
    message: str


@dataclass
class InnerRun:
    returncode: int
    output: str
    outcomes: dict[str, list[Outcome]]
    artifacts: Path

    def of(self, test: str) -> list[Outcome]:
        assert test in self.outcomes, f"{test} did not run; inner output:\n{self.output}"
        return self.outcomes[test]

    def passed(self, test: str) -> bool:
        return [o.status for o in self.of(test)] == ["passed"]

    def failure(self, test: str) -> str:
        """The failure message of a test that failed in its body (the call phase)."""
        failed = [o for o in self.of(test) if o.status == "failed"]
        assert failed, f"{test} did not fail: {self.of(test)}\ninner output:\n{self.output}"
        return failed[0].message

    def error(self, test: str) -> str:
        """The message of a setup or teardown error of a test."""
        errors = [o for o in self.of(test) if o.status == "error"]
        assert errors, f"{test} had no setup or teardown error: {self.of(test)}\ninner output:\n{self.output}"
        return errors[0].message


def run_inner(case: str, tmp_path: Path, **env: str) -> InnerRun:
    report = tmp_path / "report.xml"
    artifacts = tmp_path / "artifacts"
    inner_env = {k: v for k, v in os.environ.items() if k not in ("TETHER_E2E_BASE_URL", "PYTEST_ADDOPTS")}
    inner_env.update(TETHER_E2E_ARTIFACTS=str(artifacts), TETHER_DEMO_BIN=str(demo_binary()), **env)
    proc = subprocess.run(
        [
            sys.executable, "-m", "pytest", str(CASES / case),
            "-p", "no:cacheprovider", "-o", "python_files=case_*.py",
            "-q", "-rA", f"--junitxml={report}",
        ],
        cwd=REPO_ROOT, env=inner_env, capture_output=True, text=True, timeout=INNER_TIMEOUT_S,
    )
    output = proc.stdout + proc.stderr
    assert report.is_file(), f"the inner run wrote no report; its output:\n{output}"
    outcomes: dict[str, list[Outcome]] = {}
    for case_el in ET.parse(report).getroot().iter("testcase"):
        results = outcomes.setdefault(case_el.get("name"), [])
        children = [c for c in case_el if c.tag in ("failure", "error", "skipped")]
        for child in children:
            status = {"failure": "failed", "error": "error", "skipped": "skipped"}[child.tag]
            results.append(Outcome(status, (child.get("message") or "") + "\n" + (child.text or "")))
        if not children:
            results.append(Outcome("passed", ""))
    return InnerRun(proc.returncode, output, outcomes, artifacts)


def artifact_dir(run: InnerRun, test: str) -> Path:
    found = [d for d in run.artifacts.iterdir() if d.is_dir() and d.name.endswith("_" + test)]
    assert len(found) == 1, f"expected one artifact folder for {test} in {run.artifacts}: {sorted(run.artifacts.iterdir())}"
    return found[0]


# --------------------------------------------------------------------------- a server that traps


def test_a_demo_server_that_traps_fails_the_test_that_made_it_trap(tmp_path):
    run = run_inner("case_trap.py", tmp_path, TETHER_TEST_TRAPS="1")
    assert run.returncode == 1, f"the inner run should have failed (exit 1), got {run.returncode}:\n{run.output}"

    # A server the test started itself: named, with how it died and what it printed.
    message = run.failure("test_a_server_the_test_started_traps")
    assert "tether-demo 'meta-trap'" in message, message
    assert re.search(TRAPPED, message), message
    assert "a test asked the server to trap" in message, f"the log excerpt lacks the fatal error:\n{message}"
    saved = artifact_dir(run, "test_a_server_the_test_started_traps")
    assert "a test asked the server to trap" in (saved / "server-meta-trap.log").read_text(errors="replace")
    assert (saved / "browser.log").is_file() and (saved / "page-1.png").is_file(), sorted(saved.iterdir())

    # The session's server.
    message = run.failure("test_the_session_server_traps")
    assert "tether-demo 'main'" in message, message
    assert re.search(TRAPPED, message), message
    saved = artifact_dir(run, "test_the_session_server_traps")
    assert "a test asked the server to trap" in (saved / "server.log").read_text(errors="replace")

    # A later test that needs it is told so at once, instead of timing out against a dead port.
    message = run.error("test_a_later_test_that_needs_the_session_server")
    assert "tether-demo 'main'" in message and "died during" in message and "test_the_session_server_traps" in message, message


def test_a_server_that_dies_before_the_end_of_the_session_fails_the_run(tmp_path):
    run = run_inner("case_session_end.py", tmp_path)
    assert run.returncode == 1, f"the inner run should have failed (exit 1), got {run.returncode}:\n{run.output}"
    # The test itself passed; the end of the session is reported as an error at its teardown.
    assert re.search(r"^PASSED \S*case_session_end\.py::test_passes$", run.output, re.M), run.output
    message = run.error("test_passes")
    assert "tether-demo 'main'" in message, message
    assert "had already died (killed by signal 9 (SIGKILL)) when it was to be stopped" in message, message


# --------------------------------------------------------------------------- pages that throw


def test_pages_that_throw_or_log_errors_fail_their_tests(tmp_path):
    run = run_inner("case_page_errors.py", tmp_path)
    assert run.returncode == 1, f"the inner run should have failed (exit 1), got {run.returncode}:\n{run.output}"

    # Controls: a clean page, and a console.error the test declared.
    assert run.passed("test_clean_page_passes"), run.of("test_clean_page_passes")
    assert run.passed("test_declared_console_error_passes"), run.of("test_declared_console_error_passes")

    message = run.failure("test_uncaught_error_fails")
    assert "uncaught error in page 1" in message and "meta boom" in message, message
    assert "browser.log" in [p.name for p in artifact_dir(run, "test_uncaught_error_fails").iterdir()]

    message = run.failure("test_uncaught_error_in_a_second_page_fails")
    assert "uncaught error in page 2" in message and "meta boom in a second page" in message, message

    message = run.failure("test_uncaught_error_in_a_context_the_test_opened_itself_fails")
    assert "uncaught error in page 1" in message and "meta boom in a raw context" in message, message

    message = run.failure("test_undeclared_console_error_fails")
    assert "unexpected console.error in page 1" in message and "meta undeclared error" in message, message

    message = run.failure("test_a_declaration_allows_only_what_it_names")
    assert "meta other error" in message, message
    assert "meta declared error" not in message, message

    # A test that failed anyway reports both: the page error and its own failure.
    message = run.failure("test_uncaught_error_fails_a_test_that_failed_anyway")
    assert "meta boom before a failure" in message and "meta: the test's own failure" in message, message
