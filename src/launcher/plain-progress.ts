/**
 * Off a terminal (nohup, sbatch, CI): plain lines that read like the summary, nothing redrawn.
 * Failures, warnings and stops as they happen; a progress line at most every few seconds.
 * The structured log stays in the log file; JSON on stdout only with --json.
 */
import { formatDuration } from '../core/duration.js';
import type { RunEvent } from '../core/events.js';
import { describeEvent } from '../chunk-runner/describe-event.js';
import type { ProgressModel } from './progress-model.js';

export const PROGRESS_EVERY_MS = 5_000;

/** One line of where the run stands. Pure. */
export function progressLine(model: ProgressModel, now: number): string {
  const done = model.skippedItems + model.itemsDoneThisRun();
  const eta = model.etaMs(now);
  const failed = model.failed.length > 0 ? `, ${model.failed.length} failed` : '';
  return (
    `progress: ${done}/${model.totalItems} items, ${model.itemsPerSecond(now).toFixed(1)} items/s; ` +
    `chunks: ${model.committedChunks} done this run, ${model.skippedChunks} already committed${failed}; ` +
    `elapsed ${formatDuration(now - model.startedAt)}, ETA ${eta === undefined ? '-' : formatDuration(eta)}`
  );
}

/** The events a person watching should read as they happen: on the live view and in plain progress alike. */
const NOTEWORTHY: ReadonlySet<RunEvent['type']> = new Set([
  'attempt-failed',
  'chunk-failed',
  'device-removed',
  'host-lost',
  'warning',
  'stopping',
  'chunk-waiting',
]);

export function isNoteworthy(event: RunEvent): boolean {
  return NOTEWORTHY.has(event.type);
}
const PROGRESS = new Set<RunEvent['type']>(['chunk-committed', 'chunk-progress']);

export class PlainProgress {
  private lastLineAt = -Infinity;
  private changed = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly model: ProgressModel,
    private readonly write: (line: string) => void,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Call after the model has applied the event. */
  onEvent(event: RunEvent): void {
    if (isNoteworthy(event)) this.write(describeEvent(event));
    if (!PROGRESS.has(event.type)) return;
    this.changed = true;
    // The first commit is shown at once; later ones at most every few seconds.
    if (event.type === 'chunk-committed' && this.clock() - this.lastLineAt >= PROGRESS_EVERY_MS) this.flush();
  }

  /** A long chunk's progress shows even when no commit comes for a while. */
  start(): void {
    this.timer = setInterval(() => this.flush(), PROGRESS_EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private flush(): void {
    if (!this.changed) return;
    this.changed = false;
    this.lastLineAt = this.clock();
    this.write(progressLine(this.model, this.lastLineAt));
  }
}
