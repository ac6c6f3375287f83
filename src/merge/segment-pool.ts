/**
 * Segments encoded on worker threads, one segment per worker at a time; results come back in
 * whatever order the workers finish, and the caller awaits them in its own order. Used only
 * from the main thread (a target merged on a worker of target-pool.ts already has its core).
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isMainThread, Worker } from 'node:worker_threads';
import { distPath } from '../core/package-root.js';
import type { EncodedSegment, SegmentJob, WirePiece } from './segment.js';
import type { SegmentReply, SegmentRequest } from './segment-worker.js';
import { rebuilt } from './worker-errors.js';

const WORKER = distPath('merge', 'segment-worker.js');
/** Each worker holds a segment of up to a row group (32 MiB of data, several times that as values). */
const MAX_WORKERS = 4;

interface Pending {
  readonly resolve: (encoded: EncodedSegment) => void;
  readonly reject: (error: Error) => void;
}

export class SegmentPool {
  private readonly idle: Worker[] = [];
  private readonly queue: SegmentRequest[] = [];
  private readonly pending = new Map<number, Pending>();
  private failure: Error | undefined;
  private nextId = 0;

  private constructor(private readonly workers: Worker[]) {
    for (const worker of workers) {
      worker.on('message', (reply: SegmentReply) => this.replied(worker, reply));
      worker.on('error', (error) => this.broken(new Error(`a merge worker thread failed: ${error.message}`)));
      worker.on('messageerror', (error) => this.broken(new Error(`a merge worker thread's reply could not be read: ${error.message}`)));
      worker.on('exit', (code) => this.broken(new Error(`a merge worker thread exited (code ${code}) before its segment was done`)));
      this.idle.push(worker);
    }
  }

  /**
   * Workers for a merge's segments, or undefined where there is one core, no compiled worker, or
   * no main thread. The job comes with each segment, so they can be started (their modules
   * loaded) while the merge is still working out its schema.
   */
  static open(cores = availableParallelism()): SegmentPool | undefined {
    if (!isMainThread || cores < 2 || !existsSync(WORKER)) return undefined;
    const workers: Worker[] = [];
    try {
      while (workers.length < Math.min(MAX_WORKERS, cores)) workers.push(new Worker(WORKER));
    } catch {
      // No threads to be had (a resource limit): the merge encodes everything itself.
      for (const worker of workers) void worker.terminate();
      return undefined;
    }
    return new SegmentPool(workers);
  }

  get size(): number {
    return this.workers.length;
  }

  encode(job: SegmentJob, pieces: readonly WirePiece[]): Promise<EncodedSegment> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const result = new Promise<EncodedSegment>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    this.queue.push({ id, job, pieces });
    this.dispatch();
    return result;
  }

  close(): void {
    this.failure ??= new Error('the merge worker threads were closed');
    for (const worker of this.workers) {
      worker.removeAllListeners('exit');
      void worker.terminate();
    }
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) this.idle.pop()!.postMessage(this.queue.shift()!);
  }

  private replied(worker: Worker, reply: SegmentReply): void {
    const pending = this.pending.get(reply.id);
    this.pending.delete(reply.id);
    if ('encoded' in reply) pending?.resolve(reply.encoded);
    else pending?.reject(rebuilt(reply.error));
    this.idle.push(worker);
    this.dispatch();
  }

  /** A worker died: what it held is lost, and nothing more is started. */
  private broken(error: Error): void {
    this.failure ??= error;
    this.queue.length = 0;
    for (const { reject } of this.pending.values()) reject(this.failure);
    this.pending.clear();
  }
}
