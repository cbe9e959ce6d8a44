// A JS initializer: the runtime finds every *.lib.module.js in the public folder and in library
// content, imports it before it starts, awaits beforeStart, and calls afterStarted once the first
// render is applied.

export async function beforeStart(options) {
  // Options may be changed here; this value travels to afterStarted through them.
  options.demoValue = 'configured in beforeStart';
}

export function afterStarted(tether) {
  const el = document.getElementById('initializer');
  if (el) el.textContent = `${tether.options.demoValue} started`;
  const script = document.createElement('script');
  // Beside this module, wherever the app mounted its public folder.
  script.src = new URL('js/initializer-injected.js', import.meta.url).href;
  document.body.appendChild(script);
}
