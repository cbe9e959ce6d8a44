#!/usr/bin/env python3
"""The public API is a deliberate choice: Tests/PublicAPI.txt lists every public declaration of
Tether's library modules, and this check fails when the built modules differ from it.

The list comes from the compiler's symbol graph (`swift symbolgraph-extract`, public symbols
only, run on the debug build's modules), one declaration per line, sorted. Default
implementations a type inherits from protocols of other modules are left out: they are not ours;
nor are the members another module's type has when we extend it.

    python3 Tests/api/check_public_api.py            # compare; prints the difference
    python3 Tests/api/check_public_api.py --update   # rewrite Tests/PublicAPI.txt after a change you mean

Run it after `swift build` (scripts/test does).
"""
import difflib
import json
import pathlib
import platform
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
API_FILE = ROOT / "Tests" / "PublicAPI.txt"
MODULES = ["TetherProtocol", "TetherInterop", "TetherUI", "TetherServer", "TetherTesting", "TetherPostgres"]


def modules_directory():
    """The debug build's Modules folder, where the library modules' .swiftmodule files are."""
    return pathlib.Path(subprocess.run(
        ["swift", "build", "--show-bin-path"], cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()) / "Modules"


def extract_symbol_graphs(module, modules_dir, out_dir, *options):
    """Writes `module`'s public symbol graphs (the module's own, and one per module it extends)
    into out_dir, with `swift symbolgraph-extract` and any further options. Tests/docs/
    check_doc_comments.py reads them too."""
    target = f"{platform.machine()}-unknown-linux-gnu"
    # The C modules of dependencies (NIO's and Atomics' shims) are found through their module maps.
    module_maps = []
    generated = modules_dir.parent.glob("*.build/module.modulemap")
    shipped = (ROOT / ".build" / "checkouts").glob("*/Sources/*/include/module.modulemap")
    for module_map in sorted([*generated, *shipped]):
        module_maps += ["-Xcc", f"-fmodule-map-file={module_map}"]
    subprocess.run(
        ["swift", "symbolgraph-extract", "-module-name", module, "-I", str(modules_dir), "-target", target,
         "-output-dir", str(out_dir), "-minimum-access-level", "public", *options, *module_maps],
        check=True)


def declarations(module, modules_dir, out_dir):
    extract_symbol_graphs(module, modules_dir, out_dir, "-skip-inherited-docs")
    lines = set()
    for graph in sorted(out_dir.glob(f"{module}*.symbols.json")):
        for symbol in json.loads(graph.read_text())["symbols"]:
            if symbol.get("accessLevel") != "public" or "sourceOrigin" in symbol:
                continue
            # A graph of extensions to another module's types (TetherInterop@Swift: `Int:
            # JSONConvertible`) also lists what those types have from their own protocols; only
            # what our sources declare is ours.
            if "@" in graph.name and "location" not in symbol:
                continue
            declaration = "".join(f["spelling"] for f in symbol["declarationFragments"])
            path = ".".join(symbol["pathComponents"])
            lines.add(f"{module}  {path}  {' '.join(declaration.split())}")
    return lines


def main():
    modules_dir = modules_directory()
    current = []
    with tempfile.TemporaryDirectory() as scratch:
        for module in MODULES:
            out = pathlib.Path(scratch) / module
            out.mkdir()
            current += sorted(declarations(module, modules_dir, out))
    text = "\n".join(current) + "\n"
    if "--update" in sys.argv:
        API_FILE.write_text(text)
        print(f"api: wrote {len(current)} public declarations to {API_FILE.relative_to(ROOT)}")
        return
    recorded = API_FILE.read_text() if API_FILE.exists() else ""
    if recorded == text:
        print(f"api: the public API matches Tests/PublicAPI.txt ({len(current)} declarations)")
        return
    sys.stdout.writelines(difflib.unified_diff(
        recorded.splitlines(True), text.splitlines(True), "Tests/PublicAPI.txt (recorded)", "the build (now)"))
    print("api: the public API changed; if you meant it, run python3 Tests/api/check_public_api.py --update "
          "and commit the file with the change", file=sys.stderr)
    sys.exit(1)


if __name__ == "__main__":
    main()
