/** What the live view and the summary show, folded from RunEvents. Pure apart from the clock passed in. */
import type { RunEvent } from '../core/events.js';

export interface DeviceProgress {
  chunk: string | undefined;
  done: number;
  total: number;
  committed: number;
  failures: number;
  removed: boolean;
  /** No chunk left for it to take. */
  finished: boolean;
  /** Items of this device committed during this run, and when the device started. */
  itemsThisRun: number;
}

export interface FailedChunk {
  readonly name: string;
  readonly start: number;
  readonly end: number;
  readonly device: string;
  readonly attempts: number;
  readonly reason: string;
  readonly log: string;
  readonly logTail: string[];
}

export class ProgressModel {
  readonly devices = new Map<string, DeviceProgress>();
  readonly failed: FailedChunk[] = [];
  readonly warnings: string[] = [];
  totalChunks = 0;
  skippedChunks = 0;
  committedChunks = 0;
  /** Items of the whole run, and of those the ones committed before this run (never counted in the rate). */
  totalItems = 0;
  skippedItems = 0;
  committedItems = 0;
  stopping = false;
  /** Why the runner first said it was stopping (a full disk, a runner error, a signal it got). */
  stopReason: string | undefined;

  constructor(
    readonly startedAt: number,
    totalItems: number,
  ) {
    this.totalItems = totalItems;
  }

  private device(name: string): DeviceProgress {
    let device = this.devices.get(name);
    if (!device) {
      device = { chunk: undefined, done: 0, total: 0, committed: 0, failures: 0, removed: false, finished: false, itemsThisRun: 0 };
      this.devices.set(name, device);
    }
    return device;
  }

  apply(event: RunEvent): void {
    switch (event.type) {
      case 'runner-started':
        event.devices.forEach((name) => this.device(name));
        this.totalChunks = event.total;
        this.skippedChunks += event.committed;
        break;
      case 'chunk-started': {
        const device = this.device(event.device);
        Object.assign(device, { chunk: event.name, done: 0, total: event.end - event.start + 1 });
        break;
      }
      case 'chunk-progress': {
        const device = this.device(event.device);
        if (device.chunk === event.name) Object.assign(device, { done: Math.min(event.done, event.total), total: event.total });
        break;
      }
      case 'chunk-committed': {
        const device = this.device(event.device);
        const items = event.end - event.start + 1;
        Object.assign(device, { chunk: undefined, done: 0, total: 0 });
        device.committed++;
        device.itemsThisRun += items;
        this.committedChunks++;
        this.committedItems += items;
        break;
      }
      case 'attempt-failed':
        this.device(event.device).failures++;
        Object.assign(this.device(event.device), { chunk: undefined, done: 0, total: 0 });
        break;
      case 'chunk-failed':
        this.failed.push({ ...event });
        break;
      case 'device-removed':
        this.device(event.device).removed = true;
        this.warnings.push(`${event.device} removed: ${event.reason}`);
        break;
      case 'device-idle':
        this.device(event.device).finished = true;
        break;
      case 'warning':
        this.warnings.push(event.message);
        break;
      case 'stopping':
        this.stopping = true;
        this.stopReason ??= event.why;
        break;
      default:
        break;
    }
  }

  setSkippedItems(items: number): void {
    this.skippedItems = items;
  }

  /** Items finished this run, counting the running chunks' reported progress. */
  itemsDoneThisRun(): number {
    let running = 0;
    for (const device of this.devices.values()) running += device.done;
    return this.committedItems + running;
  }

  itemsPerSecond(now: number): number {
    const seconds = (now - this.startedAt) / 1000;
    return seconds > 0 ? this.itemsDoneThisRun() / seconds : 0;
  }

  etaMs(now: number): number | undefined {
    const rate = this.itemsPerSecond(now);
    const remaining = this.totalItems - this.skippedItems - this.itemsDoneThisRun();
    return rate > 0 ? (remaining / rate) * 1000 : undefined;
  }
}
