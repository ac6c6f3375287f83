/** Each commit records the run it was made under: run.json can be lost, never silently replaced. */
import path from 'node:path';
import { existsSync, rmSync } from 'node:fs';
import { describe, expect, it, beforeEach, afterEach } from 'vitest';
import { readRunFile } from '../src/core/run-file.js';
import { markerOf, scanDisk } from '../src/core/scan.js';
import { launcher, useWorkDir } from './support/cli.js';
import { writeFaultConfig } from './support/faults.js';

const work = useWorkDir({ beforeEach, afterEach });
const run = (extra: string[] = []) =>
  launcher(['--phase', '1', '--start', '0', '--end', '19', '--checkpoint-frequency', '10', '--devices', 'cpu:1', '--no-merge', ...extra], {
    cwd: work.dir,
  });

describe('run identity', () => {
  it('rebuilds a deleted run.json from the markers and says nothing to do', async () => {
    writeFaultConfig(work.dir);
    expect((await run()).exitCode).toBe(0);
    const recorded = readRunFile(work.outputDir());
    rmSync(path.join(work.outputDir(), 'run.json'));
    const again = await run();
    expect(again.exitCode, again.all).toBe(0);
    expect(again.stdout).toMatch(/nothing to do/);
    expect(existsSync(path.join(work.outputDir(), 'run.json'))).toBe(true);
    expect(readRunFile(work.outputDir())).toMatchObject({ command: recorded!.command, outputs: recorded!.outputs });
    expect([...scanDisk(work.outputDir()).committed.values()].every((entry) => markerOf(entry).run !== undefined)).toBe(true);
  });

  it('refuses chunks made by another model once run.json is gone, naming the difference', async () => {
    writeFaultConfig(work.dir);
    expect((await run()).exitCode).toBe(0);
    rmSync(path.join(work.outputDir(), 'run.json'));
    const other = await run(['--model', 'other/model']);
    expect(other.exitCode).toBe(2);
    expect(other.stderr.trim().split('\n')).toHaveLength(1);
    expect(other.stderr).toMatch(
      /2 committed chunk\(s\) in .* were made under a different run \(command .*google\/gemma-2-2b.* -> .*other\/model/,
    );
    expect(other.stderr).toMatch(/move .* aside .* to start fresh/);
  });

  it('refuses a changed outputs glob or index column instead of keeping the old one', async () => {
    writeFaultConfig(work.dir);
    expect((await run()).exitCode).toBe(0);
    writeFaultConfig(work.dir, {}, { outputs: ['dataset_*.jsonl'], indexColumn: 'problem_id' });
    const changed = await run();
    expect(changed.exitCode).toBe(2);
    expect(changed.stderr).toMatch(
      /records a different run \(outputs \["dataset_\*"\] -> \["dataset_\*\.jsonl"\]; indexColumn "index" -> "problem_id"\)/,
    );
  });
});
