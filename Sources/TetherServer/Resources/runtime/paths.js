// Where the app mounted Tether: "" at the site root, or the prefix (such as "/app") the server
// wrote on #tether-root as data-tether-base. Every URL the runtime asks the server for is under it.

/** The URL of a Tether endpoint such as `/_tether/circuit`, under the mount path. */
export function tetherPath(path) {
  const root = globalThis.document?.getElementById?.('tether-root');
  const base = root?.dataset?.tetherBase || '';
  return base + path;
}
