#!/usr/bin/env python3
"""Every test README.md, SECURITY.md and the DocC articles (Sources/*/*.docc) cite as proof must exist.

The documents name their proofs in backticks: a Swift suite (`SecurityTests`), a suite and a test
function (`HostileClientTests.memoryBudget`), a suite with the quoted start of a test's name
(`SecurityTests` ("a flood of events…")), an e2e file (`test_bytes.py`) or function
(`test_bytes_of_refused_calls_do_not_fill_the_pending_limit`), a JS test file
(`Tests/js/close-codes.test.mjs`), or an abuse-suite case (abuse suite (`no-read`)). This checker
finds each one in the tree and fails, naming the document and line, when a cited proof is gone.

    python3 Tests/claims/check_claims.py      # prints "claims: N passed, M failed"
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOCUMENTS = ["README.md", "SECURITY.md", *sorted(str(p.relative_to(ROOT)) for p in ROOT.glob("Sources/*/*.docc/**/*.md"))]

SWIFT_TESTS = {p: p.read_text() for p in (ROOT / "Tests").rglob("*.swift")}
PY_TESTS = {p: p.read_text() for p in (ROOT / "Tests").rglob("*.py")}
SUITE = re.compile(r"^(?:@Suite[^\n]*\n)?\s*(?:final class|struct|class) (\w+Tests)\b", re.M)


def swift_suite(name):
    for path, text in SWIFT_TESTS.items():
        if re.search(rf"\b(?:struct|class) {name}\b", text):
            return path, text
    return None, None


def check_swift(name, member, quoted):
    path, text = swift_suite(name)
    if path is None:
        return f"no Swift test suite named {name}"
    if member and not re.search(rf"func {re.escape(member)}\b", text):
        return f"{name} has no test function {member}"
    if quoted:
        start = quoted.rstrip("…").strip()
        if start and start not in text:
            return f"{name} has no test named like \"{start}\""
    return None


def check_python_name(name):
    if name.endswith(".py"):
        return None if any(p.name == name for p in PY_TESTS) else f"no test file {name}"
    if not any(re.search(rf"def {re.escape(name)}\b", text) for text in PY_TESTS.values()):
        return f"no Python test function {name}"
    return None


def check_abuse_case(name):
    abuse = (ROOT / "Tests/abuse/abuse.py").read_text()
    return None if f'"{name}"' in abuse else f"the abuse suite has no case {name}"


def claims(line):
    """(description, check) for each proof a line cites."""
    found = []
    for m in re.finditer(r"`(\w+Tests)(?:\.(\w+))?`(?:\s*\(\"([^\"]+)\"\))?", line):
        found.append((m.group(0), lambda m=m: check_swift(m.group(1), m.group(2), m.group(3))))
    for m in re.finditer(r"`(test_\w+(?:\.py)?)`", line):
        found.append((m.group(0), lambda m=m: check_python_name(m.group(1))))
    for m in re.finditer(r"`(Tests/[\w./-]+)`", line):
        found.append((m.group(0), lambda m=m: None if (ROOT / m.group(1)).exists() else f"no file {m.group(1)}"))
    for m in re.finditer(r"abuse suite \(([^)]*)\)", line):
        for case in re.findall(r"`([\w-]+)`", m.group(1)):
            found.append((f"abuse case {case}", lambda case=case: check_abuse_case(case)))
    return found


def main():
    passed, failures = 0, []
    for document in DOCUMENTS:
        for number, line in enumerate((ROOT / document).read_text().splitlines(), 1):
            for what, check in claims(line):
                problem = check()
                if problem:
                    failures.append(f"{document}:{number}: {what}: {problem}")
                else:
                    passed += 1
    for failure in failures:
        print("FAIL", failure)
    print(f"claims: {passed} passed, {len(failures)} failed")
    return 1 if failures or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
