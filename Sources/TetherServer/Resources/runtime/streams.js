// Streams. Swift pulls a JS stream one chunk at a time by calling read(); JS pulls a Swift
// stream the same way through its 'Read' method (SwiftStreamReference.swift). One chunk in
// flight is the backpressure.

import { MessageKind } from './protocol.js';

/** A Blob, buffer or ReadableStream that Swift reads through a JS stream reference. */
export class JSStreamSource {
  /** @param {Blob | ArrayBuffer | ArrayBufferView | ReadableStream<Uint8Array>} value
   * @throws {Error} for anything else */
  constructor(value) {
    if (value instanceof Blob) {
      this.blob = value;
      this.length = value.size;
    } else if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
      this.bytes = value instanceof ArrayBuffer
        ? new Uint8Array(value) : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
      this.length = this.bytes.byteLength;
    } else if (value && typeof value.getReader === 'function') {
      this.reader = value.getReader();
      this.length = null;
    } else {
      throw new Error('A stream reference needs a Blob, an ArrayBuffer, a typed array or a ReadableStream.');
    }
    this.offset = 0;
    this.pending = null;
    // From Swift's first read to the end (or a failed read): an upload under way, which a pause
    // would cut off.
    this.reading = false;
  }

  /** The next chunk of at most `max` bytes, or null at the end.
   * @param {number} max
   * @returns {Promise<Uint8Array | null>} */
  async read(max) {
    this.reading = true;
    try {
      const chunk = await this.next(max);
      if (chunk === null) this.reading = false;
      return chunk;
    } catch (err) {
      this.reading = false;
      throw err;
    }
  }

  async next(max) {
    max = Math.max(1, max | 0);
    if (this.blob) {
      if (this.offset >= this.blob.size) return null;
      const part = this.blob.slice(this.offset, this.offset + max);
      this.offset += part.size;
      return new Uint8Array(await part.arrayBuffer());
    }
    if (this.bytes) {
      if (this.offset >= this.bytes.byteLength) return null;
      const part = this.bytes.subarray(this.offset, this.offset + max);
      this.offset += part.byteLength;
      return part;
    }
    if (!this.pending || this.pending.byteLength === 0) {
      const { value, done } = await this.reader.read();
      if (done) return null;
      this.pending = value instanceof Uint8Array ? value : new Uint8Array(value);
    }
    const part = this.pending.subarray(0, max);
    this.pending = this.pending.subarray(part.byteLength);
    return part;
  }
}

/** A Swift stream handed to JS, read once, as a ReadableStream or as a whole; typed as
 * TetherSwiftStreamReference in tether.d.ts. */
export class SwiftStreamProxy {
  constructor(circuit, id, length) {
    this._circuit = circuit;
    this._id = id;
    this.length = length ?? null;
    this._used = false;
  }

  /** A ReadableStream of Uint8Array chunks, pulled from Swift as it is read.
   * @returns {ReadableStream<Uint8Array>}
   * @throws {Error} when the stream was already read */
  stream() {
    if (this._used) throw new Error('This Swift stream has already been read.');
    this._used = true;
    const circuit = this._circuit;
    const id = this._id;
    // Until it ends, the page is reading the stream even between chunks, so it is busy.
    circuit.openStreams++;
    let released = false;
    // Swift keeps the stream until told, whichever way the reading ends.
    const release = () => {
      if (released) return;
      released = true;
      circuit.openStreams--;
      circuit.post([MessageKind.releaseObject, id]);
    };
    return new ReadableStream({
      async pull(controller) {
        try {
          const chunk = await circuit.invokeSwift(id, 'Read', []);
          if (chunk === null || chunk === undefined) {
            controller.close();
            release();
          } else {
            controller.enqueue(chunk);
          }
        } catch (err) {
          controller.error(err);
          release();
        }
      },
      cancel: release,
    }, { highWaterMark: 1 });
  }

  /** All of the stream's bytes.
   * @returns {Promise<ArrayBuffer>} */
  async arrayBuffer() {
    return new Response(this.stream()).arrayBuffer();
  }
}
