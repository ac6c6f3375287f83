/** Worker thread: runs the page checks of one source file at a time, off the copying thread. */
import { serveRequests } from '../core/worker-pool.js';
import { runColumnCheck, type ColumnCheck } from './column-checks.js';
import { SourceFile } from './source-file.js';

export interface CheckRequest {
  readonly file: string;
  readonly checks: ColumnCheck[];
}

serveRequests<CheckRequest, void>(({ file, checks }) => {
  const input = new SourceFile(file);
  try {
    for (const check of checks) runColumnCheck(input, check);
  } finally {
    input.close();
  }
});
