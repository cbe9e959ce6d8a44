#!/usr/bin/env python3
"""Every public symbol of Tether's library modules has a doc comment.

The symbols come from the compiler's symbol graphs (`swift symbolgraph-extract` on the debug
build's modules, public and open symbols only, the same extraction Tests/api/check_public_api.py
uses), so the check sees exactly what DocC documents. A symbol counts as documented when its
symbol graph entry has a non-empty doc comment. The rule for what is checked:

- Checked: every public or open type, protocol, associated type, function, initializer,
  property, subscript, enum case, type alias and global function of TetherInterop, TetherUI,
  TetherServer, TetherTesting and TetherPostgres, including their public extensions of other
  modules' types (`TetherInterop@Swift.symbols.json` and the like).
- Skipped, synthesized: members the compiler copies onto a type from a protocol extension or
  synthesizes (`!=`, `localizedDescription`, a `Renderable` default such as `key(_:)`); their
  identifier carries `::SYNTHESIZED::`. They are documented where they are declared.
- Documented by inheritance: a member that implements a protocol requirement or overrides a
  superclass member, and has no comment of its own, shows the requirement's or the overridden
  member's documentation (symbolgraph-extract copies it, and DocC shows it). It passes when that
  documentation exists, whichever module declares it (`Codable`'s `init(from:)`, `Component`'s
  `body`), and fails like any other symbol when it does not.

    python3 Tests/docs/check_doc_comments.py              # lists the undocumented symbols; exit 1 if any
    python3 Tests/docs/check_doc_comments.py --only PATH  # only symbols declared under PATH (repeatable)

Run it after `swift build` of the library targets (scripts/docs does both).
"""
import argparse
import json
import pathlib
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests" / "api"))
from check_public_api import extract_symbol_graphs, modules_directory  # noqa: E402

MODULES = ["TetherInterop", "TetherUI", "TetherServer", "TetherTesting", "TetherPostgres"]


def has_doc_comment(symbol):
    lines = (symbol.get("docComment") or {}).get("lines") or []
    return any(line.get("text", "").strip() for line in lines)


def source_path(symbol):
    uri = (symbol.get("location") or {}).get("uri", "")
    path = uri.removeprefix("file://")
    try:
        return str(pathlib.Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return path


def undocumented(module, graph_dir):
    """(path, line, name, kind) of each public symbol of `module` with no doc comment."""
    found = {}
    for graph in sorted(graph_dir.glob(f"{module}*.symbols.json")):
        for symbol in json.loads(graph.read_text())["symbols"]:
            if symbol.get("accessLevel") not in ("public", "open"):
                continue
            if "::SYNTHESIZED::" in symbol["identifier"]["precise"]:
                continue
            if has_doc_comment(symbol):
                continue
            position = (symbol.get("location") or {}).get("position", {})
            name = ".".join(symbol["pathComponents"])
            kind = symbol["kind"]["displayName"]
            # The same symbol can appear in the module's graph and an extension graph.
            found[symbol["identifier"]["precise"]] = (source_path(symbol), position.get("line", 0) + 1, name, kind)
    return sorted(found.values())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", default=[], metavar="PATH",
                        help="report only symbols declared under this path (relative to the repository)")
    args = parser.parse_args()
    modules_dir = modules_directory()
    missing = []
    with tempfile.TemporaryDirectory() as scratch:
        for module in MODULES:
            out = pathlib.Path(scratch) / module
            out.mkdir()
            extract_symbol_graphs(module, modules_dir, out)
            missing += undocumented(module, out)
    if args.only:
        missing = [entry for entry in missing if any(entry[0].startswith(prefix.rstrip("/")) for prefix in args.only)]
    for path, line, name, kind in missing:
        print(f"{path}:{line}: {kind} {name} has no doc comment")
    if missing:
        print(f"doc comments: {len(missing)} public symbol{'s' if len(missing) != 1 else ''} without a doc comment",
              file=sys.stderr)
        sys.exit(1)
    print(f"doc comments: every public symbol of {', '.join(MODULES)} has one")


if __name__ == "__main__":
    main()
