#!/usr/bin/env node
/**
 * Runner overhead: what a chunk costs above its phase's own process start, end to end and
 * per part (claim, spawn, chunk dir, commit marker, fsyncs, event).
 *
 *   npm run bench:overhead -- [--chunks 300] [--rounds 3] [--parts 200] [--keep]
 *
 * The phase is `sh` writing one JSONL line: a start of a few ms, so the runner's own cost is
 * not lost in an interpreter's start. Rounds alternate, in the same run: a bare loop spawning
 * the same command N times (one after the other, as one device does), the launcher running N
 * one-item chunks on one device, and the launcher running one chunk (its fixed start-up).
 * fixed cost per chunk = (launcher N - launcher 1) / (N - 1) - bare spawn. Medians.
 *
 * The parts are the runner's own functions called in this process on a real output dir, the
 * fsyncs counted and timed apart (each part's figure is without its fsyncs).
 */
import { spawn } from 'node:child_process';
import fs, { mkdirSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
import { dist, fmt, option, scratchDir, timeLauncher } from './bench-support.mjs';

const chunks = Number(option('chunks', '300'));
const rounds = Number(option('rounds', '3'));
const partRepeats = Number(option('parts', '200'));
const { dir, cleanup } = scratchDir('chunkrun-bench-overhead-');

const PHASE_SCRIPT = 'printf \'{"index": %s}\\n\' "$1" > "$BENCH_OUTPUT_DIR/dataset_$1.jsonl"';
const phaseArgv = (index) => ['sh', '-c', PHASE_SCRIPT, 'sh', String(index)];

// Every fsync of this process, counted and timed, so the parts can show them apart.
const fsyncs = { count: 0, ms: 0 };
const realFsync = fs.fsyncSync;
fs.fsyncSync = (fd) => {
  const started = performance.now();
  realFsync(fd);
  fsyncs.ms += performance.now() - started;
  fsyncs.count++;
};
syncBuiltinESMExports();

const load = (file) => import(path.join(dist, file));
const { tryClaim, renewClaim, stillHolds, releaseClaim } = await load('core/claims.js');
const { verifyOutputs, writeCommitMarker } = await load('core/commit.js');
const { attemptDirFor, chunkDirFor } = await load('core/layout.js');
const { processStartTicks } = await load('core/process-info.js');
const { committedCopy, makeAttemptDir, publishAttemptDir, setAsideStaleAttempts } = await load('chunk-runner/chunk-dirs.js');
const { phaseEnvFor } = await load('chunk-runner/phase-env.js');
const { describeEvent } = await load('chunk-runner/describe-event.js');
const { runPhaseProcess } = await load('attempt/phase-process.js');

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function spawnOnce(argv, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { env, stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${argv.join(' ')} exited ${code}`))));
  });
}

async function bareLoop(round) {
  const out = path.join(dir, `bare-${round}`);
  mkdirSync(out);
  const env = { ...process.env, BENCH_OUTPUT_DIR: out };
  const started = performance.now();
  for (let index = 0; index < chunks; index++) await spawnOnce(phaseArgv(index), env);
  return performance.now() - started;
}

async function launcherRun(name, count) {
  const cwd = path.join(dir, name);
  mkdirSync(cwd);
  writeFileSync(
    path.join(cwd, 'launcher.config.json'),
    JSON.stringify({
      retries: 0,
      phases: {
        bench: {
          command: ['sh', '-c', PHASE_SCRIPT, 'sh', '{start}'],
          outputDirEnv: 'BENCH_OUTPUT_DIR',
          outputDir: 'out',
          outputs: ['dataset_*'],
        },
      },
    }),
  );
  const args = ['--phase', 'bench', '--start', '0', '--end', String(count - 1), '--checkpoint-frequency', '1'];
  return (await timeLauncher([...args, '--devices', 'cpu:1', '--no-merge', '--quiet'], { cwd })).ms;
}

/** Median ms of `part` over the repeats, without the fsyncs it made; and its fsyncs per call. */
async function measurePart(part) {
  const times = [];
  let syncCount = 0;
  let syncMs = 0;
  for (let i = 0; i < partRepeats; i++) {
    const before = { count: fsyncs.count, ms: fsyncs.ms };
    const started = performance.now();
    await part(i);
    const syncedMs = fsyncs.ms - before.ms;
    times.push(performance.now() - started - syncedMs);
    syncCount += fsyncs.count - before.count;
    syncMs += syncedMs;
  }
  return { ms: median(times), fsyncs: syncCount / partRepeats, fsyncMs: syncMs / partRepeats };
}

async function measureParts() {
  const outputDir = path.join(dir, 'parts');
  mkdirSync(outputDir);
  const device = { kind: 'cpu', ids: ['0'], name: 'cpu0' };
  const name = (i) => `chunk_${String(i).padStart(5, '0')}-${String(i).padStart(5, '0')}`;
  const finalDirOf = (i) => chunkDirFor(outputDir, 'cpu0', { start: i, end: i }, 5);
  const claims = new Map();
  const dirOf = (i) => attemptDirFor(outputDir, 'cpu0', name(i), claims.get(i).token, 1);
  const stop = new AbortController();

  const claim = await measurePart((i) => {
    const attempt = tryClaim(outputDir, name(i), { device: 'cpu0', leaseMs: 60_000 });
    if (!attempt.acquired) throw new Error(`claim of ${name(i)} refused: ${attempt.why}`);
    setAsideStaleAttempts(outputDir, name(i), undefined);
    if (committedCopy(outputDir, name(i))) throw new Error(`${name(i)} committed before its run`);
    claims.set(i, attempt.claim);
  });
  const chunkDir = await measurePart((i) => {
    makeAttemptDir(dirOf(i), undefined);
    phaseEnvFor(
      process.env,
      {},
      device,
      {},
      { range: { start: i, end: i }, chunkDir: dirOf(i), attempt: 1, outputDirEnv: 'BENCH_OUTPUT_DIR' },
    );
  });
  // The phase as the runner starts it (own process group, log file, group stopped after), against a bare spawn.
  const spawns = { runner: [], bare: [], fsyncs: 0, fsyncMs: 0 };
  mkdirSync(path.join(dir, 'parts-bare'));
  for (let i = 0; i < partRepeats; i++) {
    const env = { ...process.env, BENCH_OUTPUT_DIR: dirOf(i) };
    const before = { count: fsyncs.count, ms: fsyncs.ms };
    let started = performance.now();
    const outcome = await runPhaseProcess({
      argv: phaseArgv(i),
      env,
      cwd: dir,
      logFile: path.join(dirOf(i), 'run.log'),
      timeoutMs: undefined,
      killGraceMs: 5000,
      stop: stop.signal,
      onSpawn: (pid) => {
        const renewed = renewClaim(outputDir, claims.get(i), { phasePid: pid, phasePidStart: processStartTicks(pid) });
        if (renewed) claims.set(i, renewed);
      },
    });
    if (outcome.kind !== 'exited' || outcome.exitCode !== 0) throw new Error(`phase of ${name(i)}: ${JSON.stringify(outcome)}`);
    spawns.runner.push(performance.now() - started - (fsyncs.ms - before.ms));
    spawns.fsyncs += (fsyncs.count - before.count) / partRepeats;
    spawns.fsyncMs += (fsyncs.ms - before.ms) / partRepeats;
    started = performance.now();
    await spawnOnce(phaseArgv(i), { ...env, BENCH_OUTPUT_DIR: path.join(dir, 'parts-bare') });
    spawns.bare.push(performance.now() - started);
  }
  const run = { phase: '1', start: 0, end: partRepeats, checkpointFrequency: 1, command: phaseArgv(0) };
  const commit = await measurePart(async (i) => {
    const range = { start: i, end: i };
    const verdict = await verifyOutputs(dirOf(i), { outputs: ['dataset_*'], indexColumn: undefined, range });
    if (!verdict.ok) throw new Error(`${name(i)}: ${verdict.reason}`);
    const facts = {
      name: name(i),
      range,
      device: 'cpu0',
      host: 'bench',
      attempt: 1,
      startedAt: new Date(),
      run,
      token: claims.get(i).token,
      indexColumn: undefined,
    };
    writeCommitMarker(dirOf(i), verdict, facts);
    if (!stillHolds(outputDir, claims.get(i))) throw new Error(`${name(i)}: claim lost`);
    if (publishAttemptDir(dirOf(i), finalDirOf(i)) !== 'published') throw new Error(`${name(i)}: not published`);
  });
  const release = await measurePart((i) => releaseClaim(outputDir, claims.get(i)));
  const event = await measurePart((i) => {
    const committed = { type: 'chunk-committed', device: 'cpu0', name: name(i), start: i, end: i, attempt: 1, durationMs: 3, rows: 1 };
    const line = JSON.stringify(committed);
    describeEvent(JSON.parse(line));
  });
  const spawn = { ms: median(spawns.runner) - median(spawns.bare), fsyncs: spawns.fsyncs, fsyncMs: spawns.fsyncMs };
  return { claim, chunkDir, spawn, bareSpawn: median(spawns.bare), commit, release, event };
}

try {
  console.log(`runner overhead: sh phase, ${chunks} one-item chunks on one device, ${rounds} alternating rounds`);
  const bare = [];
  const single = [];
  const full = [];
  for (let round = 0; round < rounds; round++) {
    bare.push(await bareLoop(round));
    full.push(await launcherRun(`chunked-${round}`, chunks));
    single.push(await launcherRun(`one-chunk-${round}`, 1));
  }
  const barePerSpawn = median(bare) / chunks;
  const launcherPerChunk = (median(full) - median(single)) / (chunks - 1);
  console.log(`bare spawn loop: ${fmt(barePerSpawn)} ms per process (rounds: ${bare.map((ms) => fmt(ms / chunks)).join(', ')})`);
  console.log(
    `launcher: ${fmt(launcherPerChunk)} ms per chunk after its start-up (one-chunk run ${fmt(median(single), 0)} ms; ` +
      `${chunks}-chunk runs ${full.map((ms) => fmt(ms, 0)).join(', ')} ms)`,
  );
  console.log(
    `fixed cost per chunk above the phase's own start: ${fmt(launcherPerChunk - barePerSpawn)} ms (launcher / bare = ${fmt(launcherPerChunk / barePerSpawn, 2)})`,
  );

  const parts = await measureParts();
  const row = (label, part, note = '') =>
    console.log(
      `  ${label.padEnd(14)} ${fmt(part.ms).padStart(7)} ms  + ${fmt(part.fsyncs, 1)} fsync(s) ${fmt(part.fsyncMs).padStart(6)} ms${note}`,
    );
  console.log(`per part, in process, median of ${partRepeats} (fsyncs timed apart):`);
  row('claim', parts.claim, ' (claim file, look for a commit elsewhere)');
  row('chunk dir', parts.chunkDir, " (the attempt's own dir, the phase env)");
  row('spawn', parts.spawn, ` above a bare spawn of ${fmt(parts.bareSpawn)} ms (process group, log file, the claim records the pid)`);
  row('commit', parts.commit, ' (check outputs and rows, _SUCCESS, claim still ours, publish by rename)');
  row('release', parts.release, ' (claim file removed)');
  row('event', parts.event, ' (one JSON line out and back, described)');
  const all = [parts.claim, parts.chunkDir, parts.spawn, parts.commit, parts.release, parts.event];
  const sum = (key) => all.reduce((total, part) => total + part[key], 0);
  console.log(
    `sum of parts: ${fmt(sum('ms') + sum('fsyncMs'))} ms per chunk, of which ${fmt(sum('fsyncs'), 1)} fsyncs ${fmt(sum('fsyncMs'))} ms ` +
      `(${fmt(fsyncs.ms / fsyncs.count)} ms each on this disk)`,
  );
} finally {
  fs.fsyncSync = realFsync;
  syncBuiltinESMExports();
  cleanup();
}
