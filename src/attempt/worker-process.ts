/**
 * A worker process: started in its own process group with stdout/stderr on its worker log
 * and a socket at fd 3 for protocol lines; what it says and how it ends come out of one
 * event queue, in order.
 */
import { closeSync, openSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { stopGroup } from '../core/process-group.js';
import { parseWorkerLine, WORKER_FD, type ChunkMessage, type WorkerMessage, encodeChunkMessage } from './worker-protocol.js';

export type WorkerEvent =
  | { readonly type: 'message'; readonly message: WorkerMessage }
  | { readonly type: 'garbage'; readonly line: string }
  | { readonly type: 'exit'; readonly exitCode: number | null; readonly signal: string | null }
  | { readonly type: 'spawn-failed'; readonly message: string };

export interface WorkerProcessSpec {
  readonly argv: readonly string[];
  readonly env: Record<string, string>;
  readonly cwd: string;
  readonly logFile: string;
}

const SOCKET_DRAIN_MS = 500;

export class WorkerProcess {
  readonly pid: number | undefined;
  private readonly child: ChildProcess;
  private readonly socket: Socket | undefined;
  private readonly events: WorkerEvent[] = [];
  private waiter: ((event: WorkerEvent) => void) | undefined;
  private exited = false;

  constructor(spec: WorkerProcessSpec) {
    const log = openSync(spec.logFile, 'a');
    const stdio: ('ignore' | 'pipe' | number)[] = ['ignore', log, log];
    stdio[WORKER_FD] = 'pipe';
    try {
      // node's own spawn, not execa: the socket at fd 3 is read and written both ways.
      this.child = spawn(spec.argv[0]!, spec.argv.slice(1), { cwd: spec.cwd, env: spec.env, detached: true, stdio });
    } finally {
      closeSync(log);
    }
    this.pid = this.child.pid;
    this.socket = this.child.stdio[WORKER_FD] as Socket | undefined;
    this.child.once('error', (error) => {
      if (this.pid === undefined) this.push({ type: 'spawn-failed', message: error.message });
    });
    this.child.once('exit', (exitCode, signal) => {
      this.exited = true;
      // Its last lines may still be in the socket: they come first, unless a child of its holds the socket open.
      const socket = this.socket;
      if (!socket || socket.closed) return this.push({ type: 'exit', exitCode, signal });
      const timer = setTimeout(() => socket.destroy(), SOCKET_DRAIN_MS);
      socket.once('close', () => {
        clearTimeout(timer);
        this.push({ type: 'exit', exitCode, signal });
      });
    });
    this.readLines();
  }

  get alive(): boolean {
    return this.pid !== undefined && !this.exited;
  }

  /** The next thing that happened, waiting for it if need be. */
  next(): Promise<WorkerEvent> {
    const event = this.events.shift();
    if (event) return Promise.resolve(event);
    return new Promise((resolve) => (this.waiter = resolve));
  }

  send(message: ChunkMessage): void {
    this.socket?.write(encodeChunkMessage(message));
  }

  /** SIGTERM the group, SIGKILL what is left after the grace; resolves once it is gone. */
  async stop(graceMs: number): Promise<void> {
    if (this.pid === undefined) return;
    await stopGroup(this.pid, graceMs);
    this.socket?.destroy();
  }

  private push(event: WorkerEvent): void {
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter(event);
    } else {
      this.events.push(event);
    }
  }

  private readLines(): void {
    if (!this.socket) return;
    const decoder = new StringDecoder('utf8');
    let pending = '';
    this.socket.on('data', (data: Buffer) => {
      pending += decoder.write(data);
      let newline;
      while ((newline = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        if (line.trim() === '') continue;
        const parsed = parseWorkerLine(line);
        this.push(parsed.ok ? { type: 'message', message: parsed.message } : { type: 'garbage', line: parsed.line });
      }
    });
    // A worker killed mid-write may leave a partial line; its exit says what happened.
    this.socket.on('error', () => {});
  }
}
