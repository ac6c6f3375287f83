/**
 * The randomized kill -9 trials, one harness for process and worker mode: run the launcher,
 * kill a victim at a random moment (sometimes twice), rerun until done, then check every index
 * is committed exactly once and no process of the run is left.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { launcher, removeDir, tempWorkDir } from './cli.js';
import { committedProblems, killAll, leftoverProcesses, processesMentioning, rerunUntilDone, seededRandom, sleep } from './faults.js';

/** Processes a killed supervisor left must stop by themselves within this (kill grace plus slack). */
const ORPHAN_LIMIT_MS = 5_000;

export interface KillTrials<Victim extends string> {
  readonly title: string;
  readonly dirPrefix: string;
  /** Trials by default; CHUNKRUN_FAULT_TRIALS overrides, CHUNKRUN_FAULT_SEED replays one. */
  readonly defaultTrials: number;
  readonly args: readonly string[];
  readonly env: Record<string, string>;
  readonly trialTimeoutMs: number;
  writeConfig(cwd: string): void;
  pickVictim(random: () => number): Victim;
  /** The victim's pid at this moment, or undefined when it has none right now. */
  victimPid(victim: Victim, launcherPid: number, cwd: string, outputDir: string, random: () => number): number | undefined;
  /** Whether the processes the victim supervised must be gone by themselves soon after it dies. */
  orphansMustStop(victim: Victim): boolean;
}

export function describeKillTrials<Victim extends string>(trials: KillTrials<Victim>): void {
  const count = Number(process.env.CHUNKRUN_FAULT_TRIALS ?? trials.defaultTrials);
  const baseSeed = Number(process.env.CHUNKRUN_FAULT_SEED ?? Date.now() % 1_000_000);
  const tally = new Map<string, number>();
  const note = (key: string) => tally.set(key, (tally.get(key) ?? 0) + 1);

  /** One launcher run with one kill -9 in it; true when the run still finished (exit 0). */
  async function runAndKill(victim: Victim, killAfterMs: number, cwd: string, outputDir: string, random: () => number): Promise<boolean> {
    const run = launcher(trials.args, { cwd, env: trials.env, timeoutMs: 60_000 });
    let ended = false;
    void run.finally(() => (ended = true));
    await sleep(killAfterMs);
    let killed: number | undefined;
    for (let tries = 0; tries < 20 && killed === undefined && !ended; tries++) {
      const pid = trials.victimPid(victim, run.pid!, cwd, outputDir, random);
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
    note(killed === undefined ? 'no kill (run ended first)' : `killed ${victim}`);
    const result = await run;
    if (killed !== undefined && trials.orphansMustStop(victim)) {
      // Nobody supervises the killed one's children now: they must notice and stop by themselves.
      const orphans = await leftoverProcesses(cwd, ORPHAN_LIMIT_MS);
      killAll(orphans);
      expect(orphans, `processes of the killed ${victim} still running`).toEqual([]);
    }
    return result.exitCode === 0;
  }

  describe(`${trials.title}: ${count} random kill -9 trials (base seed ${baseSeed})`, () => {
    afterAll(() => {
      console.log(`${trials.title}: ${[...tally].map(([key, n]) => `${key} ${n}`).join(', ')}`);
    });

    for (let trial = 0; trial < count; trial++) {
      const seed = baseSeed + trial;
      it(
        `trial ${trial} (CHUNKRUN_FAULT_SEED=${seed} replays it as trial 0)`,
        async () => {
          const random = seededRandom(seed);
          const cwd = tempWorkDir(trials.dirPrefix);
          const outputDir = path.join(cwd, 'data', 'phase1_0');
          try {
            trials.writeConfig(cwd);
            // Most trials kill once; some kill again during the resume, while the first kill's debris is fresh.
            const kills = random() < 0.7 ? 1 : 2;
            let finished = false;
            for (let round = 0; round < kills && !finished; round++) {
              finished = await runAndKill(trials.pickVictim(random), 300 + random() * 1500, cwd, outputDir, random);
            }
            if (!finished) await rerunUntilDone(trials.args, cwd, trials.env);

            expect(committedProblems(outputDir)).toEqual([]);
            const left = await leftoverProcesses(cwd, 2_000);
            killAll(left);
            expect(left, 'processes left after the run finished').toEqual([]);
          } finally {
            killAll(processesMentioning(cwd));
            removeDir(cwd);
          }
        },
        trials.trialTimeoutMs,
      );
    }
  });
}
