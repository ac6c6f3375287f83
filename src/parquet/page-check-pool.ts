/**
 * Page checks on worker threads, so checking (decompressing every page) overlaps the copy
 * instead of doubling it. Where the compiled worker is not there (the TypeScript sources run
 * before a build), `open` returns undefined and the copy checks each page inline as it passes.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { DataError } from '../core/errors.js';
import { distPath } from '../core/package-root.js';
import type { ColumnCheck } from './column-checks.js';
import type { CheckRequest, CheckResult } from './page-check-worker.js';

const WORKER = distPath('parquet', 'page-check-worker.js');

export class PageCheckPool {
  private readonly idle: Worker[] = [];
  private readonly queue: CheckRequest[] = [];
  private readonly busy = new Map<Worker, number>();
  private readonly resolvers = new Map<number, () => void>();
  private readonly done: Promise<void>[] = [];
  private failure: string | undefined;
  private nextId = 0;

  private constructor(private readonly workers: Worker[]) {
    for (const worker of workers) {
      worker.unref();
      worker.on('message', (result: CheckResult) => this.finished(worker, result.id, result.error));
      worker.on('error', (error) => this.broken(`a page check worker failed: ${error.message}`));
      this.idle.push(worker);
    }
  }

  static open(): PageCheckPool | undefined {
    if (!existsSync(WORKER)) return undefined;
    const size = Math.max(1, Math.min(4, availableParallelism() - 1));
    return new PageCheckPool(Array.from({ length: size }, () => new Worker(WORKER)));
  }

  add(file: string, checks: ColumnCheck[]): void {
    if (checks.length === 0 || this.failure) return;
    const id = this.nextId++;
    this.done.push(new Promise((resolve) => this.resolvers.set(id, resolve)));
    this.queue.push({ id, file, checks });
    this.dispatch();
  }

  /** Resolves when every check added so far passed; throws the first failure as a DataError. */
  async settle(): Promise<void> {
    await Promise.all(this.done);
    if (this.failure) throw new DataError(this.failure);
  }

  close(): void {
    for (const worker of this.workers) void worker.terminate();
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const request = this.queue.shift()!;
      const worker = this.idle.pop()!;
      this.busy.set(worker, request.id);
      worker.postMessage(request);
    }
  }

  private finished(worker: Worker, id: number, error: string | undefined): void {
    if (error && !this.failure) this.failure = error;
    this.busy.delete(worker);
    this.resolvers.get(id)?.();
    this.resolvers.delete(id);
    this.idle.push(worker);
    this.dispatch();
  }

  /** A worker died: nothing it was given can be trusted to have been checked. */
  private broken(message: string): void {
    this.failure ??= message;
    this.queue.length = 0;
    for (const resolve of this.resolvers.values()) resolve();
    this.resolvers.clear();
  }
}
