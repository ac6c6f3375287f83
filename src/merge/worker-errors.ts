/** Errors across a worker thread's boundary: sent as a name and a message, rebuilt as the same kind (exit codes and retries depend on it). */
import { DataError, UsageError } from '../core/errors.js';
import { JsonlTypesMissed } from './jsonl.js';

export interface ReportedError {
  readonly name: string;
  readonly message: string;
}

export function reported(error: unknown): ReportedError {
  const { name, message } = error instanceof Error ? error : { name: 'Error', message: String(error) };
  return { name, message };
}

export function rebuilt({ name, message }: ReportedError): Error {
  if (name === 'DataError') return new DataError(message);
  if (name === 'UsageError') return new UsageError(message);
  if (name === 'JsonlTypesMissed') return new JsonlTypesMissed(message);
  return new Error(message);
}
