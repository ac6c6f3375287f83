/** run.json and runner-spec.json hold no path of the launching host; run.json files of version 1 still resume. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { launcher, repoRoot, useWorkDir } from './support/cli.js';
import { committedIndexes, expectExactlyOnce } from './support/disk.js';

const work = useWorkDir({ beforeEach, afterEach });
const ARGS = ['--phase', '1', '--start', '0', '--end', '99', '--devices', 'cpu:2', '--no-merge'];

describe('a portable run record', () => {
  it('records the built-in config as "builtin" and {configDir} unexpanded; the runner spec has no absolute path', async () => {
    const result = await launcher(ARGS, { cwd: work.dir });
    expect(result.exitCode, result.all).toBe(0);
    const runJson = JSON.parse(readFileSync(path.join(work.outputDir(), 'run.json'), 'utf8'));
    expect(runJson).toMatchObject({ version: 2, configDir: 'builtin' });
    expect(runJson.command[1]).toBe('{configDir}/../python/examples/phase1.py');
    for (const file of ['run.json', 'runner-spec.json']) {
      const text = readFileSync(path.join(work.outputDir(), file), 'utf8');
      expect(text, file).not.toContain(repoRoot);
      expect(text, file).not.toContain(work.dir);
    }
  });

  it("resumes a version 1 run.json (command expanded with this host's path) and rewrites it portable", async () => {
    mkdirSync(work.outputDir(), { recursive: true });
    const oldCommand = [
      'python3',
      path.join(repoRoot, 'python', 'examples', 'phase1.py'),
      '--start',
      '{start}',
      '--end',
      '{end}',
      '--model',
      'google/gemma-2-2b',
    ];
    const v1 = {
      version: 1,
      phase: '1',
      start: 0,
      end: 99,
      checkpointFrequency: 50,
      command: oldCommand,
      createdAt: '2026-01-01T00:00:00.000Z',
      outputs: ['dataset_*'],
      indexColumn: 'index',
    };
    writeFileSync(path.join(work.outputDir(), 'run.json'), JSON.stringify(v1));
    const result = await launcher(ARGS, { cwd: work.dir });
    expect(result.exitCode, result.all).toBe(0);
    expect(expectExactlyOnce(committedIndexes(work.outputDir()), 0, 99)).toBeUndefined();
    const runJson = JSON.parse(readFileSync(path.join(work.outputDir(), 'run.json'), 'utf8'));
    expect(runJson).toMatchObject({ version: 2, configDir: 'builtin', createdAt: v1.createdAt });

    // A version 1 file of another command is still refused, saying what differs.
    writeFileSync(path.join(work.outputDir(), 'run.json'), JSON.stringify({ ...v1, command: ['python3', '/elsewhere/x.py'] }));
    const other = await launcher(ARGS, { cwd: work.dir });
    expect(other.exitCode).toBe(2);
    expect(other.stderr).toMatch(/records a different run \(command python3 \/elsewhere\/x\.py -> /);
  });
});
