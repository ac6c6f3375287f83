/**
 * What a runner tells its listeners (the live view, the log, `--json`, the launcher
 * across a process boundary as JSON lines). One union, one place.
 */
export type RunEvent =
  | { type: 'runner-started'; host: string; pid: number; devices: string[]; total: number; committed: number; pending: number }
  /** {python} resolved once for this runner: phases start this executable directly. */
  | { type: 'interpreter-resolved'; python: string; executable: string; version: string }
  | { type: 'chunk-started'; device: string; name: string; start: number; end: number; attempt: number; dir: string; log: string }
  | { type: 'chunk-progress'; device: string; name: string; done: number; total: number }
  | {
      type: 'chunk-committed';
      device: string;
      name: string;
      start: number;
      end: number;
      attempt: number;
      durationMs: number;
      rows: number | null;
    }
  | {
      type: 'attempt-failed';
      device: string;
      name: string;
      start: number;
      end: number;
      attempt: number;
      reason: string;
      log: string;
      retryInMs: number | null;
    }
  | {
      type: 'chunk-failed';
      device: string;
      name: string;
      start: number;
      end: number;
      attempts: number;
      reason: string;
      log: string;
      logTail: string[];
    }
  | { type: 'chunk-waiting'; name: string; holder: string }
  | { type: 'chunk-already-committed'; name: string; device: string }
  | { type: 'device-removed'; device: string; reason: string }
  | { type: 'device-idle'; device: string }
  | { type: 'stopping'; how: 'graceful' | 'now'; why: string; log?: string; logTail?: readonly string[] }
  | { type: 'warning'; message: string }
  | { type: 'runner-finished'; committed: number; failed: number; stopped: boolean };

export type RunEventType = RunEvent['type'];

export function isRunEvent(value: unknown): value is RunEvent {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}
