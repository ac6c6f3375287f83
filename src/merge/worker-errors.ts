/** Errors from the merge's worker threads rebuilt as the same kind, the merge's own kinds included. */
import { rebuiltCoreError, type ReportedError } from '../core/worker-pool.js';
import { JsonlTypesMissed } from './jsonl.js';

export function rebuilt(error: ReportedError): Error {
  if (error.name === 'JsonlTypesMissed') return new JsonlTypesMissed(error.message);
  return rebuiltCoreError(error);
}
