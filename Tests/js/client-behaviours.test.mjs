// Client commands (commands.js), the effects the patcher keeps (client-effects.js, dom-edits.js),
// the loading, offline and dirty states (states.js) and the latency simulator (latency.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClientCommandRunner, commandProblem, parseClientCommands } from '../../Sources/TetherServer/Resources/runtime/commands.js';
import { applyEdits } from '../../Sources/TetherServer/Resources/runtime/dom-edits.js';
import { PageStates, isDirty, markConnection } from '../../Sources/TetherServer/Resources/runtime/states.js';
import { LatencyQueue, checkLatency } from '../../Sources/TetherServer/Resources/runtime/latency.js';
import { setup } from './support/fake-dom.mjs';
import { settle, started, fakeClock } from './support/circuit-page.mjs';

function page(t, html) {
  const s = setup(html);
  t.after(s.restore);
  return s;
}

/** A Logger that keeps what it is told, by level. */
function recordingLog() {
  const log = { errors: [], warnings: [] };
  log.error = (...a) => log.errors.push(a.join(' '));
  log.warning = (...a) => log.warnings.push(a.join(' '));
  log.info = () => {};
  log.debug = () => {};
  return log;
}

/** Runs a `data-t-js-click` list on `origin` as the event delegation does. */
function click(runner, origin) {
  const list = runner.read(origin, 'click');
  if (list) runner.run(list, origin, 'click');
  return list;
}

/** Timers that fire only when told, for delays. */
function manualTimers() {
  const timers = { pending: new Map(), next: 1 };
  timers.setTimeout = (fn, ms) => { const id = timers.next++; timers.pending.set(id, { fn, ms }); return id; };
  timers.clearTimeout = (id) => timers.pending.delete(id);
  timers.fireAll = () => { const due = [...timers.pending.values()]; timers.pending.clear(); for (const { fn } of due) fn(); };
  return timers;
}

// --- client commands -------------------------------------------------------------------------

test('a command list reads its flags and commands; a list that is not one says why', () => {
  assert.deepEqual(parseClientCommands('["pd;sp",["toggle","#menu"]]'),
    { preventDefault: true, stopPropagation: true, commands: [['toggle', '#menu']] });
  assert.deepEqual(parseClientCommands('["",["focus",""]]').preventDefault, false);
  assert.throws(() => parseClientCommands('{oops'), /is not JSON/);
  assert.throws(() => parseClientCommands('[["toggle","#menu"]]'), /is not \[flags, command, …\]/);
});

test('each command is checked: unknown names, wrong arguments, inline handlers and Tether attributes', () => {
  assert.equal(commandProblem(['toggle', '#m']), null);
  assert.equal(commandProblem(['dispatch', 'x', { any: 1 }, '']), null);
  assert.match(commandProblem(['explode', '#m']), /^'explode' is not a client command \(known: show, hide, toggle/);
  assert.match(commandProblem(['addClass', '#m']), /'addClass' takes 2 argument\(s\) of another shape, got \["#m"\]/);
  assert.match(commandProblem(['addClass', 3, '#m']), /of another shape/);
  assert.match(commandProblem(['setAttribute', 'onclick', 'alert(1)', '']), /refuses the inline handler 'onclick'/);
  assert.match(commandProblem(['removeAttribute', 'data-t-click', '']), /refuses Tether's own 'data-t-click'/);
  assert.equal(commandProblem('toggle'), 'is not [name, …arguments]');
});

test('toggle, show and hide work on what the selector names, or on the element itself', (t) => {
  const { doc, root } = page(t, '<button data-t-js-click=\'["",["toggle","#menu"],["hide",""]]\'>m</button><ul id="menu" hidden></ul>');
  const runner = new ClientCommandRunner(recordingLog(), doc);
  const [button, menu] = root.childNodes;
  click(runner, button);
  assert.equal(menu.hasAttribute('hidden'), false, 'shown: hidden removed');
  assert.equal(menu.style.display, '');
  assert.equal(button.style.display, 'none', 'an empty selector is the element itself');
  click(runner, button);
  assert.equal(menu.style.display, 'none', 'toggled back');
});

test('class, attribute, focus and dispatch commands, chained, run in order', (t) => {
  const { doc, root } = page(t, '<a class="x">go</a><div id="panel" class="a"></div><input id="search">');
  const [link, panel, search] = root.childNodes;
  link.setAttribute('data-t-js-click', JSON.stringify(['', ['addClass', 'open wide', '#panel'], ['removeClass', 'a', '#panel'],
    ['toggleClass', 'x', ''], ['setAttribute', 'aria-expanded', 'true', '#panel'], ['removeAttribute', 'class', '#search'],
    ['focus', '#search'], ['dispatch', 'panel:open', { by: 'link' }, '#panel']]));
  const runner = new ClientCommandRunner(recordingLog(), doc);
  click(runner, link);
  assert.equal(panel.getAttribute('class'), 'open wide');
  assert.equal(link.getAttribute('class'), '', 'toggled off');
  assert.equal(panel.getAttribute('aria-expanded'), 'true');
  assert.equal(doc.activeElement, search);
  assert.equal(panel.dispatched.length, 1);
  assert.equal(panel.dispatched[0].type, 'panel:open');
  assert.deepEqual(panel.dispatched[0].detail, { by: 'link' });
  assert.equal(panel.dispatched[0].bubbles, true);
});

test('a bad command is reported precisely and skipped; the rest of the list still runs', (t) => {
  const { doc, root } = page(t, '<button id="b"></button><p id="p"></p>');
  const button = root.firstChild;
  button.setAttribute('data-t-js-click', JSON.stringify(['', ['explode', '#p'], ['addClass', 'done', '#p'], ['hide', '#(bad']]));
  const log = recordingLog();
  const runner = new ClientCommandRunner(log, doc);
  assert.doesNotThrow(() => click(runner, button));
  assert.equal(root.childNodes[1].getAttribute('class'), 'done');
  assert.equal(log.errors.length, 2);
  assert.match(log.errors[0], /^client command 1 on button#b for 'click': 'explode' is not a client command .*; skipped$/);
  assert.match(log.errors[1], /^client command 3 on button#b for 'click': '#\(bad' is not a valid CSS selector$/);
});

test('an unreadable list is reported once per element and event, and nothing runs', (t) => {
  const { doc, root } = page(t, '<button id="b" data-t-js-click="nope"></button>');
  const log = recordingLog();
  const runner = new ClientCommandRunner(log, doc);
  assert.equal(click(runner, root.firstChild), null);
  assert.match(log.errors[0], /^client commands on button#b \(data-t-js-click\) is not JSON/);
});

test('commands that dispatch the event that runs them stop at a depth, with an error', (t) => {
  const { doc, root } = page(t, '<button id="loop"></button>');
  const button = root.firstChild;
  button.setAttribute('data-t-js-ping', JSON.stringify(['', ['dispatch', 'ping', null, '']]));
  const log = recordingLog();
  const runner = new ClientCommandRunner(log, doc);
  button.addEventListener('ping', () => { const l = runner.read(button, 'ping'); runner.run(l, button, 'ping'); });
  runner.run(runner.read(button, 'ping'), button, 'ping');
  assert.equal(button.dispatched.length, 8);
  assert.match(log.errors[0], /dispatched events 8 deep; stopped to break the loop/);
});

// --- the patcher keeps what commands did ------------------------------------------------------

test('classes a command added survive the server rewriting class; classes it removed do not come back', (t) => {
  const { doc, root } = page(t, '<nav id="n" class="server"></nav>');
  const runner = new ClientCommandRunner(recordingLog(), doc);
  const nav = root.firstChild;
  nav.setAttribute('data-t-js-click', JSON.stringify(['', ['addClass', 'open', ''], ['addClass', 'temp', '']]));
  click(runner, nav);
  nav.setAttribute('data-t-js-click', JSON.stringify(['', ['removeClass', 'temp', '']]));
  click(runner, nav);
  assert.equal(nav.getAttribute('class'), 'server open');
  applyEdits(root, [[4, [0], 'class', 'server active']]);
  assert.equal(nav.getAttribute('class'), 'server active open', "the server's classes, and the one the page added");
  applyEdits(root, [[5, [0], 'class']]);
  assert.equal(nav.getAttribute('class'), 'open');
});

test('a shown or hidden element keeps its display when the server renders its other attributes, or its style', (t) => {
  const { doc, root } = page(t, '<div id="menu" style="color: red" title="a"></div>');
  const runner = new ClientCommandRunner(recordingLog(), doc);
  const menu = root.firstChild;
  runner.run({ commands: [['hide', '#menu']] }, menu, 'click');
  applyEdits(root, [[4, [0], 'title', 'b']]);
  assert.equal(menu.style.display, 'none', 'an attribute the server owns is no reason to show it');
  menu.style = {}; // the browser parses a new style attribute into a fresh declaration
  applyEdits(root, [[4, [0], 'style', 'color: blue']]);
  assert.equal(menu.style.display, 'none', 'put back after the server set style');
});

// --- loading, offline and dirty states ----------------------------------------------------------

test('loading: after its delay, an element whose event is in flight takes its effects until evd', (t) => {
  const { doc, root } = page(t, '<button id="inc" data-t-loading=\'[[200,"",["class","busy"],["attr","aria-busy","true"]]]\'>+</button>');
  const timers = manualTimers();
  const states = new PageStates(root, recordingLog(), { doc, timers });
  const button = root.firstChild;
  states.eventSent(1, button);
  assert.equal(button.getAttribute('class'), null, 'not before the delay');
  assert.deepEqual([...timers.pending.values()].map((x) => x.ms), [200]);
  timers.fireAll();
  assert.equal(button.getAttribute('class'), 'busy');
  assert.equal(button.getAttribute('aria-busy'), 'true');
  applyEdits(root, [[4, [0], 'class', 'primary']]);
  assert.equal(button.getAttribute('class'), 'primary busy', 'a render while loading keeps the loading class');
  states.eventHandled(1);
  assert.equal(button.getAttribute('class'), 'primary');
  assert.equal(button.hasAttribute('aria-busy'), false);
});

test('loading: an event handled before the delay never shows the state', (t) => {
  const { doc, root } = page(t, '<button data-t-loading=\'[[200,"",["class","busy"]]]\'></button>');
  const timers = manualTimers();
  const states = new PageStates(root, recordingLog(), { doc, timers });
  states.eventSent(1, root.firstChild);
  states.eventHandled(1);
  assert.equal(timers.pending.size, 0, 'the delay was cancelled');
  assert.equal(root.firstChild.getAttribute('class'), null);
});

test('loading targets: another element by id, any event, and events from inside the element', (t) => {
  const { doc, root } = page(t, [
    '<button id="save"></button><button id="other"></button>',
    '<p id="by-id" hidden data-t-loading=\'[[0,"save",["show"]]]\'></p>',
    '<p id="any" data-t-loading=\'[[0,"*",["hide"]]]\'></p>',
    '<form id="f" data-t-loading=\'[[0,"",["class","wait"]]]\'><button id="inner"></button></form>',
  ].join(''));
  const states = new PageStates(root, recordingLog(), { doc, timers: manualTimers() });
  const [save, other, byId, any, form] = root.childNodes;
  states.eventSent(1, other);
  assert.equal(byId.hasAttribute('hidden'), true, "another element's event is not this target's");
  assert.equal(any.style.display, 'none');
  states.eventSent(2, save);
  assert.equal(byId.hasAttribute('hidden'), false);
  states.eventSent(3, form.firstChild);
  assert.equal(form.getAttribute('class'), 'wait');
  states.eventHandled(2);
  assert.equal(byId.hasAttribute('hidden'), true, 'hidden again');
  assert.equal(any.style.display, 'none', 'event 3 is still in flight');
  states.eventsLost();
  assert.notEqual(any.style.display, 'none', 'its display as it was');
  assert.equal(form.getAttribute('class'), '');
});

test('offline follows the connection class on <html>, and the classes swap', (t) => {
  const { doc, root } = page(t, '<p data-t-offline=\'[[0,"",["show"]]]\' hidden></p>');
  const states = new PageStates(root, recordingLog(), { doc, timers: manualTimers() });
  t.after(states.followConnection());
  const p = root.firstChild;
  markConnection(true, doc);
  assert.equal(doc.documentElement.getAttribute('class'), 'tether-connected');
  assert.equal(p.hasAttribute('hidden'), true);
  markConnection(false, doc);
  assert.equal(doc.documentElement.getAttribute('class'), 'tether-disconnected');
  assert.equal(p.hasAttribute('hidden'), false);
  markConnection(null, doc);
  assert.equal(doc.documentElement.getAttribute('class'), '', 'paused: neither');
  assert.equal(p.hasAttribute('hidden'), true);
});

test('dirty: an input whose value differs from what the server rendered, on itself or by id', (t) => {
  const { doc, root } = page(t, '<input id="name" value="Ada" data-t-dirty=\'[[0,"",["class","unsaved"]]]\'><span data-t-dirty=\'[[0,"name",["show"]]]\' hidden></span><input id="c" type="checkbox">');
  const states = new PageStates(root, recordingLog(), { doc, timers: manualTimers() });
  const [input, note, box] = root.childNodes;
  assert.equal(isDirty(input), false);
  input.value = 'Ada L';
  states.refresh();
  assert.equal(input.getAttribute('class'), 'unsaved');
  assert.equal(note.hasAttribute('hidden'), false);
  applyEdits(root, [[4, [0], 'value', 'Ada L']]);
  states.refresh();
  assert.equal(input.getAttribute('class'), '', 'the server rendered the value back');
  assert.equal(note.hasAttribute('hidden'), true);
  box.checked = true;
  assert.equal(isDirty(box), true);
  assert.equal(isDirty(null), false);
});

test('a state attribute that is not a list of states is reported, once', (t) => {
  const { doc, root } = page(t, '<p id="p" data-t-loading=\'{"no":1}\'></p>');
  const log = recordingLog();
  const states = new PageStates(root, log, { doc, timers: manualTimers() });
  states.refresh();
  states.refresh();
  assert.deepEqual(log.errors, ['data-t-loading on p#p is not [[delay, target, effect, …], …]']);
});

// --- latency ------------------------------------------------------------------------------------

test('the latency queue delays work and keeps its order, across a change of delay', () => {
  let now = 0;
  const timers = manualTimers();
  const queue = new LatencyQueue(timers, () => now);
  const ran = [];
  queue.run(() => ran.push('immediate'));
  assert.deepEqual(ran, ['immediate'], 'no delay, nothing queued: at once');
  queue.ms = 300;
  queue.run(() => ran.push('a'));
  now = 100;
  queue.ms = 0;
  queue.run(() => ran.push('b, after a though not delayed'));
  assert.deepEqual(ran, ['immediate'], 'b waits behind a');
  now = 300;
  timers.fireAll();
  assert.deepEqual(ran, ['immediate', 'a', 'b, after a though not delayed']);
});

test('enableLatencySim checks its argument', () => {
  assert.equal(checkLatency(300), 300);
  for (const bad of [-1, NaN, Infinity, '300', 60_001, undefined]) {
    assert.throws(() => checkLatency(bad), (err) => err instanceof TypeError && /from 0 to 60000, got/.test(err.message), String(bad));
  }
});

// --- through the runtime: numbered events, evd, commands before the server, latency ------------

function fakeEvent(type, target) {
  return { type, target, defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
}

test('through the runtime: commands run before the event goes, and the loading state ends at its evd', async (t) => {
  const html = '<button id="b" data-t-click="h1" data-t-js-click=\'["",["addClass","pressed",""]]\' data-t-loading=\'[[0,"",["class","busy"]]]\'>+</button>';
  const { ws, root } = await started(t, { html });
  const button = root.firstChild;
  root.fire(fakeEvent('click', button));
  assert.equal(button.getAttribute('class'), 'pressed busy', 'the command, then the loading state as the event went');
  await settle();
  assert.deepEqual(ws.messages(), [['ev', 'h1', { type: 'click' }, 1]]);
  ws.serverSend([['r', 1, [[4, [0], 'title', 'rendered']]], ['evd', 1]]);
  await settle();
  assert.equal(button.getAttribute('class'), 'pressed', 'busy ends with the evd; the class the command added stays');
  assert.deepEqual(ws.messages().slice(1), [['ack', 1]]);
});

test('through the runtime: a dropped socket ends the loading states, and marks <html> disconnected', async (t) => {
  const html = '<button data-t-click="h1" data-t-loading=\'[[0,"",["class","busy"]]]\'></button><p data-t-offline=\'[[0,"",["show"]]]\' hidden></p>';
  const { ws, root, doc, Tether } = await started(t, { html }, { reconnectionOptions: { maxRetries: 0 } });
  assert.equal(doc.documentElement.getAttribute('class'), 'tether-connected');
  root.fire(fakeEvent('click', root.firstChild));
  assert.equal(root.firstChild.getAttribute('class'), 'busy');
  ws.serverClose(1006);
  assert.equal(root.firstChild.getAttribute('class'), '');
  assert.match(doc.documentElement.getAttribute('class'), /tether-disconnected/);
  assert.doesNotMatch(doc.documentElement.getAttribute('class'), /tether-connected/);
  assert.equal(root.childNodes[1].hasAttribute('hidden'), false, 'the offline banner shows');
  Tether.disconnect();
});

test('through the runtime: the latency simulator holds frames both ways, in order', async (t) => {
  const { ws, root, Tether } = await started(t, { html: '<button data-t-click="h1"></button><span>0</span>' });
  const clock = fakeClock(t, 1000);
  assert.throws(() => Tether.enableLatencySim('fast'), TypeError);
  Tether.enableLatencySim(300);
  root.fire(fakeEvent('click', root.firstChild));
  root.fire(fakeEvent('click', root.firstChild));
  await settle();
  assert.equal(ws.sent.length, 0, 'held on the way out');
  clock.advance(300);
  await settle();
  assert.deepEqual(ws.messages().map((m) => m[3]), [1, 2], 'then sent, in order');
  ws.serverSend([['r', 1, [[3, [1, 0], '2']]]]);
  await settle();
  assert.equal(root.childNodes[1].firstChild.data, '0', 'held on the way in');
  clock.advance(299);
  assert.equal(root.childNodes[1].firstChild.data, '0');
  clock.advance(1);
  assert.equal(root.childNodes[1].firstChild.data, '2');
  Tether.disableLatencySim();
  ws.serverSend([['r', 2, [[3, [1, 0], '3']]]]);
  assert.equal(root.childNodes[1].firstChild.data, '3', 'at once again');
});
