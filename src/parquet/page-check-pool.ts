/**
 * Page checks on worker threads, so checking (decompressing every page) overlaps the copy
 * instead of doubling it. Where no worker can be had (the TypeScript sources run before a
 * build, or this is already a worker thread), `open` returns undefined and the copy checks
 * each page inline as it passes.
 */
import { availableParallelism } from 'node:os';
import { DataError } from '../core/errors.js';
import { distPath } from '../core/package-root.js';
import { WorkerPool } from '../core/worker-pool.js';
import type { ColumnCheck } from './column-checks.js';
import type { CheckRequest } from './page-check-worker.js';

const WORKER = distPath('parquet', 'page-check-worker.js');

export class PageCheckPool {
  private readonly done: Promise<void>[] = [];
  private failure: Error | undefined;

  private constructor(private readonly pool: WorkerPool<CheckRequest, void>) {}

  static open(): PageCheckPool | undefined {
    const size = Math.max(1, Math.min(4, availableParallelism() - 1));
    const pool = WorkerPool.open<CheckRequest, void>(WORKER, size, { describe: 'page check worker', unref: true });
    return pool && new PageCheckPool(pool);
  }

  add(file: string, checks: ColumnCheck[]): void {
    if (checks.length === 0 || this.failure) return;
    this.done.push(
      this.pool.run({ file, checks }).catch((error: Error) => {
        this.failure ??= error;
      }),
    );
  }

  /** Resolves when every check added so far passed; throws the first failure as a DataError (a dead worker's too: nothing it held was checked). */
  async settle(): Promise<void> {
    await Promise.all(this.done);
    if (this.failure) throw this.failure instanceof DataError ? this.failure : new DataError(this.failure.message);
  }

  close(): void {
    this.pool.close();
  }
}
