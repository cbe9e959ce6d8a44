// An external script file, loaded by a <script src> tag at the end of <body>.
(() => {
  const mark = () => { const el = document.getElementById('external-script'); if (el) el.textContent = 'ran'; };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', mark); else mark();
})();
