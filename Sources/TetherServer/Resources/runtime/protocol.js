// The wire vocabulary of the browser runtime, in one place: no other module spells a message
// kind, an edit code, a call mode, an operation, a marker key, an event name or a close code.
// The server's side of each table is named above it, and the values must match it exactly.
//
// Format rule: every entry stays on a line of its own, in the form `name: value,` (an event
// name: `'value',`), with no comment on the same line, because a Swift test parses this file
// with a regular expression and compares each table with the Swift enum it mirrors.

/** The first element of every message. Sources/TetherInterop/Wire/WireCodec.swift
 * (InboundMessage and OutboundMessage in WireMessage.swift). */
export const MessageKind = Object.freeze({
  start: 'start',
  resume: 'resume',
  end: 'end',
  event: 'ev',
  callCompleted: 'done',
  invoke: 'inv',
  ack: 'ack',
  releaseObject: 'rel',
  navigate: 'nav',
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
});

/** The first element of each edit in a render batch. Sources/TetherUI/Rendering/TreeDiff.swift
 * (and Circuit.swift, which sends replaceChildren when a prerender differs from the live page). */
export const EditCode = Object.freeze({
  replace: 0,
  insert: 1,
  remove: 2,
  setText: 3,
  setAttribute: 4,
  removeAttribute: 5,
  move: 6,
  replaceChildren: 7,
});

/** What a Swift→JS call wants back. JSResultMode in Sources/TetherInterop/Wire/WireMessage.swift. */
export const ResultMode = Object.freeze({
  json: 0,
  void: 1,
  objectReference: 2,
  stream: 3,
});

/** What a Swift→JS call does with its identifier. JSOperation in WireMessage.swift. */
export const ObjectOperation = Object.freeze({
  call: 0,
  get: 1,
  set: 2,
  construct: 3,
  importModule: 4,
});

/** The object a Swift→JS call starts from: 0 is the global scope, any other number a JS object
 * the page holds for Swift. OutboundMessage.call in WireMessage.swift. */
export const CallTarget = Object.freeze({
  window: 0,
});

/** The keys of the JSON objects that stand for something JSON cannot carry. The Swift side
 * spells each as a CodingKey: SwiftObjectRegistry.swift, JSObjectReference.swift,
 * SwiftStreamReference.swift, JSStreamReference.swift, ByteSegments.swift, Component.swift. */
export const Marker = Object.freeze({
  objectID: '__tetherObject',
  jsObject: '__tetherJSObject',
  stream: '__tetherStream',
  jsStream: '__tetherJSStream',
  bytes: '__tetherBytes',
  element: '__tetherElement',
});

/** The DOM events a component can handle. DOMEvent.supported in
 * Sources/TetherUI/Components/Events.swift. */
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
]);

/** The code the server closes a circuit socket with, which decides what the page does next
 * (closeDisposition in circuit.js). CircuitClose.Code in
 * Sources/TetherServer/Circuits/CircuitClose.swift, where 4005 is named protocolError. */
export const CloseCode = Object.freeze({
  normal: 1000,
  goingAway: 1001,
  invalidData: 1007,
  policy: 1008,
  tooBig: 1009,
  fatal: 4000,
  rejected: 4001,
  replaced: 4002,
  handshakeTimeout: 4003,
  descriptorRefused: 4004,
  protocol: 4005,
});
