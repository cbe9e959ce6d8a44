// Where the runtime's modules live, as file: URLs.
export const RUNTIME_DIR = new URL('../../../Sources/TetherServer/Resources/runtime/', import.meta.url).href;
// The entry module, which builds the Tether runtime.
export const TETHER_URL = new URL('tether.js', RUNTIME_DIR).href;
