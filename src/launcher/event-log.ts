/** Structured logs: every event as a pino JSON line in <outputDir>/logs/ (never on the terminal). */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
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

/** Where the launcher's events are written: one JSON line each, `fields` beside the message. */
export interface EventLog {
  line(level: 'info' | 'warn' | 'error', fields: Record<string, unknown>, message: string): void;
}

/**
 * The log is a record of the run, not the run: when it cannot be written (a full disk, most
 * likely the one the phases just filled), `onFailure` hears it once and logging stops, while
 * the launcher goes on stopping and reporting its runners.
 */
export function openEventLog(file: string, onFailure: (message: string) => void): EventLog {
  const destination = pino.destination({ dest: file, sync: true });
  const logger = pino({ base: { pid: process.pid } }, destination);
  let failed = false;
  const fail = (error: unknown) => {
    if (failed) return;
    failed = true;
    onFailure(`cannot write the event log ${file} (${errorMessage(error)}); the run goes on without it`);
  };
  destination.on('error', fail);
  return {
    line(level, fields, message) {
      if (failed) return;
      // pino writes synchronously here: a failed write may throw where the event is logged.
      try {
        logger[level](fields, message);
      } catch (error) {
        fail(error);
      }
    },
  };
}

export function openLogFile(outputDir: string, program: string, onFailure: (message: string) => void): { logger: EventLog; file: string } {
  mkdirSync(logsDir(outputDir), { recursive: true });
  const file = path.join(logsDir(outputDir), `${program}-${fileTimestamp()}-${process.pid}.log`);
  return { logger: openEventLog(file, onFailure), file };
}

export function logEvent(logger: EventLog, event: RunEvent): void {
  logger.line(LEVEL[event.type] ?? 'info', { ...event, event: event.type, type: undefined }, describeEvent(event));
}
