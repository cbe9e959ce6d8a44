"""Byte arrays travel in binary WebSocket frames, never inside JSON.

Browser → server: each Uint8Array/ArrayBuffer argument or result goes ahead of its message as
binary frames `[segment id: uint32 LE][≤ 256 KB]`, named in the JSON as {"__tetherBytes": id}.
Server → browser: a [UInt8]/Data argument or result goes as a binary frame the same way.
Text frames stay under the circuit's 32 KB message limit.

Covers /js-objects #send-bytes (Swift → JS → Swift, 1 MB each way) and Demo.ReverseBytes /
Demo.ByteCount called from JS.
"""

import pytest

from conftest import wait_ready
from interop_support import MB, FrameRecorder, error_of, value_of

CHUNK = 256 * 1024
HEADER = 4
TEXT_LIMIT = 32 * 1024


@pytest.fixture
def recorded(server, page):
    """A page on /js-objects with every circuit frame recorded from the start."""
    recorder = FrameRecorder().attach(page)
    page.goto(server + "/js-objects")
    wait_ready(page)
    recorder.clear()
    return page, recorder


def assert_no_big_text(recorder: FrameRecorder) -> None:
    biggest = recorder.largest_text()
    assert biggest is None or biggest.size <= TEXT_LIMIT, (
        f"a text frame of {biggest.size} bytes exceeds {TEXT_LIMIT}: {biggest.text!r}…; {recorder.summary()}"
    )


def assert_sent_chunks_fit(recorder: FrameRecorder) -> None:
    too_big = [f.size for f in recorder.binary_frames("sent") if f.size > CHUNK + HEADER]
    assert not too_big, f"binary frames over {CHUNK} + {HEADER} bytes were sent: {too_big}"


# --------------------------------------------------------------------------- Swift → JS → Swift


def test_send_bytes_round_trip_in_binary_frames(recorded):
    page, recorder = recorded
    page.click("#send-bytes")
    page.wait_for_function("document.querySelector('#bytes-result').textContent !== ''", timeout=60_000)
    assert page.text_content("#bytes-result") == "js=Uint8Array length=1048576 back=1048576 match=true"

    # Swift sent the 1 MB array twice (labDescribeBytes, labReverseBytes); the browser sent the
    # reversed 1 MB back.
    received = recorder.binary_bytes("received")
    sent = recorder.binary_bytes("sent")
    assert received >= 2 * MB, f"only {received} bytes arrived in binary frames; {recorder.summary()}"
    assert sent >= MB, f"only {sent} bytes were sent in binary frames; {recorder.summary()}"
    assert len(recorder.binary_frames("sent")) >= 4, recorder.summary()
    assert_sent_chunks_fit(recorder)
    assert_no_big_text(recorder)


# --------------------------------------------------------------------------- JS → Swift


REVERSE_1MB = """
    const n = 1 << 20;
    const u8 = new Uint8Array(n);
    for (let i = 0; i < n; i++) u8[i] = (i * 7 + 3) % 256;
    const r = await Tether.invokeMethodAsync('Demo', 'ReverseBytes', u8);
    let mismatches = 0;
    for (let i = 0; i < n; i++) if (r[i] !== u8[n - 1 - i]) mismatches++;
    return {
        type: r.constructor.name, length: r.length, mismatches,
        samples: [0, 1, 2, 12345, 262143, 262144, 524288, n - 2, n - 1].map(i => [i, r[i]]),
        inputUntouched: u8[0] === 3 && u8[n - 1] === ((n - 1) * 7 + 3) % 256,
    };
"""


def test_reverse_bytes_1mb_from_js(recorded):
    page, recorder = recorded
    result = value_of(page, REVERSE_1MB, timeout_ms=60_000)
    n = 1 << 20
    assert result["type"] == "Uint8Array"
    assert result["length"] == n
    for i, value in result["samples"]:
        assert value == ((n - 1 - i) * 7 + 3) % 256, f"byte {i} of the result is {value}"
    assert result["mismatches"] == 0
    assert result["inputUntouched"] is True

    assert recorder.binary_bytes("sent") >= MB, recorder.summary()
    assert recorder.binary_bytes("received") >= MB, recorder.summary()
    assert_sent_chunks_fit(recorder)
    assert_no_big_text(recorder)


@pytest.mark.parametrize(
    "size, frames",
    [(CHUNK, [CHUNK + HEADER]), (CHUNK + 1, [CHUNK + HEADER, 1 + HEADER]), (3 * CHUNK - 5, [CHUNK + HEADER] * 2 + [CHUNK - 5 + HEADER])],
)
def test_argument_is_split_into_256kb_chunks(recorded, size, frames):
    page, recorder = recorded
    count = value_of(
        page,
        "return await Tether.invokeMethodAsync('Demo', 'ByteCount', new Uint8Array(arg).fill(9));",
        arg=size,
    )
    assert count == size
    assert [f.size for f in recorder.binary_frames("sent")] == frames, recorder.summary()


def test_empty_array_travels_as_one_header_only_frame(recorded):
    page, recorder = recorded
    assert value_of(page, "return await Tether.invokeMethodAsync('Demo', 'ByteCount', new Uint8Array(0));") == 0
    assert [f.size for f in recorder.binary_frames("sent")] == [HEADER], recorder.summary()
    assert value_of(page, """const r = await Tether.invokeMethodAsync('Demo', 'ReverseBytes', new Uint8Array(0));
                             return [r.constructor.name, r.length];""") == ["Uint8Array", 0]


def test_views_and_buffers_send_exactly_their_bytes(recorded):
    page, _ = recorded
    result = value_of(
        page,
        """const base = new Uint8Array(100).map((_, i) => i);
           const view = base.subarray(10, 20);                       // offset view into a bigger buffer
           const dv = new DataView(base.buffer, 50, 4);
           const i16 = new Int16Array([1, -1]);                        // little-endian bytes 01 00 ff ff
           return {
               view: Array.from(await Tether.invokeMethodAsync('Demo', 'ReverseBytes', view)),
               dataView: Array.from(await Tether.invokeMethodAsync('Demo', 'ReverseBytes', dv)),
               buffer: await Tether.invokeMethodAsync('Demo', 'ByteCount', base.buffer),
               int16: Array.from(await Tether.invokeMethodAsync('Demo', 'ReverseBytes', i16)),
           };""",
    )
    assert result == {
        "view": list(range(19, 9, -1)),
        "dataView": [53, 52, 51, 50],
        "buffer": 100,
        "int16": [255, 255, 0, 1],
    }


def test_concurrent_byte_calls_do_not_mix_their_segments(recorded):
    page, _ = recorded
    result = value_of(
        page,
        """const calls = Array.from({length: 8}, (_, k) =>
               Tether.invokeMethodAsync('Demo', 'ReverseBytes', new Uint8Array(300000 + k).fill(k)));
           const out = await Promise.all(calls);
           return out.map((r, k) => [r.length, r.every(b => b === k)]);""",
        timeout_ms=60_000,
    )
    assert result == [[300000 + k, True] for k in range(8)]


def test_oversized_text_message_is_refused_locally(recorded):
    page, recorder = recorded
    message = error_of(page, "return await Tether.invokeMethodAsync('Demo', 'Greet', 'x'.repeat(40000));")
    assert "over the circuit's 32768-byte message limit" in message, message
    assert "'Greet'" in message, message
    assert_no_big_text(recorder)
    # A name just under the limit still works, and the circuit is fine.
    name = "y" * 30_000
    assert value_of(page, "return await Tether.invokeMethodAsync('Demo', 'Greet', arg);", arg=name) == f"Hello, {name}!"


def test_bytes_of_refused_calls_do_not_fill_the_pending_limit(recorded):
    """The server holds at most 64 MB of byte segments no call has claimed yet. A call that is
    refused (unknown method, wrong arity, a parameter that is not bytes) must still free the
    segments its arguments brought, or a circuit that sends bytes to a failing call a few times
    can never send bytes again."""
    page, _ = recorded
    result = value_of(
        page,
        """const big = new Uint8Array(4 << 20);
           const errors = new Set();
           for (let i = 0; i < 17; i++) {                // 68 MB in total, over the 64 MB limit
               try { await Tether.invokeMethodAsync('Demo', 'Nope', big); } catch (e) { errors.add(e.message); }
           }
           let after;
           try { after = await Tether.invokeMethodAsync('Demo', 'ByteCount', new Uint8Array(10)); }
           catch (e) { after = 'rejected: ' + e.message; }
           return { errors: [...errors], after };""",
        timeout_ms=120_000,
    )
    assert result["errors"] == ["The module 'Demo' has no exposed method 'Nope'."]
    assert result["after"] == 10, f"bytes stopped working after refused calls: {result['after']!r}"


def test_bytes_nested_in_a_json_value_are_refused_not_dropped(recorded):
    """Demo.Echo takes a JSONValue, which cannot hold bytes: the call rejects, naming the
    argument and where bytes may go, rather than resolve with the field missing, and the
    segment it brought is freed (the circuit takes bytes again)."""
    page, _ = recorded
    message = error_of(
        page,
        "return await Tether.invokeMethodAsync('Demo', 'Echo', {name: 'n', b: new Uint8Array([1, 2, 3])});",
    )
    assert message.startswith("Argument 1 of 'Echo' in 'Demo' is not a valid JSONValue: "), message
    assert message.endswith("byte arrays arrive only in a [UInt8] or Data parameter, or a Data field"), message
    assert value_of(page, "return await Tether.invokeMethodAsync('Demo', 'ByteCount', new Uint8Array(7));") == 7


def test_bytes_nested_in_a_struct_travel_as_binary(recorded):
    """Demo.EchoBlob takes and returns a struct with a Data field: the bytes cross as binary
    segments both ways, nested inside the JSON."""
    page, recorder = recorded
    result = value_of(
        page,
        """const data = new Uint8Array(300000); for (let i = 0; i < data.length; i++) data[i] = (i * 7) % 256;
           const r = await Tether.invokeMethodAsync('Demo', 'EchoBlob', {name: 'blob', data});
           let same = r.data.length === data.length;
           for (let i = 0; same && i < data.length; i++) same = r.data[i] === data[i];
           return { name: r.name, type: r.data.constructor.name, length: r.data.length, same };""",
    )
    assert result == {"name": "blob", "type": "Uint8Array", "length": 300000, "same": True}
