// Byte arrays travel outside the JSON, in binary frames: [segment id, uint32 little-endian]
// [bytes], named in the JSON that uses them as {"__tetherBytes": id} (ByteSegments.swift).

import { Marker } from './protocol.js';

const SEGMENT_ID_BYTES = 4;

/** A JSON.stringify replacer's step that moves a byte array into binary frames, at most
 * `chunkBytes` of it per frame, and leaves its marker in the JSON. `counter.nextSegmentId`
 * numbers the arrays, so each sender keeps its own sequence. */
export function bytesToMarker(value, segments, counter, chunkBytes = 256 * 1024) {
  let bytes = null;
  if (value instanceof ArrayBuffer) bytes = new Uint8Array(value);
  else if (ArrayBuffer.isView(value)) bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (!bytes) return value;
  const id = (counter.nextSegmentId = (counter.nextSegmentId || 0) + 1);
  let offset = 0;
  do {
    const part = bytes.subarray(offset, offset + chunkBytes);
    const frame = new Uint8Array(SEGMENT_ID_BYTES + part.byteLength);
    new DataView(frame.buffer).setUint32(0, id, true);
    frame.set(part, SEGMENT_ID_BYTES);
    segments.push(frame);
    offset += chunkBytes;
  } while (offset < bytes.byteLength);
  return { [Marker.bytes]: id };
}

/** The segment id and bytes of a binary frame from the server, or null for a frame too short
 * to carry an id. */
export function readSegment(frame) {
  if (frame.byteLength < SEGMENT_ID_BYTES) return null;
  return { id: new DataView(frame).getUint32(0, true), bytes: new Uint8Array(frame, SEGMENT_ID_BYTES) };
}

/** A JSON.stringify replacer for checking that a value is JSON: byte arrays are fine, since they
 * travel as segments. */
export function withoutBytes(key, value) {
  return value instanceof ArrayBuffer || ArrayBuffer.isView(value) ? null : value;
}

const encoder = typeof TextEncoder === 'function' ? new TextEncoder() : null;

/** UTF-8 length of a string, counted without encoding it when it is plainly small. */
export function utf8Length(text) {
  if (text.length < 256 || !encoder) {
    let n = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x80) n += 1;
      else if (c < 0x800) n += 2;
      else if (c >= 0xd800 && c <= 0xdbff) { n += 4; i++; } else n += 3;
    }
    return n;
  }
  return encoder.encode(text).length;
}
