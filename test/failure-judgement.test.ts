/**
 * Failures that tell the truth: one bad item fails its chunk, not its device; a broken script
 * stops the run after the first attempts with one line and its log, instead of burning every retry.
 */
import path from 'node:path';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { scanDisk } from '../src/core/scan.js';
import { launcher } from './support/cli.js';
import { faultWorkDirs, leftoverProcesses, realPython, writeFaultConfig } from './support/faults.js';

const workDir = faultWorkDirs('chunkrun-judge-');

const jsonEvents = (stdout: string) =>
  stdout
    .split('\n')
    .filter((line) => line.startsWith('{"type"'))
    .map((line) => JSON.parse(line) as { type: string; device?: string; attempt?: number; name?: string });

describe('blame', () => {
  it('one bad item fails its chunk after 1 + --retries attempts on different devices, and takes no device out', async () => {
    const { cwd, outputDir } = workDir();
    writeFaultConfig(cwd);
    const result = await launcher(
      [
        '--phase',
        '1',
        '--start',
        '0',
        '--end',
        '99',
        '--checkpoint-frequency',
        '10',
        '--devices',
        'cpu:2',
        '--retries',
        '2',
        '--no-merge',
        '--json',
      ],
      { cwd, env: { CHUNKRUN_EXAMPLE_FAIL_INDEX: '15' } },
    );
    expect(result.exitCode, result.all).toBe(1);
    const events = jsonEvents(result.stdout);
    expect(events.filter((event) => event.type === 'device-removed')).toEqual([]);
    const attempts = events.filter((event) => event.type === 'attempt-failed');
    expect(attempts.map((event) => event.attempt)).toEqual([1, 2, 3]);
    // The retry goes to the device that has not failed the chunk yet.
    expect(attempts[0]!.device).not.toBe(attempts[1]!.device);
    expect(events.filter((event) => event.type === 'chunk-failed')).toEqual([
      expect.objectContaining({ name: 'chunk_00010-00019', attempts: 3 }),
    ]);
    expect(scanDisk(outputDir).committed.size).toBe(9);
  });
});

describe('fail fast', () => {
  it('stops when every device fails its first attempts the same way before anything commits', async () => {
    const { cwd } = workDir();
    const record = path.join(cwd, 'calls.txt');
    const script = path.join(cwd, 'broken.sh');
    writeFileSync(
      script,
      `#!/bin/sh\necho "$CHUNK_START" >> "${record}"\nexec "${realPython()}" -c 'import a_module_that_is_not_installed'\n`,
    );
    chmodSync(script, 0o755);
    writeFaultConfig(cwd, {}, { command: [script] });
    const result = await launcher(
      [
        '--phase',
        '1',
        '--start',
        '0',
        '--end',
        '199',
        '--checkpoint-frequency',
        '10',
        '--devices',
        'cpu:2',
        '--retries',
        '3',
        '--no-merge',
      ],
      { cwd, env: { CHUNKRUN_EXAMPLE_DELAY: '0' } },
    );
    expect(result.exitCode, result.all).toBe(1);
    const calls = existsSync(record) ? readFileSync(record, 'utf8').split('\n').filter(Boolean) : [];
    // Two devices' first attempts and a retry, plus what the devices had started when the run stopped (more on a loaded
    // machine: 9 was seen with other tests running beside it): not 20 chunks x 4 attempts.
    expect(calls.length).toBeGreaterThanOrEqual(3);
    expect(calls.length).toBeLessThanOrEqual(12);
    expect(result.stdout).toMatch(
      /stopped by every device failed the same way before any chunk committed \(\d attempts\): exit code 1: ModuleNotFoundError: No module named 'a_module_that_is_not_installed'/,
    );
    expect(result.stdout.match(/ModuleNotFoundError/g)!.length).toBeLessThanOrEqual(3);
    expect(await leftoverProcesses(cwd, 5_000)).toEqual([]);
  });
});
