/** A checkpointed run: write run.json, start the chunk-runner, relay its events, stop it cleanly. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { EventEmitter } from 'node:events';
import { execa } from 'execa';
import { deviceSpecOf } from '../core/devices.js';
import { isRunEvent, type RunEvent } from '../core/events.js';
import { writeRunFile } from '../core/run-file.js';
import type { PreparedLaunch } from './prepare.js';

const runnerMain = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'chunk-runner', 'main.js');

export interface RunnerExit {
  readonly exitCode: number;
  readonly signal: string | undefined;
  readonly pid: number | undefined;
  readonly stderr: string;
}

export class CheckpointedRun extends EventEmitter<{ event: [RunEvent] }> {
  private subprocess: ReturnType<typeof execa> | undefined;

  constructor(private readonly launch: PreparedLaunch) {
    super();
  }

  recordRun(): void {
    const { launch } = this;
    if (launch.recorded) return;
    writeRunFile(launch.outputDir, {
      version: 1,
      ...launch.identity,
      createdAt: new Date().toISOString(),
      outputs: launch.phase.outputs,
      indexColumn: launch.phase.indexColumn,
    });
  }

  async run(): Promise<RunnerExit> {
    const { launch } = this;
    const { settings } = launch;
    const args = [
      runnerMain,
      '--output-dir',
      launch.outputDir,
      '--phase',
      launch.identity.phase,
      '--config',
      launch.loaded.file,
      '--devices',
      ...launch.devices.map(deviceSpecOf),
      '--retries',
      String(settings.retries),
      '--lease',
      `${settings.leaseMs}ms`,
      '--events',
      'json',
      '--supervised',
    ];
    if (settings.chunkTimeoutMs !== undefined) args.push('--chunk-timeout', `${settings.chunkTimeoutMs}ms`);
    // Its own process group: a terminal's Ctrl+C reaches the launcher only, which stops the runner in order.
    const subprocess = execa(process.execPath, args, {
      cwd: launch.cwd,
      detached: true,
      cleanup: false,
      reject: false,
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
      buffer: { stdout: false, stderr: true },
    });
    this.subprocess = subprocess;
    const lines = createInterface({ input: subprocess.stdout! });
    const allRead = new Promise<void>((resolve) => lines.once('close', resolve));
    lines.on('line', (line) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        this.emit('event', { type: 'warning', message: `chunk-runner: ${line}` });
        return;
      }
      if (isRunEvent(parsed)) this.emit('event', parsed);
    });
    const result = await subprocess;
    await allRead;
    return { exitCode: result.exitCode ?? 1, signal: result.signal, pid: subprocess.pid, stderr: String(result.stderr ?? '').trim() };
  }

  stop(how: 'graceful' | 'now'): void {
    const stdin = this.subprocess?.stdin;
    if (stdin && !stdin.destroyed) stdin.write(how === 'graceful' ? 'stop\n' : 'stop-now\n');
  }
}
