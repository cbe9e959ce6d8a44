// Where the runtime under test lives, as a file: URL.
export const TETHER_URL = new URL('../../../Sources/TetherServer/Resources/tether.js', import.meta.url).href;
