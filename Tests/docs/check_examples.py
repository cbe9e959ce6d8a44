#!/usr/bin/env python3
"""README.md's and the DocC articles' Swift examples compile, in a package of their own, with only
what README tells a user to write; and code the API promises to refuse does not compile.

The documents are README.md and every article of the DocC catalogs (Sources/*/*.docc/*.md). Every
```swift block in them is preceded by a marker that says where it goes:

    <!-- compile: package -->            the user's Package.swift (exactly one); its
                                         `.package(path: "../tether")` finds this checkout
                                         through a link, so the package identity stays `tether`
    <!-- compile: file NAME.swift -->    a source file of the package's first target, as written
    <!-- compile: test NAME.swift -->    a source file of its test target, as written
    <!-- compile: body(PARAMS) -->       statements: the body of `func f(PARAMS) async throws`
                                         in a file that imports Foundation and Tether's modules
    <!-- compile: wasm NAME.swift -->    a file of a WebAssembly app module (the README's "WebAssembly
                                         render mode"): all such files, and the `both` ones, are
                                         built into one module with scripts/build-wasm --app
    <!-- compile: both NAME.swift -->    a file of the package's first target and of that module:
                                         one source, both render modes
    <!-- compile: pending SYMBOL -->     not compiled yet: the block uses SYMBOL, API that is being
                                         built; the check lists each such block, and the marker
                                         becomes one of the above when SYMBOL lands

All examples share one package, so an article may use a type README's examples declare, and a
file name is one file: a second block under the same name must repeat the first word for word.
A swift block without a marker fails the check, so an example cannot drift out of it. The package
is built with `swift build --build-tests` (its own scratch folder, kept in .build-docs/ so a
second run is incremental), and the tests among the examples must pass. Then every file in Tests/docs/must-not-compile/ is type-checked
against that build and must fail with the text of its `// expected-error:` line: each one is an
API mistake the compiler, not the browser, has to catch.

    python3 Tests/docs/check_examples.py
"""
import pathlib
import re
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
ARTICLES = sorted(ROOT.glob("Sources/*/*.docc/**/*.md"))
WORK = ROOT / ".build-docs" / "package"
MUST_NOT_COMPILE = ROOT / "Tests" / "docs" / "must-not-compile"
MARKER = re.compile(r"<!--\s*compile:\s*(package|file|test|body|pending|wasm|both)\s*(.*?)\s*-->")
WASM_WORK = ROOT / ".build-docs" / "wasm"
BODY_IMPORTS = "import Foundation\nimport TetherInterop\nimport TetherServer\nimport TetherUI\n"
LOCAL_DEPENDENCY = '.package(path: "../tether")'


def fail(message):
    print(f"docs: {message}", file=sys.stderr)
    sys.exit(1)


def swift_blocks(lines, name):
    """Yields (marker kind, marker argument, first line number, code) for each swift block of the
    document `name`."""
    marker = None
    i = 0
    while i < len(lines):
        line = lines[i]
        found = MARKER.search(line)
        if found:
            marker = (found.group(1), found.group(2), i + 1)
        elif line.startswith("```swift"):
            start = i + 1
            end = start
            while end < len(lines) and not lines[end].startswith("```"):
                end += 1
            if marker is None or marker[2] < i - 1 or any(lines[k].strip() for k in range(marker[2], i)):
                fail(f"{name}:{i + 1}: a swift block without a <!-- compile: ... --> marker right above it")
            yield marker[0], marker[1], start + 1, "\n".join(lines[start:end]) + "\n"
            marker = None
            i = end
        i += 1


def target_names(manifest):
    targets = re.findall(r'\.(executableTarget|target|testTarget)\(\s*name:\s*"([^"]+)"', manifest)
    sources = [name for kind, name in targets if kind != "testTarget"]
    tests = [name for kind, name in targets if kind == "testTarget"]
    if not sources or not tests:
        fail("README's Package.swift needs a target and a test target for the examples to live in")
    return sources[0], tests[0]


def examples():
    """Yields (document name, marker kind, marker argument, line, code) for every swift block of
    README.md and the articles."""
    for document in [README, *ARTICLES]:
        name = str(document.relative_to(ROOT))
        for kind, argument, line, code in swift_blocks(document.read_text().splitlines(), name):
            yield name, kind, argument, line, code


def generate():
    manifest = None
    files = []  # (kind, file name, document, line, text, lines of generated header)
    pending = []
    wasm_files = {}  # file name -> (document, line, text)
    for number, (document, kind, argument, line, code) in enumerate(examples(), start=1):
        if kind == "package":
            if manifest is not None and code == manifest:
                continue  # an article showing README's Package.swift, word for word
            if manifest is not None or document != "README.md":
                fail(f"{document}:{line}: a second Package.swift (README.md has the one; an article may repeat it word for word)")
            if LOCAL_DEPENDENCY not in code:
                fail(f"{document}:{line}: the Package.swift must depend on {LOCAL_DEPENDENCY}")
            manifest = code
        elif kind in ("file", "test", "wasm", "both"):
            if not re.fullmatch(r"\w+\.swift", argument):
                fail(f"{document}:{line}: '{kind}' needs a file name, like <!-- compile: {kind} Counter.swift -->")
            if kind in ("file", "test", "both"):
                files.append(("test" if kind == "test" else "file", argument, document, line, code, 0))
            if kind in ("wasm", "both"):
                if argument in wasm_files and wasm_files[argument][2] != code:
                    fail(f"{document}:{line}: {argument} is already the name of another wasm example, with other code")
                wasm_files[argument] = (document, line, code)
        elif kind == "pending":
            if not argument:
                fail(f"{document}:{line}: 'pending' needs the symbol it waits for, like <!-- compile: pending TetherService -->")
            pending.append((document, line, argument))
        else:
            params = re.fullmatch(r"\((.*)\)", argument)
            if params is None:
                fail(f"{document}:{line}: 'body' needs its parameters, like <!-- compile: body(js: JSRuntime) -->")
            indented = "".join("    " + l if l.strip() else l for l in code.splitlines(True))
            text = f"{BODY_IMPORTS}\nfunc readmeExample{number}({params.group(1)}) async throws {{\n{indented}}}\n"
            files.append(("file", f"ReadmeExample{number}.swift", document, line, text, BODY_IMPORTS.count("\n") + 2))
    for document, line, symbol in pending:
        print(f"docs: {document}:{line}: not compiled, waits for {symbol}")
    if manifest is None:
        fail("README.md has no <!-- compile: package --> block")
    source_target, test_target = target_names(manifest)

    if WORK.exists():
        for folder in ("Sources", "Tests"):
            shutil.rmtree(WORK / folder, ignore_errors=True)
    WORK.mkdir(parents=True, exist_ok=True)
    (WORK / "Package.swift").write_text(manifest)
    link = WORK.parent / "tether"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(ROOT, target_is_directory=True)
    # A resource folder the manifest copies must exist; what the examples serve from it is theirs.
    for resource in re.findall(r'\.copy\("([^"]+)"\)', manifest):
        (WORK / "Sources" / source_target / resource).mkdir(parents=True, exist_ok=True)
        (WORK / "Sources" / source_target / resource / ".keep").touch()
    origin = {}
    for kind, name, document, line, text, header in files:
        folder = WORK / ("Sources" if kind == "file" else "Tests") / (source_target if kind == "file" else test_target)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        if path.exists():
            # An article may repeat an example word for word under its file name: it is compiled once.
            if path.read_text() == text:
                continue
            fail(f"{document}:{line}: {name} is already the name of another example, with other code")
        path.write_text(text)
        origin[str(path)] = (document, line - header)
    return origin, len(files), wasm_files


def document_line(error_line, origin):
    """Points a compiler diagnostic in a generated file back at its document and line."""
    match = re.match(r"(/[^:]+):(\d+):(\d+): (error|warning)", error_line)
    if not match or match.group(1) not in origin:
        return None
    document, offset = origin[match.group(1)]
    return f"{document}:{offset + int(match.group(2)) - 1}"


def build(origin):
    result = subprocess.run(
        ["swift", "build", "--build-tests", "--package-path", str(WORK)], capture_output=True, text=True)
    output = result.stdout + result.stderr
    # A statement example shows a value without using it: "never used" is expected there only.
    ours = sorted({l for l in output.splitlines() if document_line(l, origin) is not None
                   and not ("[#no-usage]" in l and "/ReadmeExample" in l)})
    for l in ours:
        print(f"{document_line(l, origin)}: {l.split(': ', 1)[1]}")
    if result.returncode != 0:
        print(output[-6000:])
        fail("the examples do not compile")
    warnings = [l for l in ours if ": warning:" in l]
    if warnings:
        fail(f"the examples compile with {len(warnings)} warning(s)")


def run_tests():
    """The test examples must pass, not only compile."""
    result = subprocess.run(["swift", "test", "--package-path", str(WORK)], capture_output=True, text=True)
    output = result.stdout + result.stderr
    if result.returncode != 0:
        print(output[-6000:])
        fail("the test examples fail")
    passed = re.search(r"Test run with (\d+) tests? .*passed", output)
    if passed is None or int(passed.group(1)) == 0:
        print(output[-3000:])
        fail("the test examples ran no test")
    return int(passed.group(1))


def build_wasm(wasm_files):
    """The wasm examples build into one WebAssembly module, without warnings."""
    sources = WASM_WORK / "app"
    shutil.rmtree(sources, ignore_errors=True)
    sources.mkdir(parents=True)
    origin = {}
    for name, (document, line, code) in sorted(wasm_files.items()):
        (sources / name).write_text(code)
        origin[str(sources / name)] = (document, line)
    result = subprocess.run(
        [str(ROOT / "scripts" / "build-wasm"), "--out", str(WASM_WORK / "out"), "--app", "DocsApp",
         *[str(sources / name) for name in sorted(wasm_files)]],
        cwd=ROOT, capture_output=True, text=True)
    output = result.stdout + result.stderr
    ours = sorted({l for l in output.splitlines() if document_line(l, origin) is not None})
    for l in ours:
        print(f"{document_line(l, origin)}: {l.split(': ', 1)[1]}")
    if result.returncode != 0:
        print(output[-6000:])
        fail("the WebAssembly examples do not build")
    if [l for l in ours if ": warning:" in l]:
        fail("the WebAssembly examples build with warnings")
    return len(wasm_files)


def check_must_not_compile():
    modules = WORK / ".build" / "debug" / "Modules"
    cases = sorted(MUST_NOT_COMPILE.glob("*.swift"))
    if not cases:
        fail(f"no cases in {MUST_NOT_COMPILE}")
    for case in cases:
        text = case.read_text()
        expected = re.search(r"^// expected-error: (.+)$", text, re.M)
        if expected is None:
            fail(f"{case.name} has no '// expected-error: ...' line")
        result = subprocess.run(
            ["swiftc", "-typecheck", "-swift-version", "6", "-I", str(modules), str(case)],
            capture_output=True, text=True)
        output = result.stdout + result.stderr
        if result.returncode == 0:
            fail(f"{case.name} compiled; it must fail with: {expected.group(1)}")
        if expected.group(1) not in output:
            print(output)
            fail(f"{case.name} failed, but not with: {expected.group(1)}")
        print(f"docs: {case.name} is refused by the compiler, as it should be")
    return len(cases)


def main():
    origin, count, wasm_files = generate()
    build(origin)
    wasm_count = build_wasm(wasm_files) if wasm_files else 0
    tests = run_tests()
    refused = check_must_not_compile()
    print(f"docs: {count} examples of README.md and {len(ARTICLES)} articles compile ({wasm_count} of them also, or only, "
          f"into a WebAssembly module), their {tests} tests pass; "
          f"{refused} mistakes do not compile")


if __name__ == "__main__":
    main()
