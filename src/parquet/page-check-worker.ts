/** Worker thread: runs the page checks of one source file at a time, off the copying thread. */
import { parentPort } from 'node:worker_threads';
import { errorMessage } from '../core/errors.js';
import { runColumnCheck, type ColumnCheck } from './column-checks.js';
import { SourceFile } from './source-file.js';

export interface CheckRequest {
  readonly id: number;
  readonly file: string;
  readonly checks: ColumnCheck[];
}

export interface CheckResult {
  readonly id: number;
  /** The DataError's message when a check failed. */
  readonly error?: string;
}

parentPort!.on('message', ({ id, file, checks }: CheckRequest) => {
  let result: CheckResult = { id };
  try {
    const input = new SourceFile(file);
    try {
      for (const check of checks) runColumnCheck(input, check);
    } finally {
      input.close();
    }
  } catch (error) {
    result = { id, error: errorMessage(error) };
  }
  parentPort!.postMessage(result);
});
