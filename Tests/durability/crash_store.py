#!/usr/bin/env python3
"""A server killed mid-write leaves its circuit store readable.

Starts `tether-bench store-writer PATH` (an SQLiteCircuitStore saving batches of 200 records with
8 KB snapshots, in a loop), waits for it to say "writing", lets it write for a random 50-500 ms,
kills it with SIGKILL, then opens the file with Python's own sqlite3 and checks that
`PRAGMA integrity_check` says ok and that every row reads, with a 32-byte secret hash. The same
file is used for every round, so each round also starts from the previous crash's leftovers (a
WAL file that was never checkpointed).

    python3 Tests/durability/crash_store.py --binary "$(swift build --show-bin-path)/tether-bench"

Exits non-zero when any round fails; the last line is a summary.
"""
import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

READY_TIMEOUT_S = 60


def wait_for_writing(process):
    """Reads the writer's stdout until it says it has committed its first batch."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"the writer exited (code {process.wait()}) before it said 'writing'")
        if line.strip() == b"writing":
            return
    raise RuntimeError(f"the writer did not say 'writing' within {READY_TIMEOUT_S} s")


def check_store(path):
    """Opens the store as a reader that knows nothing of Tether would; returns the row count."""
    connection = sqlite3.connect(path)
    try:
        result = connection.execute("PRAGMA integrity_check").fetchall()
        if result != [("ok",)]:
            raise RuntimeError(f"integrity_check: {result}")
        count = 0
        for row_id, secret_hash, url, snapshot, format_version, owner, expires_at in connection.execute(
                "SELECT id, secret_hash, url, snapshot, format_version, owner_node, expires_at FROM tether_circuits"):
            if not isinstance(secret_hash, bytes) or len(secret_hash) != 32:
                raise RuntimeError(f"row {row_id}: secret_hash is {secret_hash!r}, not 32 bytes")
            if not isinstance(snapshot, bytes) or not isinstance(url, str) or not isinstance(owner, str):
                raise RuntimeError(f"row {row_id}: a column has the wrong type")
            if not isinstance(format_version, int) or not isinstance(expires_at, int):
                raise RuntimeError(f"row {row_id}: format_version or expires_at is not an integer")
            count += 1
        return count
    finally:
        connection.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True, help="the tether-bench executable")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--seed", type=int, default=None, help="for the kill delays; printed, so a failure can be replayed")
    args = parser.parse_args()

    seed = args.seed if args.seed is not None else random.randrange(1 << 32)
    rng = random.Random(seed)
    failures = []
    counts = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="tether-crash-") as folder:
        path = os.path.join(folder, "circuits.sqlite")
        for round_number in range(1, args.rounds + 1):
            delay_ms = rng.randint(50, 500)
            process = subprocess.Popen([args.binary, "store-writer", path], stdout=subprocess.PIPE)
            try:
                wait_for_writing(process)
                time.sleep(delay_ms / 1000)
                if process.poll() is not None:
                    raise RuntimeError(f"the writer exited by itself (code {process.returncode})")
                process.send_signal(signal.SIGKILL)
                process.wait()
                count = check_store(path)
                if count == 0:
                    raise RuntimeError("the store has no rows, though the writer had committed a batch")
                counts.append(count)
                print(f"round {round_number:2}: killed after {delay_ms} ms, {count} rows, integrity ok")
            except Exception as error:  # noqa: BLE001 - every failure is reported the same way
                failures.append(round_number)
                print(f"round {round_number:2}: FAILED after {delay_ms} ms: {error}")
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait()
                process.stdout.close()

    elapsed = time.monotonic() - started
    passed = args.rounds - len(failures)
    rows = f", {min(counts)}-{max(counts)} rows" if counts else ""
    print(f"{args.rounds} rounds in {elapsed:.1f} s{rows}, kill delays from seed {seed}")
    print(f"crash_store: {passed} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
