/** Hosts over a real sshd: two "hosts" on 127.0.0.1 with their own host ids, one of them killed mid-run. */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { launcher, useWorkDir } from './support/cli.js';
import { committedIndexes, expectExactlyOnce, listDir } from './support/disk.js';
import { scanDisk } from '../src/core/scan.js';
import { waitFor, writeFaultConfig } from './support/faults.js';
import { describeWithReal, sshClient, sshUnavailable } from './support/real-cluster.js';

const work = useWorkDir({ beforeEach, afterEach });

/** Both host ids reach the same sshd: the template ignores {host} and names 127.0.0.1 itself. */
function template(delay: string): string {
  return `${sshClient()} cd {cwd} && CHUNKRUN_EXAMPLE_DELAY=${delay} {runner}`;
}

function committedIn(outputDir: string, name: string): string[] {
  return listDir(path.join(outputDir, 'chunks')).filter(
    (f) => !f.startsWith('.') && existsSync(path.join(outputDir, 'chunks', f, name, '_SUCCESS')),
  );
}

describeWithReal('SSH backend', sshUnavailable(), () => {
  it('a host whose runner is SIGKILLed is reported, and the other host takes over its chunks', async () => {
    writeFaultConfig(work.dir, { lease: '3s' });
    const run = launcher(
      [
        '--phase',
        '1',
        '--start',
        '0',
        '--end',
        '239',
        '--checkpoint-frequency',
        '20',
        '--hosts',
        'w0,w1',
        '--devices',
        'cpu:1',
        '--json',
        '--ssh-template',
        template('0.02'),
      ],
      { cwd: work.dir, timeoutMs: 180_000 },
    );
    const events: Record<string, unknown>[] = [];
    createInterface({ input: run.stdout! }).on('line', (line) => {
      if (line.startsWith('{')) events.push(JSON.parse(line));
    });
    const w1 = () => events.find((e) => e.type === 'runner-started' && e.host === 'w1') as { pid: number } | undefined;
    const running = () => events.filter((e) => e.type === 'chunk-started' && e.device === 'w1.cpu0').map((e) => String(e.name));
    await waitFor(() => w1() !== undefined && running().length > 0, 60_000, 'host w1 to start a chunk');
    const cut = running().at(-1)!;
    process.kill(w1()!.pid, 'SIGKILL');

    const result = await run;
    expect(result.exitCode, result.all).toBe(0);
    const lost = events.find((e) => e.type === 'host-lost');
    expect(lost, result.all).toMatchObject({ type: 'host-lost', host: 'w1' });
    const out = work.outputDir();
    expect(expectExactlyOnce(committedIndexes(out), 0, 239)).toBeUndefined();
    expect(committedIn(out, cut)).toEqual(['w0.cpu0']);
    expect(listDir(path.join(out, 'chunks')).filter((f) => !f.startsWith('.'))).toEqual(expect.arrayContaining(['w0.cpu0']));
  });

  it('Ctrl+C stops the runner on every host; the same line resumes', async () => {
    writeFaultConfig(work.dir, { stopGrace: '1s' });
    const args = [
      '--phase',
      '1',
      '--start',
      '0',
      '--end',
      '199',
      '--checkpoint-frequency',
      '20',
      '--hosts',
      'w0,w1',
      '--devices',
      'cpu:1',
      '--json',
      '--no-merge',
    ];
    const run = launcher([...args, '--ssh-template', template('0.05')], { cwd: work.dir, timeoutMs: 120_000 });
    const events: Record<string, unknown>[] = [];
    createInterface({ input: run.stdout! }).on('line', (line) => {
      if (line.startsWith('{')) events.push(JSON.parse(line));
    });
    const started = (host: string) => events.find((e) => e.type === 'runner-started' && e.host === host) as { pid: number } | undefined;
    await waitFor(() => started('w0') !== undefined && started('w1') !== undefined, 60_000, 'both hosts to start');
    await waitFor(() => events.some((e) => e.type === 'chunk-committed'), 60_000, 'a first commit');
    run.kill('SIGINT');
    const result = await run;
    expect(result.exitCode, result.all).toBe(130);
    const finished = events.filter((e) => e.type === 'runner-finished');
    expect(finished, result.all).toHaveLength(2);
    for (const host of ['w0', 'w1']) {
      const pid = started(host)!.pid;
      expect(() => process.kill(pid, 0), `runner of ${host} still alive`).toThrow();
    }
    const committedBefore = scanDisk(work.outputDir()).committed.size;
    expect(committedBefore).toBeGreaterThan(0);
    const resumed = await launcher([...args, '--ssh-template', template('0')], { cwd: work.dir, timeoutMs: 120_000 });
    expect(resumed.exitCode, resumed.all).toBe(0);
    // Two hosts' runners each report what they found committed; it is counted once.
    const summary = JSON.parse(resumed.stdout.trim().split('\n').at(-1)!);
    expect(summary).toMatchObject({ type: 'summary', skipped: committedBefore, committed: 10 - committedBefore });
    expect(expectExactlyOnce(committedIndexes(work.outputDir()), 0, 199)).toBeUndefined();
  });
});
