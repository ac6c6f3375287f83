/** A device whose phase always fails is taken out of the run; the other devices finish its chunks. */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { scanDisk } from '../src/core/scan.js';
import { launcher, removeDir, tempWorkDir } from './support/cli.js';
import { committedProblems, killAll, leftoverProcesses, processesMentioning, wrapperCommand, writeFaultConfig } from './support/faults.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) {
    killAll(processesMentioning(dir));
    removeDir(dir);
  }
});

describe('a broken device', () => {
  it.each([
    ['after the others committed a chunk', '0.01'],
    // A GPU that fails at CUDA init fails in a second; a good one's first chunk takes minutes.
    ['before any other device finished a chunk', '0.08'],
  ])(
    'that fails %s is taken out loudly and the run completes on the others',
    async (_when, delay) => {
      const cwd = tempWorkDir('chunkrun-broken-');
      dirs.push(cwd);
      const command = wrapperCommand(
        cwd,
        'broken-cpu1',
        'if [ "$CHUNK_DEVICE" = cpu1 ]; then echo "CUDA error: an illegal memory access was encountered (simulated on cpu1)" >&2; exit 7; fi',
      );
      writeFaultConfig(cwd, {}, { command });
      const outputDir = path.join(cwd, 'data', 'phase1_0');

      const result = await launcher(
        ['--phase', '1', '--start', '0', '--end', '99', '--checkpoint-frequency', '10', '--devices', 'cpu:3', '--no-merge', '--json'],
        {
          cwd,
          env: { CHUNKRUN_EXAMPLE_DELAY: delay },
        },
      );

      expect(result.exitCode, result.all).toBe(0);
      const events = result.stdout
        .split('\n')
        .filter((line) => line.startsWith('{"type"'))
        .map((line) => JSON.parse(line) as { type: string; device?: string; reason?: string });
      expect(events.filter((event) => event.type === 'device-removed')).toEqual([
        expect.objectContaining({
          device: 'cpu1',
          reason: expect.stringMatching(/chunks failed on cpu1 and then succeeded on other devices/),
        }),
      ]);
      expect(events.filter((event) => event.type === 'chunk-failed')).toEqual([]);
      const committedOn = new Set([...scanDisk(outputDir).committed.values()].map((entry) => entry.device));
      expect([...committedOn].sort()).toEqual(['cpu0', 'cpu2']);
      expect(committedProblems(outputDir)).toEqual([]);
      expect(await leftoverProcesses(cwd)).toEqual([]);
    },
    60_000,
  );
});
