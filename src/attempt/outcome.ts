/** How an attempt's execution ended, before its outputs are looked at. */
import { formatDuration } from '../core/duration.js';

export type AttemptOutcome =
  | { readonly kind: 'exited'; readonly exitCode: number }
  | { readonly kind: 'signaled'; readonly signal: string }
  | { readonly kind: 'timed-out'; readonly timeoutMs: number }
  | { readonly kind: 'stopped' }
  | { readonly kind: 'spawn-failed'; readonly message: string }
  /** The phase itself reported the chunk failed (a worker's error message). */
  | { readonly kind: 'phase-error'; readonly message: string }
  /** The execution channel broke its contract (a worker wrote garbage on its protocol pipe). */
  | { readonly kind: 'protocol-error'; readonly message: string }
  /** Nothing on this device can run (a worker's setup failed): a device failure, not a chunk failure. */
  | { readonly kind: 'device-failed'; readonly message: string };

export function describeOutcome(outcome: AttemptOutcome): string {
  switch (outcome.kind) {
    case 'exited':
      return `exit code ${outcome.exitCode}`;
    case 'signaled':
      return `killed by ${outcome.signal}`;
    case 'timed-out':
      return `timed out after ${formatDuration(outcome.timeoutMs)}`;
    case 'stopped':
      return 'stopped by the runner';
    case 'spawn-failed':
      return `could not start: ${outcome.message}`;
    case 'phase-error':
      return `the phase reported an error: ${outcome.message}`;
    case 'protocol-error':
      return `protocol error: ${outcome.message}`;
    case 'device-failed':
      return outcome.message;
  }
}
