/** Structured logs: every event as a pino JSON line in <outputDir>/logs/ (never on the terminal). */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import { fileTimestamp, logsDir } from '../core/layout.js';
import type { RunEvent } from '../core/events.js';
import { describeEvent } from '../chunk-runner/describe-event.js';
import { errorMessage } from '../core/errors.js';

const LEVEL: Partial<Record<RunEvent['type'], 'warn' | 'error'>> = {
  'attempt-failed': 'warn',
  'chunk-failed': 'error',
  'device-removed': 'error',
  'host-lost': 'error',
  warning: 'warn',
  stopping: 'warn',
};

/**
 * The log is a record of the run, not the run: when it cannot be written (a full disk, most
 * likely the one the phases just filled), `onFailure` hears it once and logging stops, while
 * the launcher goes on stopping and reporting its runners.
 */
export function openEventLog(file: string, onFailure: (message: string) => void): Logger {
  const destination = pino.destination({ dest: file, sync: true });
  const logger = pino({ base: { pid: process.pid } }, destination);
  let failed = false;
  const fail = (error: unknown) => {
    if (failed) return;
    failed = true;
    logger.level = 'silent';
    onFailure(`cannot write the event log ${file} (${errorMessage(error)}); the run goes on without it`);
  };
  destination.on('error', fail);
  // pino writes synchronously here: a failed write may also throw where the event was logged.
  return new Proxy(logger, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function' || !LOG_METHODS.has(property)) return value;
      return (...args: unknown[]) => {
        try {
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        } catch (error) {
          fail(error);
          return undefined;
        }
      };
    },
  });
}

const LOG_METHODS: ReadonlySet<string | symbol> = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);

export function openLogFile(outputDir: string, program: string, onFailure: (message: string) => void): { logger: Logger; file: string } {
  mkdirSync(logsDir(outputDir), { recursive: true });
  const file = path.join(logsDir(outputDir), `${program}-${fileTimestamp()}-${process.pid}.log`);
  return { logger: openEventLog(file, onFailure), file };
}

export function logEvent(logger: Logger, event: RunEvent): void {
  logger[LEVEL[event.type] ?? 'info']({ ...event, event: event.type, type: undefined }, describeEvent(event));
}
