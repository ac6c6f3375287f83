/**
 * The kill -9 trials of faults.test.ts in worker mode: kill a worker, the chunk-runner or the
 * launcher at a random moment (during setup or mid-chunk), rerun until done, and check that
 * every index is committed exactly once and that no worker outlives its run.
 * CHUNKRUN_FAULT_TRIALS sets the number of trials (default 4), CHUNKRUN_FAULT_SEED replays one.
 */
import { afterAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { launcher, removeDir, tempWorkDir } from './support/cli.js';
import {
  committedProblems,
  killAll,
  leftoverProcesses,
  processesMentioning,
  rerunUntilDone,
  seededRandom,
  sleep,
} from './support/faults.js';
import { writeWorkerConfig } from './support/worker-phase.js';

const TRIALS = Number(process.env.CHUNKRUN_FAULT_TRIALS ?? 4);
const BASE_SEED = Number(process.env.CHUNKRUN_FAULT_SEED ?? Date.now() % 1_000_000);
const ARGS = ['--phase', '1', '--start', '0', '--end', '99', '--checkpoint-frequency', '10', '--devices', 'cpu:2', '--no-merge'];
const ENV = { CHUNKRUN_EXAMPLE_DELAY: '0.03' };
/** A worker notices its runner is gone at once (its socket closes); a runner its launcher within the kill grace. */
const ORPHAN_LIMIT_MS = 5_000;

type Victim = 'worker' | 'runner' | 'launcher';
const tally = new Map<string, number>();
const count = (key: string) => tally.set(key, (tally.get(key) ?? 0) + 1);

function pickVictim(random: () => number): Victim {
  const r = random();
  return r < 0.45 ? 'worker' : r < 0.75 ? 'runner' : 'launcher';
}

function victimPid(victim: Victim, launcherPid: number, marker: string, random: () => number): number | undefined {
  if (victim === 'launcher') return launcherPid;
  const processes = processesMentioning(marker);
  if (victim === 'runner') return processes.find((p) => p.command.includes('chunk-runner/main.js'))?.pid;
  const workers = processes.filter((p) => p.command.includes('phase1_worker.py'));
  return workers[Math.floor(random() * workers.length)]?.pid;
}

async function runAndKill(victim: Victim, killAfterMs: number, cwd: string, random: () => number): Promise<boolean> {
  const run = launcher(ARGS, { cwd, env: ENV, timeoutMs: 60_000 });
  let ended = false;
  void run.finally(() => (ended = true));
  await sleep(killAfterMs);
  let killed: number | undefined;
  for (let tries = 0; tries < 20 && killed === undefined && !ended; tries++) {
    const pid = victimPid(victim, run.pid!, cwd, random);
    if (pid === undefined) {
      await sleep(20);
      continue;
    }
    try {
      process.kill(pid, 'SIGKILL');
      killed = pid;
    } catch {
      // It ended on its own in between; pick again.
    }
  }
  count(killed === undefined ? 'no kill (run ended first)' : `killed ${victim}`);
  const result = await run;
  if (killed !== undefined && victim !== 'worker') {
    // Nobody supervises the killed one's children now: they must notice and stop by themselves.
    const orphans = await leftoverProcesses(cwd, ORPHAN_LIMIT_MS);
    killAll(orphans);
    expect(orphans, `processes of the killed ${victim} still running`).toEqual([]);
  }
  return result.exitCode === 0;
}

describe(`worker mode fault injection: ${TRIALS} random kill -9 trials (base seed ${BASE_SEED})`, () => {
  afterAll(() => {
    console.log(`worker fault trials: ${[...tally].map(([key, n]) => `${key} ${n}`).join(', ')}`);
  });

  for (let trial = 0; trial < TRIALS; trial++) {
    const seed = BASE_SEED + trial;
    it(`trial ${trial} (CHUNKRUN_FAULT_SEED=${seed} replays it as trial 0)`, async () => {
      const random = seededRandom(seed);
      const cwd = tempWorkDir('chunkrun-worker-fault-');
      const outputDir = path.join(cwd, 'data', 'phase1_0');
      try {
        writeWorkerConfig(cwd);
        const kills = random() < 0.7 ? 1 : 2;
        let finished = false;
        for (let round = 0; round < kills && !finished; round++) {
          finished = await runAndKill(pickVictim(random), 300 + random() * 1500, cwd, random);
        }
        if (!finished) await rerunUntilDone(ARGS, cwd, ENV);

        expect(committedProblems(outputDir)).toEqual([]);
        const left = await leftoverProcesses(cwd, 2_000);
        killAll(left);
        expect(left, 'processes left after the run finished').toEqual([]);
      } finally {
        killAll(processesMentioning(cwd));
        removeDir(cwd);
      }
    }, 120_000);
  }
});
