// The wire vocabulary of the browser runtime, in one place: no other module spells a message
// kind, an edit code, a call mode, an operation, a marker key, an event name, a close code or a
// behaviour attribute, command or effect.
// Each table mirrors the Swift enum of the same name in Sources/TetherProtocol (EventNames:
// DOMEventName), name for name and value for value.
//
// Format rule: every entry stays on a line of its own, in the form `name: value,` (an event
// name: `'value',`), with no comment on the same line, because a Swift test parses this file
// with a regular expression and compares each table with its enum.

/** The first element of every message; the fields of each are tabled on WireCodec. */
export const MessageKind = Object.freeze({
  start: 'start',
  resume: 'resume',
  end: 'end',
  event: 'ev',
  callCompleted: 'done',
  invoke: 'inv',
  acknowledge: 'ack',
  releaseObject: 'rel',
  navigate: 'nav',
  pause: 'pause',
  drained: 'drained',
  render: 'r',
  call: 'c',
  invocationResult: 'res',
  protocolError: 'err',
  navigateTo: 'go',
  disposeJSObject: 'djs',
  fatal: 'fatal',
  rejected: 'rejected',
  shutdown: 'bye',
  configure: 'cfg',
  drain: 'drain',
  eventHandled: 'evd',
});

/** The first element of each edit in a render batch (TreeDiff). */
export const EditCode = Object.freeze({
  replaceNode: 0,
  insertNode: 1,
  removeNode: 2,
  setText: 3,
  setAttribute: 4,
  removeAttribute: 5,
  moveChild: 6,
  replaceChildren: 7,
});

/** What a Swift→JS call wants back. */
export const ResultMode = Object.freeze({
  json: 0,
  void: 1,
  objectReference: 2,
  stream: 3,
});

/** What a Swift→JS call does with its identifier. */
export const ObjectOperation = Object.freeze({
  call: 0,
  get: 1,
  set: 2,
  construct: 3,
  importModule: 4,
});

/** The object a Swift→JS call starts from: 0 is the global scope, any other number a JS object
 * the page holds for Swift. Swift has no enum for it: the `c` message's target defaults to 0. */
export const CallTarget = Object.freeze({
  window: 0,
});

/** The keys of the JSON objects that stand for something JSON cannot carry. */
export const Marker = Object.freeze({
  swiftObject: '__tetherObject',
  jsObject: '__tetherJSObject',
  bytes: '__tetherBytes',
  swiftStream: '__tetherStream',
  jsStream: '__tetherJSStream',
  element: '__tetherElement',
});

/** The DOM events a component can handle. */
export const EventNames = Object.freeze([
  'click',
  'dblclick',
  'input',
  'change',
  'submit',
  'keydown',
  'keyup',
  'focus',
  'blur',
  'mousedown',
  'mouseup',
  'mousemove',
  'mouseover',
  'mouseout',
  'pointerdown',
  'pointerup',
  'pointermove',
  'contextmenu',
  'scroll',
]);

/** The code the server closes a circuit socket with, which decides what the page does next
 * (closeDisposition in circuit.js). */
export const CloseCode = Object.freeze({
  normal: 1000,
  goingAway: 1001,
  invalidData: 1007,
  policy: 1008,
  tooBig: 1009,
  serviceRestart: 1012,
  fatal: 4000,
  rejected: 4001,
  replaced: 4002,
  handshakeTimeout: 4003,
  descriptorRefused: 4004,
  protocolError: 4005,
  paused: 4006,
  unauthorized: 4007,
});

/** The attributes the renderer writes for what the runtime does on its own (the table of their
 * JSON is on BehaviourAttribute in ClientBehaviour.swift). */
export const BehaviourAttribute = Object.freeze({
  clientCommandsPrefix: 'data-t-js-',
  loading: 'data-t-loading',
  offline: 'data-t-offline',
  dirty: 'data-t-dirty',
});

/** The client commands (commands.js), each `[name, …arguments]`. */
export const ClientCommandName = Object.freeze({
  show: 'show',
  hide: 'hide',
  toggle: 'toggle',
  addClass: 'addClass',
  removeClass: 'removeClass',
  toggleClass: 'toggleClass',
  setAttribute: 'setAttribute',
  removeAttribute: 'removeAttribute',
  dispatch: 'dispatch',
  focus: 'focus',
});

/** What an element does while a loading, offline or dirty state holds (states.js). */
export const StateEffectKind = Object.freeze({
  addClass: 'class',
  setAttribute: 'attr',
  show: 'show',
  hide: 'hide',
});

/** The class on document.documentElement that says where the circuit stands. */
export const ConnectionClass = Object.freeze({
  connected: 'tether-connected',
  disconnected: 'tether-disconnected',
});

// --- WebAssembly render mode (wasm.js): the ABI between the runtime and a wasm page's module.

/** The status every call into the module returns (tether_start, tether_dispatch, tether_invoke). */
export const WasmStatus = Object.freeze({
  ok: 0,
  notFound: 1,
  badArguments: 2,
  failed: 3,
});

/** What the result slot of a synchronous JS call holds, as `result_kind` reports it. */
export const WasmResultKind = Object.freeze({
  json: 0,
  bytes: 1,
  error: 2,
});

/** The levels of the module's `log` import. */
export const WasmLogLevel = Object.freeze({
  debug: 0,
  info: 1,
  warning: 2,
  error: 3,
});

/** The names the module exports. */
export const WasmExport = Object.freeze({
  memory: 'memory',
  alloc: 'tether_alloc',
  free: 'tether_free',
  start: 'tether_start',
  dispatch: 'tether_dispatch',
  invoke: 'tether_invoke',
});

/** The functions the runtime gives the module, under the import module `WasmImportModule.tether`. */
export const WasmImport = Object.freeze({
  applyEdits: 'apply_edits',
  returnValue: 'return_value',
  log: 'log',
  invokeJS: 'invoke_js',
  invokeJSBytes: 'invoke_js_bytes',
  takeResult: 'take_result',
  resultKind: 'result_kind',
  setHead: 'set_head',
});

/** The import modules the module may name. */
export const WasmImportModule = Object.freeze({
  tether: 'tether',
  wasi: 'wasi_snapshot_preview1',
});

/** The attributes of a wasm page: the module URL on the bootstrap script tag (wasm.js's, or an
 * auto page's auto.js's, which also names the module's current version), and the mark on the
 * render root of a page whose module stopped. */
export const WasmAttribute = Object.freeze({
  module: 'data-tether-wasm',
  moduleVersion: 'data-tether-wasm-version',
  broken: 'data-tether-broken',
});

/** The query parameters of the module's URL: `version` asks for one version of it, which the
 * server answers with that version or 404, never a newer build. */
export const WasmQuery = Object.freeze({
  version: 'v',
});
