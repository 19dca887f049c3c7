import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { LogFormat, LogLevel } from './config.ts';

/**
 * Logs on stdout (pino): JSON lines, one per event, as log collectors expect; readable lines
 * (pino-pretty) when asked, or with `auto` when stdout is a terminal, where a person reads them.
 */
export function createLogger(
  level: LogLevel,
  format: LogFormat = 'auto',
  isTerminal: boolean = process.stdout.isTTY === true,
): Logger {
  const options = { level, base: { service: 'eventyard' } };
  if (format === 'json' || (format === 'auto' && !isTerminal)) return pino(options);
  // In-process and synchronous, like pino's default destination, so nothing is lost on exit.
  return pino(
    options,
    pretty({
      sync: true,
      singleLine: true,
      colorize: isTerminal,
      ignore: 'pid,hostname,service',
      translateTime: 'SYS:HH:MM:ss.l',
    }),
  );
}
