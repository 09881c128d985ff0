/** Structured log lines: a fixed message plus fields, one JSON object per line, so they can be grouped. */

/** Where log lines go; the CLI writes them to stderr, tests collect them. */
export type LogSink = (line: string) => void;

/** Levels, in increasing severity. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** A logger with a fixed sink. */
export interface Logger {
  log(level: LogLevel, message: string, fields?: Readonly<Record<string, unknown>>): void;
}

/** Creates a logger writing JSON lines to `sink`. */
export function createLogger(sink: LogSink): Logger {
  return {
    log(level, message, fields = {}) {
      sink(JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...fields }));
    },
  };
}
