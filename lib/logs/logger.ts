import { hostname } from 'node:os';
import { pino, type Logger } from 'pino';
import { processSingleton } from '../runtime/process-singleton.ts';
import type { LogCategory } from './categories.ts';
import { REDACT_CENSOR, REDACT_PATHS } from './redact.ts';
import { RotatingFile, type RotatingFileOptions } from './rotating-file.ts';

export type LoggerOptions = RotatingFileOptions & { level?: string };

// Writes JSON lines to <dir>/<category>.log. No pino transport: transports run in worker threads,
// which do not load from inside a Next.js server bundle.
export function createLogger(dir: string, category: LogCategory, opts: LoggerOptions = {}): Logger {
  const { level = 'info', ...fileOptions } = opts;
  return pino(
    {
      level,
      // hostname tells apart the records of two paired consoles once their exports are merged.
      base: { pid: process.pid, hostname: hostname(), category },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: REDACT_CENSOR },
    },
    new RotatingFile(dir, category, fileOptions),
  );
}

// One logger per category per process (see processSingleton): two would each rotate the same file
// without knowing of the other.
const loggers = () => processSingleton('loggers', () => new Map<LogCategory, Logger>());

// Without OTC_LOG_DIR (unit tests, scripts) records are dropped rather than cluttering the output.
export function getLogger(category: LogCategory): Logger {
  let logger = loggers().get(category);
  if (!logger) {
    const dir = process.env.OTC_LOG_DIR;
    const level = process.env.OTC_LOG_LEVEL || 'info';
    logger = dir ? createLogger(dir, category, { level }) : pino({ level: 'silent', base: { category } });
    loggers().set(category, logger);
  }
  return logger;
}
