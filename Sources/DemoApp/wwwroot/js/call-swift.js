// Calls Swift from JS. Handlers are attached here, not inline, so the page works under a
// Content-Security-Policy of script-src 'self'.
document.addEventListener('click', async (e) => {
  if (e.target.closest('#return-array')) {
    const out = document.getElementById('array-result');
    try {
      const data = await Tether.invokeMethodAsync('Demo', 'ReturnArrayAsync');
      out.textContent = JSON.stringify(data);
    } catch (err) {
      out.textContent = 'error: ' + err.message;
    }
  }
});

// Receives a reference to a Swift HelloHelper and calls its instance method.
window.sayHello1 = (helper) => helper.invokeMethodAsync('SayHello');
