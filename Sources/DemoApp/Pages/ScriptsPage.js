// The /scripts page's collocated module: it sits beside ScriptsPage.swift, is served at
// /_content/DemoApp/ScriptsPage.js, and the component imports it through the JS runtime.
let imports = 0;
imports += 1;

export function status() {
  return imports === 1 ? 'ran' : `ran (evaluated ${imports} times)`;
}

/** Adds a script element after start; scripts added this way run. */
export function injectScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = src;
    script.onload = () => resolve(true);
    script.onerror = () => reject(new Error(`could not load ${src}`));
    document.body.appendChild(script);
  });
}
