/**
 * Requests run on a fixed set of worker threads, one request per worker at a time, queued in
 * the order given; each request's promise settles with its worker's reply, in whatever order
 * the workers finish. A worker that dies fails what it held and everything queued, and the pool
 * takes nothing more. The worker side is `serveRequests`.
 */
import { existsSync } from 'node:fs';
import { isMainThread, parentPort, Worker, type TransferListItem } from 'node:worker_threads';
import { codeCacheWanted } from './code-cache.js';
import { DataError, UsageError } from './errors.js';

/** An error across a worker thread's boundary: sent as a name and a message, rebuilt as the same kind (exit codes and retries depend on it). */
export interface ReportedError {
  readonly name: string;
  readonly message: string;
}

function reported(error: unknown): ReportedError {
  const { name, message } = error instanceof Error ? error : { name: 'Error', message: String(error) };
  return { name, message };
}

/** The error kinds every layer knows; a caller with kinds of its own passes a rebuild that adds them. */
export function rebuiltCoreError({ name, message }: ReportedError): Error {
  if (name === 'DataError') return new DataError(message);
  if (name === 'UsageError') return new UsageError(message);
  return new Error(message);
}

interface Envelope<Request> {
  readonly id: number;
  readonly request: Request;
}

type Reply<Result> = { readonly id: number; readonly result: Result } | { readonly id: number; readonly error: ReportedError };

interface PoolOptions {
  /** What the workers do, as error messages name them ("merge worker thread"). */
  readonly describe: string;
  readonly rebuild?: (error: ReportedError) => Error;
  /** Workers that do not keep the process alive on their own (their owner awaits them). */
  readonly unref?: boolean;
}

interface Pending<Result> {
  readonly resolve: (result: Result) => void;
  readonly reject: (error: Error) => void;
}

export class WorkerPool<Request, Result> {
  private readonly idle: Worker[] = [];
  private readonly queue: Envelope<Request>[] = [];
  private readonly pending = new Map<number, Pending<Result>>();
  private failure: Error | undefined;
  private nextId = 0;

  private constructor(
    private readonly workers: Worker[],
    private readonly options: PoolOptions,
  ) {
    const { describe } = options;
    for (const worker of workers) {
      if (options.unref) worker.unref();
      worker.on('message', (reply: Reply<Result>) => this.replied(worker, reply));
      worker.on('error', (error) => this.broken(new Error(`a ${describe} failed: ${error.message}`)));
      worker.on('messageerror', (error) => this.broken(new Error(`a ${describe}'s reply could not be read: ${error.message}`)));
      worker.on('exit', (code) => this.broken(new Error(`a ${describe} exited (code ${code}) before its work was done`)));
      this.idle.push(worker);
    }
  }

  /**
   * `size` workers running the compiled `file`, or undefined where it is not there (the
   * TypeScript sources run before a build), where this is not the main thread (a worker
   * already has its core), or where no thread can be had (a resource limit).
   */
  static open<Request, Result>(file: string, size: number, options: PoolOptions): WorkerPool<Request, Result> | undefined {
    if (!isMainThread || size < 1 || !existsSync(file)) return undefined;
    const workers: Worker[] = [];
    try {
      while (workers.length < size) workers.push(new Worker(file));
    } catch {
      for (const worker of workers) void worker.terminate();
      return undefined;
    }
    return new WorkerPool<Request, Result>(workers, options);
  }

  get size(): number {
    return this.workers.length;
  }

  run(request: Request): Promise<Result> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const result = new Promise<Result>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    this.queue.push({ id, request });
    this.dispatch();
    return result;
  }

  /** Stops the workers; what is still pending fails (nothing awaited is left hanging). */
  close(): void {
    this.broken(new Error(`the ${this.options.describe}s were closed`));
    for (const worker of this.workers) {
      worker.removeAllListeners('exit');
      void worker.terminate();
    }
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) this.idle.pop()!.postMessage(this.queue.shift()!);
  }

  private replied(worker: Worker, reply: Reply<Result>): void {
    const pending = this.pending.get(reply.id);
    this.pending.delete(reply.id);
    if ('error' in reply) pending?.reject((this.options.rebuild ?? rebuiltCoreError)(reply.error));
    else pending?.resolve(reply.result);
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

/**
 * The worker side of a pool: each request handled (one at a time: the pool sends a worker its
 * next only once it replied), its result sent back (`transfer` names buffers to move, not
 * copy), or its error reported.
 */
export function serveRequests<Request, Result>(
  handle: (request: Request) => Result | Promise<Result>,
  transfer: (result: Result) => TransferListItem[] = () => [],
): void {
  const port = parentPort!;
  port.on('message', ({ id, request }: Envelope<Request>) => {
    Promise.resolve()
      .then(() => handle(request))
      // A result that cannot be sent (not cloneable) is reported like a failure to make it.
      .then((result) => port.postMessage({ id, result } satisfies Reply<Result>, transfer(result)))
      .catch((error: unknown) => port.postMessage({ id, error: reported(error) } satisfies Reply<Result>))
      // Once per install (or node version): see code-cache.ts.
      .then(codeCacheWanted);
  });
}
