"""/upload: an <input type="file"> (#file) read by Swift as a stream (Sources/DemoApp/Pages/Upload.swift).

On change, Swift lists the chosen files (Tether.files.list), opens the first as a
JSStreamReference (Tether.files.open) and hashes it chunk by chunk, then shows #upload-status
"Done.", #upload-name, #upload-size (bytes read) and #upload-sha256.
"""

import hashlib
import os
import time

import pytest

from conftest import wait_ready
from interop_support import MB, FrameRecorder, RssSampler


@pytest.fixture
def upload(server, page):
    page.goto(server + "/upload")
    wait_ready(page)
    return page


def choose(page, name: str, data: bytes, mime: str = "application/octet-stream") -> None:
    page.set_input_files("#file", files=[{"name": name, "mimeType": mime, "buffer": data}])


def wait_done(page, timeout_ms: int = 60_000) -> None:
    page.wait_for_function(
        "() => { const t = document.querySelector('#upload-status').textContent; return t === 'Done.' || t.startsWith('error'); }",
        timeout=timeout_ms,
    )


def shown(page) -> dict:
    return {
        "status": page.text_content("#upload-status"),
        "name": page.text_content("#upload-name"),
        "size": page.text_content("#upload-size"),
        "sha256": page.text_content("#upload-sha256"),
    }


def test_initial_state(upload):
    assert shown(upload) == {"status": "Choose a file.", "name": "", "size": "", "sha256": ""}


def test_upload_5mb(upload, server_pid, request):
    """5 MB arrive whole, and the server reads them as a stream: its resident memory never grows
    by anything like the file's size."""
    data = os.urandom(5_000_000)
    started = time.monotonic()
    with RssSampler(server_pid) as rss:
        choose(upload, "big.bin", data)
        wait_done(upload)
    seconds = time.monotonic() - started
    line = f"upload 5 MB: {seconds:.1f} s; {rss.describe()}"
    print(line)
    request.node.user_properties.append(("timing", line))
    assert shown(upload) == {
        "status": "Done.",
        "name": "big.bin",
        "size": "5000000",
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    assert rss.peak_growth < 20 * MB, f"server RSS peaked too high during the upload: {rss.describe()}"


def test_upload_chunks_travel_as_binary_frames(server, page):
    recorder = FrameRecorder().attach(page)
    page.goto(server + "/upload")
    wait_ready(page)
    recorder.clear()
    data = os.urandom(MB + 7)
    choose(page, "one-mb.bin", data)
    wait_done(page)
    assert shown(page)["sha256"] == hashlib.sha256(data).hexdigest()
    sent = recorder.binary_frames("sent")
    assert sum(f.size for f in sent) >= len(data), recorder.summary()
    assert max(f.size for f in sent) <= 256 * 1024 + 4, recorder.summary()
    biggest_text = recorder.largest_text()
    assert biggest_text is None or biggest_text.size <= 32 * 1024, recorder.summary()


def test_upload_empty_file(upload):
    choose(upload, "empty.txt", b"", "text/plain")
    wait_done(upload)
    assert shown(upload) == {
        "status": "Done.",
        "name": "empty.txt",
        "size": "0",
        "sha256": hashlib.sha256(b"").hexdigest(),
    }


def test_upload_unicode_name_is_shown_as_text(upload):
    name = "résumé <b>x</b>.txt"
    data = b"hello\n"
    choose(upload, name, data, "text/plain")
    wait_done(upload)
    assert shown(upload) == {
        "status": "Done.",
        "name": name,
        "size": "6",
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    assert upload.locator("#upload-name b").count() == 0


def test_second_upload_replaces_the_first(upload):
    first = b"a" * 1000
    second = os.urandom(300_000)
    choose(upload, "first.bin", first)
    wait_done(upload)
    assert shown(upload)["sha256"] == hashlib.sha256(first).hexdigest()
    choose(upload, "second.bin", second)
    upload.wait_for_function(
        "h => document.querySelector('#upload-sha256').textContent === h",
        arg=hashlib.sha256(second).hexdigest(),
        timeout=60_000,
    )
    assert shown(upload) == {
        "status": "Done.",
        "name": "second.bin",
        "size": "300000",
        "sha256": hashlib.sha256(second).hexdigest(),
    }
    upload.wait_for_function("Tether.jsObjects.size === 0")
