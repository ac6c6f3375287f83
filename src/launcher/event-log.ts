/** Structured logs: every event as a pino JSON line in <outputDir>/logs/ (never on the terminal). */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import { fileTimestamp, logsDir } from '../core/layout.js';
import type { RunEvent } from '../core/events.js';
import { describeEvent } from '../chunk-runner/describe-event.js';

const LEVEL: Partial<Record<RunEvent['type'], 'warn' | 'error'>> = {
  'attempt-failed': 'warn',
  'chunk-failed': 'error',
  'device-removed': 'error',
  'host-lost': 'error',
  warning: 'warn',
  stopping: 'warn',
};

export function openLogFile(outputDir: string, program: string): { logger: Logger; file: string } {
  mkdirSync(logsDir(outputDir), { recursive: true });
  const file = path.join(logsDir(outputDir), `${program}-${fileTimestamp()}-${process.pid}.log`);
  return { logger: pino({ base: { pid: process.pid } }, pino.destination({ dest: file, sync: true })), file };
}

export function logEvent(logger: Logger, event: RunEvent): void {
  logger[LEVEL[event.type] ?? 'info']({ ...event, event: event.type, type: undefined }, describeEvent(event));
}
