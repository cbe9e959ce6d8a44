// Type declarations for Tether's browser runtime, for pages and JS initializers written in
// TypeScript. They describe what tether.js builds: the `Tether` global (also tether.js's default
// export), its start options, the references it hands out and takes, the initializer hooks and
// the DOM events it dispatches.
//
// This file is not served: the server serves only the runtime's `.js` files (RuntimeAsset.swift).
// Copy it into your sources or list it in tsconfig.json's "files"; TypeScript then types
// `window.Tether`, and `import type { TetherStartOptions } from './tether'` names the types.
// Tests/js/typings.test.mjs checks that it declares exactly what the runtime has.

/** The runtime's log levels, least severe first; `none` prints nothing. */
export type TetherLogLevel = 'trace' | 'debug' | 'info' | 'warning' | 'error' | 'none';

/** Where the circuit's connection stands (`Tether.circuit.state`). */
export type TetherConnectionState =
  | 'idle'
  | 'connecting'
  | 'open'
  | 'leaving'
  | 'failed'
  | 'disconnected'
  | 'paused'
  | 'rejected'
  | 'ended';

/** How a dropped circuit is retried. */
export interface TetherReconnectionOptions {
  /** Attempts before giving up; 30 by default. A server restart announced with `bye` is retried
   * for two minutes whatever this says. */
  maxRetries?: number;
  /** Milliseconds before each attempt, or a function of the attempt number (1, 2, …); by default
   * 500 ms doubling up to 2000 ms. */
  retryIntervalMilliseconds?: number | ((attempt: number) => number);
}

/** Takes over reconnection from the runtime: no overlay shows and nothing retries on its own. */
export interface TetherReconnectionHandler {
  /** The socket dropped; `event` is its close event (`code`, `reason`). Call `Tether.reconnect()`
   * to try to resume. */
  onConnectionDown?(options: TetherReconnectionOptions, event: CloseEvent): void;
  /** The circuit is back. */
  onConnectionUp?(): void;
}

/** When a hidden page pauses its circuit, so the server saves it and frees its memory. */
export interface TetherAutoPauseOptions {
  /** Milliseconds a page stays hidden before it pauses; 120000 by default. */
  hiddenDelay?: number;
}

/** What `Tether.start(options)` takes, and what `beforeStart` of a JS initializer may change. */
export interface TetherStartOptions {
  /** The least severe level the runtime prints; 'warning' by default. */
  logLevel?: TetherLogLevel;
  /** The retry policy for a dropped circuit. */
  reconnectionOptions?: TetherReconnectionOptions;
  /** Your own reconnection UI instead of the runtime's overlay and retries. */
  reconnectionHandler?: TetherReconnectionHandler;
  /** Adjusts the circuit's WebSocket URL before each connection, for example to add query data
   * (browsers cannot add headers to a WebSocket). */
  configureConnection?(url: URL): void;
  /** The circuit endpoint's path; '/_tether/circuit' by default. */
  circuitPath?: string;
  /** A page to render into an empty `#tether-root` before connecting, for a static page that
   * starts the runtime itself. */
  url?: string;
  /** Pause a hidden page's circuit after a delay, or `false` never to. Read when the page is
   * hidden, so it may be changed after start. */
  autoPause?: false | TetherAutoPauseOptions;
  /** `false` skips loading the JS initializers (`*.lib.module.js`). */
  initializers?: boolean;
  /** Initializers may carry values of their own from `beforeStart` to `afterStarted`. */
  [option: string]: unknown;
}

/** The circuit: the page's one WebSocket to the server. */
export interface TetherCircuit {
  /** Where the connection stands; the runtime moves it, the page only reads it. */
  readonly state: TetherConnectionState;
  /** The circuit's id once the server has configured the socket, null before. The socket URL
   * names it (`?circuit=`), so a proxy can route every socket of the circuit to one server. */
  readonly circuitId: string | null;
}

/** A JavaScript object kept for Swift, made by `Tether.createJSObjectReference`: Swift receives it
 * as a `JSObjectReference`. The analog of what Blazor's `DotNet.createJSObjectReference` returns. */
export interface TetherJSObjectReference {
  readonly __tetherJSObject: number;
}

/** A Blob, buffer or ReadableStream wrapped by `Tether.createJSStreamReference`: Swift receives it
 * as a `JSStreamReference` and reads it chunk by chunk. */
export interface TetherJSStreamReference {
  readonly __tetherJSStream: number;
  /** The size in bytes, or null for a ReadableStream, whose size is not known up front. */
  readonly length: number | null;
}

/** What `Tether.createJSStreamReference` accepts. */
export type TetherStreamSource = Blob | ArrayBuffer | ArrayBufferView | ReadableStream<Uint8Array>;

/** A Swift object handed to JavaScript (a `SwiftObjectReference` in Swift), the analog of
 * Blazor's `DotNetObjectReference` in JS. Pass it back to Swift as an argument, a result or a
 * field of one, and Swift receives the same object. */
export interface TetherSwiftObjectReference {
  /** Calls one of the methods the object's type exposes (`exposeMethods` in Swift). */
  invokeMethodAsync<T = unknown>(methodName: string, ...args: unknown[]): Promise<T>;
  /** Ends JavaScript's access to the object; later calls reject. */
  dispose(): void;
}

/** A stream of bytes from Swift (a `SwiftStreamReference` in Swift), the analog of Blazor's
 * `DotNetStreamReference` in JS. It can be read once. */
export interface TetherSwiftStreamReference {
  /** The size in bytes when Swift knows it, else null. */
  readonly length: number | null;
  /** The bytes as a ReadableStream of Uint8Array chunks, pulled from Swift as they are read. */
  stream(): ReadableStream<Uint8Array>;
  /** All of the bytes. */
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** A file chosen in an `<input type="file">`, as `Tether.files.list` describes it. */
export interface TetherFileInfo {
  name: string;
  size: number;
  type: string;
  lastModified: number;
}

/** Helpers Swift calls by identifier: `js.invoke("Tether.files.open", input, 0)` reads an upload
 * as a `JSStreamReference`. */
export interface TetherFiles {
  /** The `index`th file chosen in an `<input type="file">`. */
  open(input: HTMLInputElement, index?: number): File;
  /** Name, size, type and modification time of each chosen file. */
  list(input: HTMLInputElement): TetherFileInfo[];
}

/** The built-ins `ElementReference.focus()` and `scrollIntoView()` call from Swift. An element
 * that is no longer in the page arrives as null, and the call throws. */
export interface TetherDOM {
  focus(element: HTMLElement | null, options?: FocusOptions): void;
  scrollIntoView(element: HTMLElement | null, options?: ScrollIntoViewOptions): void;
}

/** Options of `Tether.navigateTo`. */
export interface TetherNavigationOptions {
  /** Replace the current history entry instead of adding one. */
  replace?: boolean;
}

/** The `Tether` global. */
export interface TetherRuntime {
  /** Resolves once the circuit is connected and the first render applied. */
  readonly ready: Promise<TetherRuntime>;
  /** Where the page's components run: 'server' for this runtime, which drives a circuit. On a
   * WebAssembly page, and on an auto page that runs its stored module, `Tether` is wasm.js's
   * runtime, a `TetherWasmRuntime`, and says 'webAssembly'. */
  readonly renderMode: 'server' | 'webAssembly';
  /** The circuit, once started; null before. */
  readonly circuit: TetherCircuit | null;
  /** The options the runtime started with, after the initializers' `beforeStart`. */
  readonly options: TetherStartOptions | undefined;
  /** Helpers for file inputs that Swift calls by identifier. */
  readonly files: TetherFiles;
  /** Focus and scrolling for Swift's `ElementReference`. */
  readonly dom: TetherDOM;
  /** The JavaScript objects Swift holds handles to, by id. */
  readonly jsObjects: Map<number, unknown>;
  /** Starts the runtime: automatic unless the script tag has `autostart="false"`. Resolves as
   * `ready` does, or with undefined when the page has no `#tether-root`. */
  start(options?: TetherStartOptions): Promise<TetherRuntime | undefined>;
  /** Calls an exposed Swift method: `Tether.invokeMethodAsync('Demo', 'Add', 2, 3)`. Rejects with
   * the server's message when the module, the method or an argument is wrong, or the method threw. */
  invokeMethodAsync<T = unknown>(moduleName: string, methodName: string, ...args: unknown[]): Promise<T>;
  /** Wraps bytes for Swift to read as a stream. */
  createJSStreamReference(value: TetherStreamSource): TetherJSStreamReference;
  /** Keeps an object (or function) for Swift, which receives a `JSObjectReference` to it. */
  createJSObjectReference(value: object): TetherJSObjectReference;
  /** Forgets a reference made by `createJSObjectReference`; Swift's calls on it then fail. */
  disposeJSObjectReference(reference: TetherJSObjectReference): void;
  /** Navigates inside the circuit, as a link click does. */
  navigateTo(url: string, options?: TetherNavigationOptions): void;
  /** Tries once to resume the circuit now; resolves true when it is back. */
  reconnect(): Promise<boolean>;
  /** Asks the server to save the circuit and free it; resolves true once paused. */
  pause(): Promise<boolean>;
  /** Brings back a paused or disconnected circuit; resolves true when it is back. */
  resume(): Promise<boolean>;
  /** Closes the circuit's socket; the server keeps the circuit for `Tether.reconnect()`. */
  disconnect(): void;
  /** Delays every circuit frame by `ms` milliseconds each way, in order, to feel the app as a
   * distant user would. Throws a TypeError unless 0 ≤ ms ≤ 60000. Holds until reload or
   * `disableLatencySim()`. */
  enableLatencySim(ms: number): void;
  /** Ends the latency simulator; frames it already holds still go, in order. */
  disableLatencySim(): void;
}

/** `Tether` on a WebAssembly page, and on an auto page that runs its stored module (wasm.js's
 * runtime): the page's components run in the browser, so there is no circuit, and the module's
 * exposed Swift methods can be called synchronously. The global is declared as `TetherRuntime`, the
 * server's; a script for such a page reads it as this type:
 * `const tether = window.Tether as unknown as TetherWasmRuntime`. */
export interface TetherWasmRuntime {
  /** Resolves once the module has mounted the page and its first render is applied; rejects when
   * the module cannot load or start. */
  readonly ready: Promise<TetherWasmRuntime>;
  readonly renderMode: 'webAssembly';
  /** The module's host on this page once started, null before; for diagnostics only. */
  readonly page: object | null;
  /** Helpers for file inputs that Swift calls by identifier. */
  readonly files: TetherFiles;
  /** Focus and scrolling for Swift's `ElementReference`. */
  readonly dom: TetherDOM;
  /** Loads the module and starts the page in `root`. wasm.js does this itself from its script
   * tag; auto.js calls it with the module it stored. Resolves as `ready` does. */
  start(root: Element, module: string | Response | BufferSource | WebAssembly.Module, options?: { logLevel?: TetherLogLevel }): Promise<TetherWasmRuntime>;
  /** Calls a Swift method the module exposes, synchronously: `tether.invokeMethod('Demo', 'Add', 2, 3)`.
   * Throws with the method's message, or why it could not be called. */
  invokeMethod<T = unknown>(moduleName: string, methodName: string, ...args: unknown[]): T;
  /** `invokeMethod` as a Promise, for code written for both render modes. */
  invokeMethodAsync<T = unknown>(moduleName: string, methodName: string, ...args: unknown[]): Promise<T>;
}

/** The exports of a JS initializer, a `*.lib.module.js` file the runtime imports before it starts. */
export interface TetherInitializer {
  /** Awaited before the circuit connects; may change the options. */
  beforeStart?(options: TetherStartOptions): void | Promise<void>;
  /** Runs after the first render. */
  afterStarted?(tether: TetherRuntime): void | Promise<void>;
}

/** The detail of a `tether:reconnect-*` event: the attempt under way, when there is one. */
export interface TetherReconnectDetail {
  attempt?: number;
  maxRetries?: number;
  /** Why the server went away, for a restart it announced. */
  reason?: string;
  /** The close code and reason, when a final close hid the overlay. */
  code?: number;
}

declare global {
  interface Window {
    Tether: TetherRuntime;
  }
  var Tether: TetherRuntime;

  /** The events the runtime dispatches on `document`. */
  interface DocumentEventMap {
    'tether:reconnect-show': CustomEvent<TetherReconnectDetail>;
    'tether:reconnect-retrying': CustomEvent<TetherReconnectDetail>;
    'tether:reconnect-resuming': CustomEvent<TetherReconnectDetail>;
    'tether:reconnect-hide': CustomEvent<TetherReconnectDetail>;
    'tether:reconnect-failed': CustomEvent<TetherReconnectDetail>;
    'tether:reconnect-rejected': CustomEvent<TetherReconnectDetail>;
    'tether:paused': CustomEvent<null>;
    'tether:resumed': CustomEvent<null>;
  }
}

declare const Tether: TetherRuntime;
export default Tether;
