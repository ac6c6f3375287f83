/**
 * Two launchers on one output dir, started together or one while the other runs: the claims
 * keep every chunk to one process, and the second says what it waits for.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { launcher, removeDir, tempWorkDir } from './support/cli.js';
import {
  committedNames,
  committedProblems,
  invocationCounts,
  killAll,
  processesMentioning,
  waitFor,
  writeFaultConfig,
} from './support/faults.js';

const ARGS = ['--phase', '1', '--start', '0', '--end', '199', '--checkpoint-frequency', '10', '--devices', 'cpu:2', '--no-merge', '--json'];
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) {
    killAll(processesMentioning(dir));
    removeDir(dir);
  }
});

function setUp() {
  const cwd = tempWorkDir('chunkrun-two-');
  dirs.push(cwd);
  writeFaultConfig(cwd);
  const record = path.join(cwd, 'invocations.jsonl');
  return {
    cwd,
    record,
    outputDir: path.join(cwd, 'data', 'phase1_0'),
    env: { CHUNKRUN_EXAMPLE_DELAY: '0.02', CHUNKRUN_EXAMPLE_RECORD: record },
  };
}

interface Event {
  type: string;
  holder?: string;
  name?: string;
  committed?: number;
}

function eventsOf(stdout: string): Event[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Event);
}

function expectEachChunkRunOnce(record: string): void {
  const counts = invocationCounts(record);
  expect(counts.size).toBe(20);
  expect(
    [...counts].filter(([, n]) => n !== 1),
    'chunks run more than once',
  ).toEqual([]);
}

describe('two launchers on one output dir', () => {
  it('started together: every chunk runs once, and they report waiting on each other', async () => {
    const { cwd, record, outputDir, env } = setUp();
    const [a, b] = await Promise.all([launcher(ARGS, { cwd, env }), launcher(ARGS, { cwd, env })]);
    expect(a.exitCode, a.all).toBe(0);
    expect(b.exitCode, b.all).toBe(0);
    expectEachChunkRunOnce(record);
    expect(committedProblems(outputDir)).toEqual([]);
    const waits = [...eventsOf(a.stdout), ...eventsOf(b.stdout)].filter((event) => event.type === 'chunk-waiting');
    expect(waits.length).toBeGreaterThan(0);
    expect(waits[0]!.holder).toMatch(/held by .* pid \d+ \(cpu\d\), lease renewed \d+s ago/);
  }, 90_000);

  it('one started while the other runs: it takes only what is left and says which chunks it waits for', async () => {
    const { cwd, record, outputDir, env } = setUp();
    const first = launcher(ARGS, { cwd, env });
    await waitFor(() => committedNames(outputDir).length >= 2, 30_000, 'two committed chunks');
    const second = await launcher(ARGS, { cwd, env });
    const firstResult = await first;

    expect(firstResult.exitCode, firstResult.all).toBe(0);
    expect(second.exitCode, second.all).toBe(0);
    expectEachChunkRunOnce(record);
    expect(committedProblems(outputDir)).toEqual([]);
    const events = eventsOf(second.stdout);
    expect(events.find((event) => event.type === 'runner-started')!.committed).toBeGreaterThanOrEqual(2);
    const waits = events.filter((event) => event.type === 'chunk-waiting');
    expect(waits.length).toBeGreaterThan(0);
    expect(waits[0]).toMatchObject({
      name: expect.stringMatching(/^chunk_/),
      holder: expect.stringMatching(/held by .* pid \d+ \(cpu\d\), lease renewed \d+s ago/),
    });
  }, 90_000);
});
