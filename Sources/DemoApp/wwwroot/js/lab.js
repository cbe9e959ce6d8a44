// Globals the /js-objects page calls from Swift.
window.LabCounter = class {
  constructor(start) { this.value = start; }
  inc() { this.value += 1; return this.value; }
};

window.labFocus = (element) => { element.focus(); return document.activeElement === element; };

window.labDescribeBytes = (bytes) => {
  let sum = 0;
  for (const b of bytes) sum = (sum + b) % 1000003;
  return { type: bytes.constructor.name, length: bytes.length, sum };
};

window.labReverseBytes = (bytes) => bytes.slice().reverse();

// The /events page awaits this to show its "Loading…" state.
window.eventsDemoWait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
