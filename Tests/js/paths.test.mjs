// tetherPath puts the runtime's requests under the path the app mounted Tether at, read from
// #tether-root's data-tether-base, and leaves them at the site root without one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tetherPath } from '../../Sources/TetherServer/Resources/runtime/paths.js';

function withRoot(dataset, body) {
  const saved = globalThis.document;
  globalThis.document = { getElementById: (id) => (id === 'tether-root' && dataset ? { dataset } : null) };
  try { body(); } finally { globalThis.document = saved; }
}

test('under a mount path, every endpoint is under it', () => {
  withRoot({ tetherBase: '/app' }, () => {
    assert.equal(tetherPath('/_tether/circuit'), '/app/_tether/circuit');
    assert.equal(tetherPath('/_tether/initializers'), '/app/_tether/initializers');
  });
});

test('at the site root, or with no root element or no document, paths are unchanged', () => {
  withRoot({}, () => assert.equal(tetherPath('/_tether/circuit'), '/_tether/circuit'));
  withRoot(null, () => assert.equal(tetherPath('/_tether/prerender'), '/_tether/prerender'));
  assert.equal(globalThis.document, undefined);
  assert.equal(tetherPath('/_tether/circuit'), '/_tether/circuit');
});
