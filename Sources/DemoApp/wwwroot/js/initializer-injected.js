// Injected by the demo initializer's afterStarted: a script added after start runs.
document.documentElement.dataset.initializerScript = 'ran';
