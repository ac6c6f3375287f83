/** A phase that hangs: --chunk-timeout stops its process group, the retry succeeds. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { markerOf, scanDisk } from '../src/core/scan.js';
import { launcher, readRecord, removeDir, tempWorkDir } from './support/cli.js';
import { committedProblems, killAll, leftoverProcesses, processesMentioning, wrapperCommand, writeFaultConfig } from './support/faults.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) {
    killAll(processesMentioning(dir));
    removeDir(dir);
  }
});

describe('--chunk-timeout', () => {
  it.each([
    ['hangs', ''],
    // SIGTERM ignored: only the SIGKILL after the kill grace ends it.
    ['hangs and ignores SIGTERM', "trap '' TERM"],
  ])(
    'a phase that %s on its first attempt is stopped, retried, and committed by the second',
    async (_what, trap) => {
      const cwd = tempWorkDir('chunkrun-timeout-');
      dirs.push(cwd);
      const record = path.join(cwd, 'invocations.jsonl');
      const command = wrapperCommand(
        cwd,
        'hang-once',
        `${trap}\nif [ "$CHUNK_ATTEMPT" = 1 ]; then export CHUNKRUN_EXAMPLE_HANG_INDEX=5; fi`,
      );
      writeFaultConfig(cwd, {}, { command });
      const outputDir = path.join(cwd, 'data', 'phase1_0');

      const startedAt = Date.now();
      const result = await launcher(
        [
          '--phase',
          '1',
          '--start',
          '0',
          '--end',
          '29',
          '--checkpoint-frequency',
          '10',
          '--devices',
          'cpu:2',
          '--chunk-timeout',
          '2s',
          '--no-merge',
        ],
        {
          cwd,
          env: { CHUNKRUN_EXAMPLE_DELAY: '0.01', CHUNKRUN_EXAMPLE_RECORD: record },
        },
      );

      expect(result.exitCode, result.all).toBe(0);
      expect(Date.now() - startedAt).toBeLessThan(20_000);
      expect(await leftoverProcesses(cwd)).toEqual([]);
      expect(result.all).toContain('timed out after 2.0s');
      const attempts = readRecord(record)
        .filter((entry) => entry.start === 0)
        .map((entry) => entry.attempt);
      expect(attempts).toEqual([1, 2]);
      const committed = scanDisk(outputDir).committed.get('0-9')!;
      const { dir } = committed;
      expect(markerOf(committed).attempt).toBe(2);
      expect(readFileSync(path.join(dir, 'run.log'), 'utf8')).toContain('hanging at index 5');
      expect(existsSync(path.join(dir, 'run.attempt2.log'))).toBe(true);
      expect(committedProblems(outputDir)).toEqual([]);
    },
    60_000,
  );
});
