/**
 * A checkpointed run with attached runners (here, or over ssh): start one chunk-runner per
 * host, relay their events as one stream, stop them cleanly. run.json and the runner spec are
 * written before (record-run.ts).
 */
import { createInterface } from 'node:readline';
import { EventEmitter } from 'node:events';
import { execa } from 'execa';
import { parseRunEventLine, type RunEvent } from '../core/events.js';
import { EXIT } from '../core/errors.js';
import type { PreparedLaunch } from './prepare.js';
import type { RunnerCommand } from './backends/backend.js';

export interface RunnerExit {
  readonly host: string;
  readonly local: boolean;
  readonly exitCode: number;
  readonly signal: string | undefined;
  readonly pid: number | undefined;
  readonly stderr: string;
}

export class CheckpointedRun extends EventEmitter<{ event: [RunEvent] }> {
  private readonly subprocesses: ReturnType<typeof execa>[] = [];
  private stopping = false;

  constructor(
    private readonly launch: PreparedLaunch,
    private readonly runners: readonly RunnerCommand[],
  ) {
    super();
  }

  async run(): Promise<RunnerExit[]> {
    return Promise.all(this.runners.map((runner) => this.runOne(runner)));
  }

  private async runOne(runner: RunnerCommand): Promise<RunnerExit> {
    // Its own process group: a terminal's Ctrl+C reaches the launcher only, which stops the runners in order.
    const subprocess = execa(runner.file, runner.args, {
      cwd: this.launch.cwd,
      detached: true,
      cleanup: false,
      reject: false,
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
      buffer: { stdout: false, stderr: true },
    });
    this.subprocesses.push(subprocess);
    const several = this.runners.length > 1;
    const lines = createInterface({ input: subprocess.stdout! });
    const allRead = new Promise<void>((resolve) => lines.once('close', resolve));
    lines.on('line', (line) => {
      const parsed = parseRunEventLine(line);
      if ('event' in parsed) this.emit('event', parsed.event);
      else this.emit('event', { type: 'warning', message: `chunk-runner${several ? ` on ${runner.host}` : ''}: ${line}` });
    });
    const result = await subprocess;
    await allRead;
    const exit: RunnerExit = {
      host: runner.host,
      local: runner.local,
      exitCode: result.exitCode ?? 1,
      signal: result.signal,
      pid: subprocess.pid,
      stderr: String(result.stderr ?? '').trim(),
    };
    const ended = exit.signal === undefined && (exit.exitCode === EXIT.ok || exit.exitCode === EXIT.chunksFailed);
    if (several && !ended && !this.stopping) {
      const why = exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.exitCode}`;
      const said = exit.stderr.split('\n').filter(Boolean).pop();
      this.emit('event', {
        type: 'host-lost',
        host: runner.host,
        reason: `its runner ended early (${why}${said ? `: ${said}` : ''}); its chunks go to the other hosts once their leases run out`,
      });
    }
    return exit;
  }

  stop(how: 'graceful' | 'now'): void {
    this.stopping = true;
    for (const subprocess of this.subprocesses) {
      const stdin = subprocess.stdin;
      if (stdin && !stdin.destroyed) stdin.write(how === 'graceful' ? 'stop\n' : 'stop-now\n');
    }
  }
}
