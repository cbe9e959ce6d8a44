// JS interop: the calls Swift makes into the page, the JS objects the page keeps for Swift, and
// the values that travel as markers (Swift objects, JS objects, streams, byte arrays, elements)
// turned back into live ones.

import { CallTarget, Marker, MessageKind, ObjectOperation, ResultMode } from './protocol.js';
import { withoutBytes } from './bytes.js';
import { JSStreamSource, SwiftStreamProxy } from './streams.js';

/** "a.b.c" is window.a.b.c, called with this = window.a.b.
 * @param {string} identifier a dotted path from `root`
 * @param {object} [root] where the path starts; `globalThis` (window) by default
 * @returns {{ fn: any, thisArg: unknown }} the function, and the object that holds it
 * @throws {Error} naming the segment that was missing, or the value that is not a function */
export function resolveFunction(identifier, root = globalThis) {
  if (typeof identifier !== 'string' || identifier.length === 0) {
    throw new Error('The function identifier must be a non-empty string.');
  }
  const parts = identifier.split('.');
  let owner = root;
  let value = root;
  let previous = null;
  for (const part of parts) {
    if (value === null && previous !== null) {
      throw new Error(`Could not find '${identifier}' ('${previous}' was null).`);
    }
    owner = value;
    value = owner == null ? undefined : owner[part];
    if (value === undefined) {
      throw new Error(`Could not find '${identifier}' ('${part}' was undefined).`);
    }
    previous = part;
  }
  if (typeof value !== 'function') {
    throw new Error(`The value '${identifier}' is not a function.`);
  }
  return { fn: value, thisArg: owner };
}

/** The object holding the last segment of `identifier`, for reading and assigning properties.
 * @param {string} identifier a dotted path from `root`
 * @param {object} [root] where the path starts; `globalThis` (window) by default
 * @returns {{ owner: any, key: string }}
 * @throws {Error} naming the segment that was missing */
export function resolveMember(identifier, root = globalThis) {
  if (typeof identifier !== 'string' || identifier.length === 0) {
    throw new Error('The property name must be a non-empty string.');
  }
  const parts = identifier.split('.');
  const key = parts.pop();
  let owner = root;
  for (const part of parts) {
    const next = owner == null ? undefined : owner[part];
    if (next === undefined || next === null) {
      throw new Error(`Could not find '${identifier}' ('${part}' was ${next === null ? 'null' : 'undefined'}).`);
    }
    owner = next;
  }
  if (owner == null) throw new Error(`Could not find '${identifier}'.`);
  return { owner, key };
}

/** A Swift object JS holds by reference (SwiftObjectReference on the Swift side); typed as
 * TetherSwiftObjectReference in tether.d.ts. */
class SwiftObjectProxy {
  constructor(circuit, id) {
    this._circuit = circuit;
    this._id = id;
  }
  /** Calls a method the object's Swift type exposes.
   * @param {string} method the name given to `expose` in its `exposeMethods`
   * @param {...unknown} args
   * @returns {Promise<unknown>} the method's result; rejects once the object is disposed */
  invokeMethodAsync(method, ...args) {
    if (this._disposed) return Promise.reject(new Error(`There is no tracked object with id ${this._id}. It may have been disposed.`));
    return this._circuit.invokeSwift(this._id, method, args);
  }
  /** Ends this page's access to the object, and tells Swift it may forget it. */
  dispose() {
    if (this._disposed) return;
    this._disposed = true;
    this._circuit.post([MessageKind.releaseObject, this._id]);
  }
  /** Passed back to Swift (an argument, a result, a field of either) it travels as its handle,
   * and Swift decodes it as the same SwiftObjectReference. */
  toJSON() { return { [Marker.swiftObject]: this._id }; }
}

/** Helpers Swift can call by identifier, such as "Tether.files.open" for a file input. */
export const files = Object.freeze({
  /** The `index`th file chosen in an <input type="file">, for reading as a stream.
   * @param {HTMLInputElement} input
   * @param {number} [index]
   * @returns {File} */
  open(input, index = 0) {
    if (!input || !input.files) throw new Error('Tether.files.open needs an <input type="file"> element.');
    const file = input.files[index];
    if (!file) throw new Error(`No file at index ${index} is selected.`);
    return file;
  },
  /** Name, size and type of each chosen file.
   * @param {HTMLInputElement} input
   * @returns {{ name: string, size: number, type: string, lastModified: number }[]} */
  list(input) {
    return [...(input && input.files ? input.files : [])]
      .map((f) => ({ name: f.name, size: f.size, type: f.type, lastModified: f.lastModified }));
  },
});

/** Built-ins Swift calls through an ElementReference (ElementCommands in Component.swift). An
 * element the reference names that is no longer in the page arrives as null. */
export const dom = Object.freeze({
  /** @param {HTMLElement | null} el @param {FocusOptions} [options] */
  focus(el, options) {
    if (!el) throw new Error('ElementReference.focus(): the element is no longer in the page.');
    el.focus(options);
  },
  /** @param {HTMLElement | null} el @param {ScrollIntoViewOptions} [options] */
  scrollIntoView(el, options) {
    if (!el) throw new Error('ElementReference.scrollIntoView(): the element is no longer in the page.');
    el.scrollIntoView(options);
  },
});

/** One page's side of interop: the JS objects Swift holds handles to, and the byte segments
 * that arrived ahead of the message that names them. */
export class JSInterop {
  constructor() {
    this.jsObjects = new Map();
    this.nextJSObjectId = 1;
    this.segments = new Map();
  }

  /** Keeps a JS object for Swift and returns its handle id.
   * @param {object} value an object or a function
   * @returns {number} */
  track(value) {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) {
      throw new Error('Only objects and functions can be held by reference.');
    }
    const id = this.nextJSObjectId++;
    this.jsObjects.set(id, value);
    return id;
  }

  /** @param {object} value @returns {{ __tetherJSObject: number }} the handle Swift decodes */
  createJSObjectReference(value) {
    return { [Marker.jsObject]: this.track(value) };
  }

  /** Whether Swift is part way through reading a JS stream. */
  get reading() {
    for (const value of this.jsObjects.values()) if (value instanceof JSStreamSource && value.reading) return true;
    return false;
  }

  /** Forgets the object a handle names; anything else is ignored.
   * @param {{ __tetherJSObject: number }} reference */
  disposeJSObjectReference(reference) {
    if (reference && typeof reference[Marker.jsObject] === 'number') this.jsObjects.delete(reference[Marker.jsObject]);
  }

  /** @param {Blob | ArrayBuffer | ArrayBufferView | ReadableStream<Uint8Array>} value
   * @returns {{ __tetherJSStream: number, length: number | null }} the handle Swift decodes */
  createJSStreamReference(value) {
    const source = new JSStreamSource(value);
    return { [Marker.jsStream]: this.track(source), length: source.length };
  }

  /** Answers a Swift→JS call (`c`) with its `done` message; a failure is the answer too. */
  async answer(circuit, id, identifier, args, mode, target, operation) {
    try {
      const base = target === CallTarget.window ? globalThis : this.jsObjects.get(target);
      if (base === undefined) {
        throw new Error(`There is no JS object with id ${target}: it was disposed or never existed.`);
      }
      const value = await this.perform(operation, identifier, base, this.revive(args, circuit));
      switch (mode) {
        case ResultMode.json: {
          const outcome = [MessageKind.callCompleted, id, true, value === undefined ? null : value];
          // Serialized here, so a value that is not JSON fails this call rather than the frame.
          JSON.stringify(outcome, withoutBytes);
          return outcome;
        }
        case ResultMode.void:
          return [MessageKind.callCompleted, id, true, null];
        case ResultMode.objectReference:
          return [MessageKind.callCompleted, id, true, this.createJSObjectReference(value)];
        case ResultMode.stream:
          return [MessageKind.callCompleted, id, true, this.createJSStreamReference(value)];
        default:
          throw new Error(`unknown result mode ${mode}`);
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return [MessageKind.callCompleted, id, false, { message, stack: err instanceof Error ? (err.stack || null) : null }];
    }
  }

  async perform(operation, identifier, base, args) {
    switch (operation) {
      case ObjectOperation.call: {
        const { fn, thisArg } = resolveFunction(identifier, base);
        return await fn.apply(thisArg, args);
      }
      case ObjectOperation.get: {
        const { owner, key } = resolveMember(identifier, base);
        const value = owner[key];
        // As Blazor's GetValueAsync: a missing or write-only property is an error, not null.
        if (value === undefined) throw new Error(`The property '${identifier}' is not defined or cannot be read.`);
        return value;
      }
      case ObjectOperation.set: {
        const { owner, key } = resolveMember(identifier, base);
        owner[key] = args[0];
        return null;
      }
      case ObjectOperation.construct: {
        const { fn } = resolveFunction(identifier, base);
        return new fn(...args);
      }
      case ObjectOperation.importModule:
        return await import(new URL(identifier, document.baseURI).href);
      default:
        throw new Error(`unknown operation ${operation}`);
    }
  }

  /** Turns wire markers back into live values: proxies for Swift objects and streams, the JS
   * objects and byte arrays they name, and elements of the circuit's root. */
  revive(value, circuit) {
    if (value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((v) => this.revive(v, circuit));
    if (typeof value[Marker.swiftObject] === 'number') return new SwiftObjectProxy(circuit, value[Marker.swiftObject]);
    if (typeof value[Marker.jsObject] === 'number') return this.jsObjects.get(value[Marker.jsObject]);
    if (typeof value[Marker.swiftStream] === 'number') return new SwiftStreamProxy(circuit, value[Marker.swiftStream], value.length);
    if (typeof value[Marker.bytes] === 'number') {
      const bytes = this.segments.get(value[Marker.bytes]);
      this.segments.delete(value[Marker.bytes]);
      return bytes;
    }
    if (typeof value[Marker.element] === 'string') {
      return circuit.root.querySelector(`[data-t-ref="${CSS.escape(value[Marker.element])}"]`);
    }
    const out = {};
    for (const k of Object.keys(value)) out[k] = this.revive(value[k], circuit);
    return out;
  }
}
