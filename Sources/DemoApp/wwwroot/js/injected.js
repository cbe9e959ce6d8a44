// Injected after start by the /scripts page's collocated module.
window.injectedScriptStatus = () => 'ran';
