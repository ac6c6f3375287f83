/**
 * The kill -9 trials of faults.test.ts in worker mode: kill a worker, the chunk-runner or the
 * launcher at a random moment (during setup or mid-chunk), rerun until done, and check that
 * every index is committed exactly once and that no worker outlives its run.
 * CHUNKRUN_FAULT_TRIALS sets the number of trials (default 4), CHUNKRUN_FAULT_SEED replays one.
 */
import { processesMentioning } from './support/faults.js';
import { describeKillTrials } from './support/kill-trials.js';
import { writeWorkerConfig } from './support/worker-phase.js';

type Victim = 'worker' | 'runner' | 'launcher';

describeKillTrials<Victim>({
  title: 'worker mode fault injection',
  dirPrefix: 'chunkrun-worker-fault-',
  defaultTrials: 4,
  args: ['--phase', '1', '--start', '0', '--end', '99', '--checkpoint-frequency', '10', '--devices', 'cpu:2', '--no-merge'],
  env: { CHUNKRUN_EXAMPLE_DELAY: '0.03' },
  trialTimeoutMs: 120_000,
  writeConfig: (cwd) => writeWorkerConfig(cwd),
  pickVictim: (random) => {
    const r = random();
    return r < 0.45 ? 'worker' : r < 0.75 ? 'runner' : 'launcher';
  },
  victimPid: (victim, launcherPid, cwd, _outputDir, random) => {
    if (victim === 'launcher') return launcherPid;
    const processes = processesMentioning(cwd);
    if (victim === 'runner') return processes.find((p) => p.command.includes('chunk-runner/main.js'))?.pid;
    const workers = processes.filter((p) => p.command.includes('phase1_worker.py'));
    return workers[Math.floor(random() * workers.length)]?.pid;
  },
  // A worker notices its runner is gone at once (its socket closes); a runner its launcher within the kill grace.
  orphansMustStop: (victim) => victim !== 'worker',
});
