// The bar that tells the user the page stopped working and offers a reload: a circuit that
// ended (reconnect.js) and a WebAssembly module that stopped (wasm.js) both show it.

/** Shows `message` in #tether-error-ui, with a link that reloads the page. */
export function showErrorBar(message) {
  let bar = document.getElementById('tether-error-ui');
  if (!bar) {
    bar = document.createElement('div');
    bar.id = 'tether-error-ui';
    bar.setAttribute('role', 'alert');
    document.body.appendChild(bar);
  }
  bar.textContent = '';
  bar.append(message || 'An error has occurred. ');
  const reload = document.createElement('a');
  reload.href = '';
  reload.textContent = 'Reload';
  bar.append(' ', reload);
  bar.style.display = 'block';
}
