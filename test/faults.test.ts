/**
 * Randomized fault injection: kill -9 a phase, the chunk-runner or the launcher at a random
 * moment, rerun the same command until it finishes, and check that every index is committed
 * exactly once from complete attempts only, and that nothing of the killed run lives on.
 * CHUNKRUN_FAULT_TRIALS sets the number of trials (default 20), CHUNKRUN_FAULT_SEED replays one.
 */
import { afterAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { launcher, removeDir, tempWorkDir } from './support/cli.js';
import {
  committedProblems,
  killAll,
  leftoverProcesses,
  phasePids,
  processesMentioning,
  rerunUntilDone,
  seededRandom,
  sleep,
  writeFaultConfig,
} from './support/faults.js';

const TRIALS = Number(process.env.CHUNKRUN_FAULT_TRIALS ?? 20);
const BASE_SEED = Number(process.env.CHUNKRUN_FAULT_SEED ?? Date.now() % 1_000_000);
const ARGS = ['--phase', '1', '--start', '0', '--end', '99', '--checkpoint-frequency', '10', '--devices', 'cpu:2', '--no-merge'];
const ENV = { CHUNKRUN_EXAMPLE_DELAY: '0.01' };
/** Once its launcher is gone, a runner stops its phases at once: kill grace (1s) plus slack. */
const ORPHAN_LIMIT_MS = 5_000;

type Victim = 'phase' | 'runner' | 'launcher';
const tally = new Map<string, number>();
const count = (key: string) => tally.set(key, (tally.get(key) ?? 0) + 1);

function pickVictim(random: () => number): Victim {
  const r = random();
  return r < 0.45 ? 'phase' : r < 0.65 ? 'runner' : 'launcher';
}

/** The victim's pid at this moment, or undefined when it has none right now (between chunks). */
function victimPid(victim: Victim, launcherPid: number, outputDir: string, marker: string, random: () => number): number | undefined {
  if (victim === 'launcher') return launcherPid;
  if (victim === 'runner') return processesMentioning(marker).find((p) => p.command.includes('chunk-runner/main.js'))?.pid;
  const pids = phasePids(outputDir, marker);
  return pids[Math.floor(random() * pids.length)];
}

/** One launcher run with one kill -9 in it; true when the run still finished (exit 0). */
async function runAndKill(victim: Victim, killAfterMs: number, cwd: string, outputDir: string, random: () => number): Promise<boolean> {
  const run = launcher(ARGS, { cwd, env: ENV, timeoutMs: 60_000 });
  let ended = false;
  void run.finally(() => (ended = true));
  await sleep(killAfterMs);
  let killed: number | undefined;
  for (let tries = 0; tries < 20 && killed === undefined && !ended; tries++) {
    const pid = victimPid(victim, run.pid!, outputDir, cwd, random);
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
  if (victim === 'launcher' && killed !== undefined) {
    // Nobody supervises the runner now: it must notice and stop its phases by itself.
    const orphans = await leftoverProcesses(cwd, ORPHAN_LIMIT_MS);
    killAll(orphans);
    expect(orphans, 'processes of the killed launcher still running').toEqual([]);
  }
  return result.exitCode === 0;
}

describe(`fault injection: ${TRIALS} random kill -9 trials (base seed ${BASE_SEED})`, () => {
  afterAll(() => {
    console.log(`fault trials: ${[...tally].map(([key, n]) => `${key} ${n}`).join(', ')}`);
  });

  for (let trial = 0; trial < TRIALS; trial++) {
    const seed = BASE_SEED + trial;
    it(`trial ${trial} (CHUNKRUN_FAULT_SEED=${seed} replays it as trial 0)`, async () => {
      const random = seededRandom(seed);
      const cwd = tempWorkDir('chunkrun-fault-');
      const outputDir = path.join(cwd, 'data', 'phase1_0');
      try {
        writeFaultConfig(cwd);
        // Most trials kill once; some kill again during the resume, while the first kill's debris is fresh.
        const kills = random() < 0.7 ? 1 : 2;
        let finished = false;
        for (let round = 0; round < kills && !finished; round++) {
          finished = await runAndKill(pickVictim(random), 300 + random() * 1500, cwd, outputDir, random);
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
    }, 90_000);
  }
});
