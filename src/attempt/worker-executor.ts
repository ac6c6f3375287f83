/**
 * Worker mode: one long-lived phase process per device loads its model once (setup), says
 * ready, then takes chunks as messages. A worker that dies, times out or breaks the protocol
 * is stopped and started afresh (setup again) for the next attempt; one that cannot get
 * ready makes the device fail, not its chunks.
 */
import { appendFileSync } from 'node:fs';
import { lastLines } from '../core/log-tail.js';
import { formatDuration } from '../core/duration.js';
import type { AttemptExecutor, AttemptRequest } from './executor.js';
import type { AttemptOutcome } from './outcome.js';
import { watchLogCap, type LogCapWatch } from './log-cap.js';
import { WorkerProcess, type WorkerEvent } from './worker-process.js';
import { chunkEnvDelta, shownLine } from './worker-protocol.js';

export interface WorkerExecutorOptions {
  /** The worker's argv, every placeholder filled. */
  readonly argv: readonly string[];
  /** The worker's environment: the device's, without any chunk's variables, with the protocol fd. */
  readonly env: Record<string, string>;
  readonly cwd: string;
  readonly deviceName: string;
  /** Setup output and everything printed between chunks. */
  readonly logFile: string;
  readonly killGraceMs: number;
  readonly readyTimeoutMs: number;
  readonly maxChunks: number | undefined;
  /** Each chunk's log and the worker log are capped at this size, as in process mode. */
  readonly maxLogBytes: number;
}

const LOG_TAIL_LINES = 10;

type Interruption = { readonly type: 'timeout' } | { readonly type: 'stop' };

/** The first of: the worker's next event, the time limit, the stop signal. */
function nextOrInterrupted(worker: WorkerProcess, limitMs: number | undefined, stop: AbortSignal): Promise<WorkerEvent | Interruption> {
  if (stop.aborted) return Promise.resolve({ type: 'stop' });
  return new Promise((resolve) => {
    const timer = limitMs !== undefined ? setTimeout(() => settle({ type: 'timeout' }), limitMs) : undefined;
    const onStop = () => settle({ type: 'stop' });
    stop.addEventListener('abort', onStop, { once: true });
    let settled = false;
    function settle(value: WorkerEvent | Interruption) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stop.removeEventListener('abort', onStop);
      resolve(value);
    }
    void worker.next().then(settle);
  });
}

export function workerExecutor(options: WorkerExecutorOptions): AttemptExecutor {
  let worker: WorkerProcess | undefined;
  let lives = 0;
  let chunksThisLife = 0;
  const name = `the worker for ${options.deviceName}`;

  const logTail = () => {
    const lines = lastLines(options.logFile, LOG_TAIL_LINES);
    return lines.length > 0
      ? `; last lines of ${options.logFile}:\n${lines.map((line) => `  ${line}`).join('\n')}`
      : `; ${options.logFile} is empty`;
  };

  let workerLogCap: LogCapWatch | undefined;

  /** Stops the worker for good (it is never reused after this). */
  const retire = async () => {
    const retired = worker;
    worker = undefined;
    if (retired) await retired.stop(options.killGraceMs);
    workerLogCap?.finish();
    workerLogCap = undefined;
  };

  /** A ready worker, or how the attempt ends without one. */
  async function readyWorker(request: AttemptRequest): Promise<WorkerProcess | AttemptOutcome> {
    if (worker?.alive) return worker;
    await retire();
    lives++;
    chunksThisLife = 0;
    appendFileSync(options.logFile, `chunkrun: starting ${name} (start ${lives}): ${options.argv.join(' ')}\n`);
    const started = new WorkerProcess({ argv: options.argv, env: options.env, cwd: options.cwd, logFile: options.logFile });
    worker = started;
    workerLogCap = watchLogCap(options.logFile, options.maxLogBytes);
    if (started.pid !== undefined) request.onSpawn?.(started.pid);
    const event = await nextOrInterrupted(started, options.readyTimeoutMs, request.stop);
    if (event.type === 'message' && event.message.type === 'ready') return started;
    await retire();
    switch (event.type) {
      case 'stop':
        return { kind: 'stopped' };
      case 'spawn-failed':
        return { kind: 'spawn-failed', message: event.message };
      case 'timeout':
        return {
          kind: 'device-failed',
          message: `${name} was not ready within ${formatDuration(options.readyTimeoutMs)} (workerReadyTimeout): its setup is still running, or it never calls chunkrun.worker.serve(setup, run_chunk)${logTail()}`,
        };
      case 'exit': {
        const how = event.signal ? `was killed by ${event.signal}` : `exited with code ${event.exitCode}`;
        const hint = event.exitCode === 0 ? 'does its command call chunkrun.worker.serve(setup, run_chunk)?' : 'its setup failed';
        return { kind: 'device-failed', message: `${name} ${how} before it was ready: ${hint}${logTail()}` };
      }
      case 'garbage':
        return {
          kind: 'protocol-error',
          message: `${name} wrote a line on its protocol pipe that is not a protocol message: ${shownLine(event.line)}`,
        };
      case 'message':
        return { kind: 'protocol-error', message: `${name} sent "${event.message.type}" before "ready"` };
    }
  }

  /** The chunk's log is capped while the worker writes it, and once more when it has moved back to its own log or died. */
  async function runChunk(started: WorkerProcess, request: AttemptRequest): Promise<AttemptOutcome> {
    const logCap = watchLogCap(request.logFile, options.maxLogBytes);
    try {
      return await sendChunk(started, request);
    } finally {
      logCap.finish();
    }
  }

  async function sendChunk(started: WorkerProcess, request: AttemptRequest): Promise<AttemptOutcome> {
    chunksThisLife++;
    started.send({
      type: 'chunk',
      start: request.range.start,
      end: request.range.end,
      dir: request.dir,
      device: request.device.name,
      attempt: request.attempt,
      log: request.logFile,
      env: chunkEnvDelta(options.env, request.env),
    });
    const event = await nextOrInterrupted(started, request.timeoutMs, request.stop);
    if (event.type === 'message' && event.message.type === 'done') return { kind: 'exited', exitCode: 0 };
    if (event.type === 'message' && event.message.type === 'error') return { kind: 'phase-error', message: event.message.message };
    // Anything else leaves the worker in an unknown state: it is not given another chunk.
    await retire();
    switch (event.type) {
      case 'stop':
        return { kind: 'stopped' };
      case 'timeout':
        return { kind: 'timed-out', timeoutMs: request.timeoutMs! };
      case 'exit':
        if (event.signal) return { kind: 'signaled', signal: event.signal };
        if (event.exitCode !== 0) return { kind: 'exited', exitCode: event.exitCode ?? -1 };
        return { kind: 'phase-error', message: `${name} exited with code 0 before it finished the chunk` };
      case 'garbage':
        return {
          kind: 'protocol-error',
          message: `${name} wrote a line on its protocol pipe that is not a protocol message: ${shownLine(event.line)}`,
        };
      case 'spawn-failed':
        return { kind: 'spawn-failed', message: event.message };
      case 'message':
        return { kind: 'protocol-error', message: `${name} sent "${event.message.type}" while running a chunk` };
    }
  }

  return {
    async execute(request: AttemptRequest): Promise<AttemptOutcome> {
      if (request.stop.aborted) return { kind: 'stopped' };
      if (worker?.alive && worker.pid !== undefined) request.onSpawn?.(worker.pid);
      const started = await readyWorker(request);
      if (!(started instanceof WorkerProcess)) return started;
      const outcome = await runChunk(started, request);
      if (options.maxChunks !== undefined && chunksThisLife >= options.maxChunks) await retire();
      return outcome;
    },
    close: retire,
  };
}
