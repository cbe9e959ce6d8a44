// Client commands: what `data-t-js-<event>` asks the page to do when the event happens, with no
// round trip (ClientCommands in ClientBehaviours.swift). The list is checked as it runs: a
// command the runtime does not know, or arguments of the wrong shape, are reported precisely on
// the console and skipped; the page and the other commands carry on.

import { BehaviourAttribute, ClientCommandName } from './protocol.js';
import { addClasses, classNames, hide, isHidden, removeClasses, show } from './client-effects.js';

const KNOWN = new Set(Object.values(ClientCommandName));
// A dispatched event can set off commands that dispatch again; past this depth it is a loop.
const MAX_DEPTH = 8;
// Parsed lists by attribute text: a page has few distinct lists, each run many times.
const MAX_CACHED = 256;

/** Describes an element for an error message: `button#save`. */
export function describeElement(el) {
  return el.localName + (el.id ? '#' + el.id : '');
}

/** Reads a `data-t-js-<event>` value: `[flags, command, …]`. Throws an Error saying what is
 * wrong with the list as a whole; the commands themselves are checked when they run. */
export function parseClientCommands(text) {
  let value;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`is not JSON (${err.message})`);
  }
  if (!Array.isArray(value) || typeof value[0] !== 'string') throw new Error('is not [flags, command, …]');
  const flags = value[0].split(';');
  return {
    preventDefault: flags.includes('pd'),
    stopPropagation: flags.includes('sp'),
    commands: value.slice(1),
  };
}

function isString(v) { return typeof v === 'string'; }

/** The arguments each command takes, as checks; the last is always the selector. */
const SHAPES = {
  [ClientCommandName.show]: [isString],
  [ClientCommandName.hide]: [isString],
  [ClientCommandName.toggle]: [isString],
  [ClientCommandName.focus]: [isString],
  [ClientCommandName.addClass]: [isString, isString],
  [ClientCommandName.removeClass]: [isString, isString],
  [ClientCommandName.toggleClass]: [isString, isString],
  [ClientCommandName.setAttribute]: [isString, isString, isString],
  [ClientCommandName.removeAttribute]: [isString, isString],
  [ClientCommandName.dispatch]: [isString, () => true, isString],
};

/** Why a command cannot run, or null when it can. */
export function commandProblem(command) {
  if (!Array.isArray(command) || !isString(command[0])) return 'is not [name, …arguments]';
  const [name, ...args] = command;
  if (!KNOWN.has(name)) return `'${name}' is not a client command (known: ${[...KNOWN].join(', ')})`;
  const shape = SHAPES[name];
  if (args.length !== shape.length || !shape.every((check, i) => check(args[i]))) {
    return `'${name}' takes ${shape.length} argument(s) of another shape, got ${JSON.stringify(args)}`;
  }
  if (name === ClientCommandName.setAttribute || name === ClientCommandName.removeAttribute) {
    const attr = args[0].toLowerCase();
    if (attr.startsWith('on')) return `'${name}' refuses the inline handler '${args[0]}'`;
    if (attr.startsWith('data-t-')) return `'${name}' refuses Tether's own '${args[0]}'`;
  }
  return null;
}

/** Runs the client commands elements carry. */
export class ClientCommandRunner {
  constructor(log, doc = globalThis.document) {
    this.log = log;
    this.doc = doc;
    this.cache = new Map();
    this.depth = 0;
  }

  /** The parsed list on `el` for `type`, or null when it has none or it is unreadable. */
  read(el, type) {
    const attr = BehaviourAttribute.clientCommandsPrefix + type;
    const text = el.getAttribute(attr);
    if (text === null) return null;
    let parsed = this.cache.get(text);
    if (!parsed) {
      try {
        parsed = parseClientCommands(text);
      } catch (err) {
        this.log.error(`client commands on ${describeElement(el)} (${attr}) ${err.message}`);
        return null;
      }
      if (this.cache.size >= MAX_CACHED) this.cache.clear();
      this.cache.set(text, parsed);
    }
    return parsed;
  }

  /** Runs `list`'s commands for an event on `origin`, in order. */
  run(list, origin, type) {
    if (this.depth >= MAX_DEPTH) {
      this.log.error(`client commands on ${describeElement(origin)} for '${type}' dispatched events ${MAX_DEPTH} deep; stopped to break the loop`);
      return;
    }
    this.depth++;
    try {
      list.commands.forEach((command, index) => {
        const where = `client command ${index + 1} on ${describeElement(origin)} for '${type}'`;
        const problem = commandProblem(command);
        if (problem) {
          this.log.error(`${where}: ${problem}; skipped`);
          return;
        }
        try {
          this.execute(command, origin);
        } catch (err) {
          this.log.error(`${where}: ${err.message}`);
        }
      });
    } finally {
      this.depth--;
    }
  }

  targets(selector, origin) {
    if (selector === '') return [origin];
    let found;
    try {
      found = [...this.doc.querySelectorAll(selector)];
    } catch {
      throw new Error(`'${selector}' is not a valid CSS selector`);
    }
    if (found.length === 0) this.log.warning(`client command: nothing matches '${selector}'`);
    return found;
  }

  execute(command, origin) {
    const [name, ...args] = command;
    const els = this.targets(args[args.length - 1], origin);
    switch (name) {
      case ClientCommandName.show: for (const el of els) show(el); break;
      case ClientCommandName.hide: for (const el of els) hide(el); break;
      case ClientCommandName.toggle: for (const el of els) { if (isHidden(el)) show(el); else hide(el); } break;
      case ClientCommandName.focus: if (els[0]) els[0].focus(); break;
      case ClientCommandName.addClass: for (const el of els) addClasses(el, classNames(args[0])); break;
      case ClientCommandName.removeClass: for (const el of els) removeClasses(el, classNames(args[0])); break;
      case ClientCommandName.toggleClass:
        for (const el of els) {
          for (const n of classNames(args[0])) {
            if (el.classList.contains(n)) removeClasses(el, [n]); else addClasses(el, [n]);
          }
        }
        break;
      case ClientCommandName.setAttribute: for (const el of els) el.setAttribute(args[0], args[1]); break;
      case ClientCommandName.removeAttribute: for (const el of els) el.removeAttribute(args[0]); break;
      case ClientCommandName.dispatch:
        for (const el of els) el.dispatchEvent(new CustomEvent(args[0], { bubbles: true, cancelable: true, detail: args[1] }));
        break;
      default: throw new Error(`'${name}' has no implementation`);
    }
  }
}
