// The runtime's one logger. Every module logs through the runtime's Logger, so one setting,
// Tether.start({ logLevel }), decides what reaches the console, and every line carries the same
// "[tether]" prefix that the e2e console gates and app developers search for.

/** The levels, least severe first; 'none' is above every level, so nothing passes it. */
export const LogLevel = Object.freeze({
  trace: 0,
  debug: 1,
  info: 2,
  warning: 3,
  error: 4,
  none: 5,
});

const DEFAULT_LEVEL = 'warning';

export class Logger {
  constructor(level = DEFAULT_LEVEL) {
    this.setLevel(level);
  }

  /** Sets the least severe level that is printed. A name that is not a level is reported and the
   * default kept, rather than silencing the runtime by accident.
   * @param {string | undefined} level a TetherLogLevel; another name is reported */
  setLevel(level) {
    const name = level ?? DEFAULT_LEVEL;
    if (Object.hasOwn(LogLevel, name)) {
      this.level = name;
      return;
    }
    this.level = DEFAULT_LEVEL;
    const levels = Object.keys(LogLevel).join(', ');
    this.warning(`unknown logLevel '${name}'; using '${DEFAULT_LEVEL}' (levels: ${levels})`);
  }

  trace(...args) { this.write(LogLevel.trace, args); }
  debug(...args) { this.write(LogLevel.debug, args); }
  info(...args) { this.write(LogLevel.info, args); }
  warning(...args) { this.write(LogLevel.warning, args); }
  error(...args) { this.write(LogLevel.error, args); }

  write(level, args) {
    if (level < LogLevel[this.level]) return;
    // Looked up on every call rather than bound once, so whoever replaces console's methods
    // later (a test, a page's error reporter) still sees the runtime's lines.
    if (level >= LogLevel.error) console.error('[tether]', ...args);
    else if (level === LogLevel.warning) console.warn('[tether]', ...args);
    else console.log('[tether]', ...args);
  }
}
