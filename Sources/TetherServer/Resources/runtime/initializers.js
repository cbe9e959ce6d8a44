// JS initializers: every *.lib.module.js the server lists at /_tether/initializers is imported
// before the circuit starts. beforeStart(options) is awaited before it connects and may change
// the options; afterStarted(tether) runs after the first render. One that fails is reported and
// does not stop the others, or the app.
import { tetherPath } from './paths.js';

/** Imports every initializer the server lists; one that fails to load is reported and skipped.
 * @param {import('./tether').TetherStartOptions} options `initializers: false` loads none
 * @param {import('./log.js').Logger} log
 * @returns {Promise<{ url: string, module: import('./tether').TetherInitializer }[]>} */
export async function loadInitializers(options, log) {
  if (options.initializers === false || typeof fetch !== 'function') return [];
  let urls = [];
  try {
    const response = await fetch(tetherPath('/_tether/initializers'));
    if (response.ok) urls = await response.json();
  } catch (err) {
    log.warning('could not list JS initializers', err);
    return [];
  }
  const loaded = await Promise.all(urls.map(async (url) => {
    try {
      return { url, module: await import(new URL(url, document.baseURI).href) };
    } catch (err) {
      log.error(`the initializer ${url} could not be loaded`, err);
      return null;
    }
  }));
  return loaded.filter(Boolean);
}

/** Awaits each initializer's `hook(argument)` in turn, where it has one.
 * @param {{ url: string, module: import('./tether').TetherInitializer }[]} initializers
 * @param {'beforeStart' | 'afterStarted'} hook
 * @param {any} argument the start options for beforeStart, the runtime for afterStarted
 * @param {import('./log.js').Logger} log */
export async function runHook(initializers, hook, argument, log) {
  for (const { url, module } of initializers) {
    if (typeof module[hook] !== 'function') continue;
    try {
      await module[hook](argument);
    } catch (err) {
      log.error(`the initializer ${url} failed in ${hook}`, err);
    }
  }
}
