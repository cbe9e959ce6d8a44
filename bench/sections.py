"""BENCHMARKS.md is written in parts: a full run of bench/run.py writes the whole file, and each
`--only` part (deflate, transport, hibernation, cpu) rewrites only its own section, between
`<!-- name:start -->` and `<!-- name:end -->`, leaving the rest as the last run wrote it."""
import os

# The sections written by tools of their own (bench/virtualize.py, bench/callgrind.py), which a
# full run of bench/run.py keeps as they are.
VIRTUALIZE_START, VIRTUALIZE_END = "<!-- virtualize:start -->", "<!-- virtualize:end -->"
CPU_START, CPU_END = "<!-- cpu:start -->", "<!-- cpu:end -->"


def replace_section(path, start_marker, end_marker, lines):
    """Puts `lines` (which begin with start_marker and end with end_marker) in place of the old
    section, or before "How it is measured" when the file has none yet."""
    text = open(path).read() if os.path.exists(path) else "# Benchmarks\n"
    section = "\n".join(lines)
    a, b = text.find(start_marker), text.find(end_marker)
    if a >= 0 and b > a:
        text = text[:a] + section + text[b + len(end_marker):]
    else:
        at = text.find("## How it is measured")
        text = text[:at] + section + "\n\n" + text[at:] if at >= 0 else text + "\n" + section + "\n"
    with open(path, "w") as f:
        f.write(text)


def kept_section(path, start_marker, end_marker):
    """The section as the file at `path` has it now, markers included, or None: what a full run
    that did not measure the part writes again, so the last figures stay."""
    if not os.path.exists(path):
        return None
    text = open(path).read()
    a, b = text.find(start_marker), text.find(end_marker)
    return text[a:b + len(end_marker)] if a >= 0 and b > a else None
