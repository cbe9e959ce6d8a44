// An ES module Swift imports with js.importModule("/js/objects-module.js") and calls through
// the handle it gets back. Top-level code runs once however often it is imported.
let loads = 0;
loads += 1;

export function greet(name) {
  return `Hello from a module, ${name}!`;
}

export function loadCount() {
  return loads;
}
