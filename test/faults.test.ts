/**
 * Randomized fault injection: kill -9 a phase, the chunk-runner or the launcher at a random
 * moment, rerun the same command until it finishes, and check that every index is committed
 * exactly once from complete attempts only, and that nothing of the killed run lives on.
 * CHUNKRUN_FAULT_TRIALS sets the number of trials (default 20), CHUNKRUN_FAULT_SEED replays one.
 */
import { phasePids, processesMentioning, writeFaultConfig } from './support/faults.js';
import { describeKillTrials } from './support/kill-trials.js';

type Victim = 'phase' | 'runner' | 'launcher';

describeKillTrials<Victim>({
  title: 'fault injection',
  dirPrefix: 'chunkrun-fault-',
  defaultTrials: 20,
  args: ['--phase', '1', '--start', '0', '--end', '99', '--checkpoint-frequency', '10', '--devices', 'cpu:2', '--no-merge'],
  env: { CHUNKRUN_EXAMPLE_DELAY: '0.01' },
  trialTimeoutMs: 90_000,
  writeConfig: (cwd) => writeFaultConfig(cwd),
  pickVictim: (random) => {
    const r = random();
    return r < 0.45 ? 'phase' : r < 0.65 ? 'runner' : 'launcher';
  },
  victimPid: (victim, launcherPid, cwd, outputDir, random) => {
    if (victim === 'launcher') return launcherPid;
    if (victim === 'runner') return processesMentioning(cwd).find((p) => p.command.includes('chunk-runner/main.js'))?.pid;
    const pids = phasePids(outputDir, cwd);
    return pids[Math.floor(random() * pids.length)];
  },
  // Once its launcher is gone, a runner stops its phases at once; a killed runner's phases are stopped by the launcher.
  orphansMustStop: (victim) => victim === 'launcher',
});
