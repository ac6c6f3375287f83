/** The live view on a terminal: one line per device and a total line, redrawn in place. */
import { formatDuration } from '../core/duration.js';
import type { ProgressModel } from './progress-model.js';

const REDRAW_MS = 250;

export function renderView(model: ProgressModel, now: number): string[] {
  const lines: string[] = [];
  const width = Math.max(6, ...[...model.devices.keys()].map((name) => name.length));
  const seconds = (now - model.startedAt) / 1000;
  for (const [name, device] of model.devices) {
    const state = device.removed
      ? 'REMOVED'
      : device.chunk
        ? `${device.chunk} ${device.done}/${device.total}`
        : device.finished
          ? 'done'
          : 'idle';
    const rate = seconds > 0 ? (device.itemsThisRun + device.done) / seconds : 0;
    const failures = device.failures > 0 ? `  failures ${device.failures}` : '';
    lines.push(`${name.padEnd(width)}  ${state.padEnd(28)} ${rate.toFixed(1).padStart(7)} items/s  chunks ${device.committed}${failures}`);
  }
  const done = model.skippedItems + model.itemsDoneThisRun();
  const eta = model.etaMs(now);
  lines.push(
    `${'total'.padEnd(width)}  ${done}/${model.totalItems} items  ${model.itemsPerSecond(now).toFixed(1)} items/s  ` +
      `elapsed ${formatDuration(now - model.startedAt)}  ETA ${eta === undefined ? '-' : formatDuration(eta)}${model.stopping ? '  STOPPING' : ''}`,
  );
  return lines;
}

export class LiveView {
  private drawn = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly model: ProgressModel,
    private readonly out: NodeJS.WriteStream,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.draw(), REDRAW_MS);
    this.timer.unref();
  }

  /** Print a line above the view (a failure, a warning) without breaking it. */
  note(line: string): void {
    this.clear();
    this.out.write(`${line}\n`);
    this.draw();
  }

  stop(): void {
    clearInterval(this.timer);
    this.draw();
    this.drawn = 0;
  }

  private clear(): void {
    if (this.drawn > 0) this.out.write(`\x1b[${this.drawn}F\x1b[J`);
    this.drawn = 0;
  }

  private draw(): void {
    const lines = renderView(this.model, Date.now()).map((line) => line.slice(0, Math.max(20, (this.out.columns || 120) - 1)));
    this.clear();
    this.out.write(`${lines.join('\n')}\n`);
    this.drawn = lines.length;
  }
}
