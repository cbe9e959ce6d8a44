"""Streams both ways, pulled one chunk at a time so neither side holds the whole transfer.

JS → Swift: Tether.createJSStreamReference(blob | buffer | ReadableStream) passed to
Demo.HashStream(stream, maxBytes) -> {count, sha256}; Swift reads it in 256 KB chunks.
Swift → JS: Demo.PatternStream(size) returns a SwiftStreamReference of `size` bytes of i % 251;
JS gets an object with .length, .stream() (a ReadableStream pulled from Swift) and .arrayBuffer().

The 50 MB transfers also watch the server's resident memory (VmRSS of the tether-demo process the
harness started, pid from the server_pid fixture, sampled every 50 ms from a thread): streaming must not make it grow by anything like the size of
the transfer. Durations are printed (pytest -s, or -rA) and attached to the report.
"""

import hashlib
import time

import pytest

from conftest import wait_ready
from interop_support import MB, FrameRecorder, RssSampler, error_of, pattern, value_of

BIG = 50_000_000
SMALL = 3 * MB
BIG_TIMEOUT_MS = 120_000
RSS_BUDGET = 20 * MB
CHUNK = 256 * 1024


@pytest.fixture
def streams(server, page):
    page.goto(server + "/call-swift-example-1")
    wait_ready(page)
    return page


def report(request, line: str) -> None:
    print(line)
    request.node.user_properties.append(("timing", line))


# Fills a Uint8Array with i % 251 without a 50 M-iteration loop: copy a 251-byte block, doubling.
MAKE_PATTERN = """
    const makePattern = (n) => {
        const u8 = new Uint8Array(n);
        for (let i = 0; i < Math.min(n, 251); i++) u8[i] = i;
        for (let filled = Math.min(n, 251); filled < n; ) {
            // Copy only whole multiples of 251 so the pattern stays aligned.
            const take = Math.min(filled - (filled % 251), n - filled);
            u8.copyWithin(filled, 0, take);
            filled += take;
        }
        return u8;
    };
"""

# Reads a Swift stream chunk by chunk, keeping a running count and spot checks only.
READ_SWIFT_STREAM = """
    const readAll = async (s) => {
        const reader = s.stream().getReader();
        let count = 0, chunks = 0, maxChunk = 0, checks = 0, bad = [], types = new Set();
        for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            types.add(value.constructor.name);
            chunks++;
            maxChunk = Math.max(maxChunk, value.length);
            const check = (j) => {
                checks++;
                if (value[j] !== (count + j) % 251 && bad.length < 10) bad.push([count + j, value[j]]);
            };
            for (let j = 0; j < value.length; j += 997) check(j);
            if (value.length > 0) check(value.length - 1);
            count += value.length;
        }
        return { count, chunks, maxChunk, checks, bad, types: [...types] };
    };
"""


# --------------------------------------------------------------------------- JS → Swift


@pytest.mark.parametrize("source", ["blob", "uint8array", "readablestream"])
def test_hash_stream_small_sources(streams, source):
    n = 1_000_003
    make = {
        "blob": "new Blob([u8])",
        "uint8array": "u8",
        "readablestream": "new Blob([u8]).stream()",
    }[source]
    result = value_of(
        streams,
        MAKE_PATTERN + f"""const u8 = makePattern(arg);
            return await Tether.invokeMethodAsync('Demo', 'HashStream', Tether.createJSStreamReference({make}), 100000000);""",
        arg=n,
        timeout_ms=60_000,
    )
    assert result == {"count": n, "sha256": hashlib.sha256(pattern(n)).hexdigest()}


def test_hash_stream_chunks_travel_as_binary_frames(server, page):
    recorder = FrameRecorder().attach(page)
    page.goto(server + "/call-swift-example-1")
    wait_ready(page)
    recorder.clear()
    result = value_of(
        page,
        MAKE_PATTERN + """return await Tether.invokeMethodAsync('Demo', 'HashStream',
                               Tether.createJSStreamReference(new Blob([makePattern(arg)])), 100000000);""",
        arg=SMALL,
        timeout_ms=60_000,
    )
    assert result == {"count": SMALL, "sha256": hashlib.sha256(pattern(SMALL)).hexdigest()}
    sent = recorder.binary_frames("sent")
    assert sum(f.size for f in sent) >= SMALL, recorder.summary()
    assert max(f.size for f in sent) <= CHUNK + 4, recorder.summary()
    biggest_text = recorder.largest_text()
    assert biggest_text is None or biggest_text.size <= 32 * 1024, recorder.summary()


def test_hash_stream_50mb_blob(streams, server_pid, request):
    expected = hashlib.sha256(pattern(BIG)).hexdigest()
    # Build the 50 MB buffer in the browser first, outside the measured window.
    size = value_of(streams, MAKE_PATTERN + "window.__big = new Blob([makePattern(arg)]); return window.__big.size;", arg=BIG)
    assert size == BIG
    started = time.monotonic()
    with RssSampler(server_pid) as rss:
        result = value_of(
            streams,
            """const ref = Tether.createJSStreamReference(window.__big);
               return await Tether.invokeMethodAsync('Demo', 'HashStream', ref, 100000000);""",
            timeout_ms=BIG_TIMEOUT_MS,
        )
    seconds = time.monotonic() - started
    report(request, f"HashStream 50 MB JS→Swift: {seconds:.1f} s ({BIG / MB / seconds:.1f} MB/s); {rss.describe()}")
    assert result == {"count": BIG, "sha256": expected}
    assert rss.growth < RSS_BUDGET, f"server RSS grew too much: {rss.describe()}"
    assert rss.peak_growth < RSS_BUDGET, f"server RSS peaked too high during the transfer: {rss.describe()}"
    # The browser released the stream source once Swift finished reading it.
    streams.wait_for_function("Tether.jsObjects.size === 0")


@pytest.mark.parametrize("source", ["blob", "readablestream"])
def test_hash_stream_over_max_bytes_rejects(streams, source):
    """maxBytes below the data: with a Blob the size is known up front; with a ReadableStream it is
    not, and Swift must stop once the limit is passed. Either way the call rejects, the browser's
    stream source is released, and the circuit carries on."""
    make = "new Blob([new Uint8Array(arg)])" if source == "blob" else "new Blob([new Uint8Array(arg)]).stream()"
    message = error_of(
        streams,
        f"return await Tether.invokeMethodAsync('Demo', 'HashStream', Tether.createJSStreamReference({make}), 1000000);",
        arg=2 * MB,
        timeout_ms=60_000,
    )
    assert message == "An exception occurred invoking 'HashStream' in 'Demo'."
    streams.wait_for_function("Tether.jsObjects.size === 0")
    assert value_of(streams, "return await Tether.invokeMethodAsync('Demo', 'Add', 2, 3);") == 5


def test_hash_stream_exactly_max_bytes_is_allowed(streams):
    n = 1_000_000
    result = value_of(
        streams,
        "return await Tether.invokeMethodAsync('Demo', 'HashStream', Tether.createJSStreamReference(new Blob([new Uint8Array(arg)])), arg);",
        arg=n,
    )
    assert result == {"count": n, "sha256": hashlib.sha256(bytes(n)).hexdigest()}


def test_empty_js_stream(streams):
    result = value_of(
        streams,
        "return await Tether.invokeMethodAsync('Demo', 'HashStream', Tether.createJSStreamReference(new Blob([])), 10);",
    )
    assert result == {"count": 0, "sha256": hashlib.sha256(b"").hexdigest()}


def test_stream_reference_needs_a_byte_source(streams):
    message = error_of(streams, "return Tether.createJSStreamReference({});")
    assert message == "A stream reference needs a Blob, an ArrayBuffer, a typed array or a ReadableStream."


def test_stream_parameter_refuses_a_plain_value(streams):
    message = error_of(streams, "return await Tether.invokeMethodAsync('Demo', 'HashStream', 'not a stream', 10);")
    assert message.startswith("Argument 1 of 'HashStream' in 'Demo' is not a valid JSStreamReference"), message


# --------------------------------------------------------------------------- Swift → JS


def test_pattern_stream_50mb_read_with_a_reader(streams, server_pid, request):
    started = time.monotonic()
    with RssSampler(server_pid) as rss:
        result = value_of(
            streams,
            READ_SWIFT_STREAM + """
               const s = await Tether.invokeMethodAsync('Demo', 'PatternStream', arg);
               const length = s.length;
               return { length, ...(await readAll(s)) };""",
            arg=BIG,
            timeout_ms=BIG_TIMEOUT_MS,
        )
    seconds = time.monotonic() - started
    report(request, f"PatternStream 50 MB Swift→JS: {seconds:.1f} s ({BIG / MB / seconds:.1f} MB/s); {rss.describe()}")
    assert result["length"] == BIG
    assert result["count"] == BIG
    assert result["bad"] == [], f"bytes that are not i % 251 ([position, value]): {result['bad']}"
    assert result["checks"] > BIG // 1000
    assert result["types"] == ["Uint8Array"]
    assert result["maxChunk"] <= CHUNK, f"a chunk of {result['maxChunk']} bytes"
    assert rss.growth < RSS_BUDGET, f"server RSS grew too much: {rss.describe()}"
    assert rss.peak_growth < RSS_BUDGET, f"server RSS peaked too high during the transfer: {rss.describe()}"


def test_pattern_stream_array_buffer(streams):
    result = value_of(
        streams,
        """const s = await Tether.invokeMethodAsync('Demo', 'PatternStream', arg);
           const u8 = new Uint8Array(await s.arrayBuffer());
           let mismatches = 0;
           for (let i = 0; i < u8.length; i++) if (u8[i] !== i % 251) mismatches++;
           return { length: s.length, bytes: u8.length, mismatches, head: Array.from(u8.subarray(249, 253)) };""",
        arg=SMALL,
        timeout_ms=60_000,
    )
    assert result == {"length": SMALL, "bytes": SMALL, "mismatches": 0, "head": [249, 250, 0, 1]}


def test_pattern_stream_array_buffer_equals_python_pattern(streams):
    n = 100_000
    data = value_of(
        streams,
        """const s = await Tether.invokeMethodAsync('Demo', 'PatternStream', arg);
           return Array.from(new Uint8Array(await s.arrayBuffer()));""",
        arg=n,
    )
    assert bytes(data) == pattern(n)


@pytest.mark.parametrize("size", [0, 1, CHUNK, CHUNK + 1])
def test_pattern_stream_sizes(streams, size):
    result = value_of(
        streams,
        READ_SWIFT_STREAM + """
           const s = await Tether.invokeMethodAsync('Demo', 'PatternStream', arg);
           return { length: s.length, ...(await readAll(s)) };""",
        arg=size,
    )
    assert result["length"] == size
    assert result["count"] == size
    assert result["bad"] == []
    assert result["chunks"] == -(-size // CHUNK)


def test_swift_stream_can_be_read_once(streams):
    message = error_of(
        streams,
        """const s = await Tether.invokeMethodAsync('Demo', 'PatternStream', 10);
           await s.arrayBuffer();
           return await s.arrayBuffer();""",
    )
    assert message == "This Swift stream has already been read."


# A proxy for an arbitrary Swift object id, to ask the server directly whether it still tracks it.
RAW_READ = """
    const probe = await Tether.invokeMethodAsync('Demo', 'CreateCounter', 0);
    const rawRead = async (id) => {
        const raw = Object.create(Object.getPrototypeOf(probe));
        raw._circuit = probe._circuit; raw._id = id;
        try { return await raw.invokeMethodAsync('Read'); } catch (e) { return 'rejected: ' + e.message; }
    };
"""


def test_swift_stream_is_released_after_it_is_read(streams):
    result = value_of(
        streams,
        RAW_READ + """
           const s = await Tether.invokeMethodAsync('Demo', 'PatternStream', 1000);
           await s.arrayBuffer();
           return { id: s._id, after: await rawRead(s._id) };""",
    )
    assert result["after"] == f"rejected: There is no tracked object with id {result['id']}. It may have been disposed."


def test_cancelled_swift_stream_is_released(streams):
    result = value_of(
        streams,
        RAW_READ + """
           const s = await Tether.invokeMethodAsync('Demo', 'PatternStream', 10 * 1024 * 1024);
           const reader = s.stream().getReader();
           const first = await reader.read();
           await reader.cancel();
           return { id: s._id, first: first.value.length, after: await rawRead(s._id) };""",
    )
    assert result["first"] == CHUNK
    assert result["after"] == f"rejected: There is no tracked object with id {result['id']}. It may have been disposed."
