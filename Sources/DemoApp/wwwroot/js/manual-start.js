// Starts the runtime by hand, with options, on a static page.
const status = document.getElementById('status');
status.textContent = 'starting';
const queryAdded = [];
window.Tether.start({
  url: '/counter',
  logLevel: 'info',
  reconnectionOptions: { maxRetries: 3, retryIntervalMilliseconds: 200 },
  configureConnection: (url) => { url.searchParams.set('source', 'manual-start'); queryAdded.push(url.search); },
}).then(() => {
  status.textContent = 'connected';
  window.manualStartQuery = queryAdded[0];
}, (err) => {
  status.textContent = 'failed: ' + err.message;
});
