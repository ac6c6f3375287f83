#!/usr/bin/env node
/**
 * Worker mode ("worker": true), three measurements, each in alternating rounds, medians:
 *
 *   npm run bench:worker -- [--only overhead|setup|schedule] [--rounds 3] [--chunks 1000] [--process-chunks 100]
 *                           [--setup-s 2] [--setup-chunks 40] [--items 4000] [--keep]
 *
 * overhead: a null worker over N one-item chunks on one device; per-chunk time of the
 *   launcher ((run of N - run of 1) / (N - 1)) and of a bare loop sending the same chunk
 *   messages straight to the same worker (no runner: no claims, no commit); the difference
 *   is what the runner adds per chunk. The same file as a process-mode phase, for scale.
 * setup: a phase whose setup (model load) takes --setup-s seconds, 40 chunks of 10 items
 *   (10 ms each) on 2 devices: process mode (a setup per chunk) vs worker mode (a setup
 *   per device).
 * schedule: bench/schedule.mjs's skewed items and half-speed device, chunks of 20, as a
 *   worker: makespan (first chunk start to last chunk end) over the lower bound
 *   max(total work / capacity, longest chunk).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  benchDir,
  benchLaunchArgs,
  dist,
  fmt,
  option,
  realPython,
  repoRoot,
  scratchDir,
  timeLauncher,
  writeBenchConfig,
} from './bench-support.mjs';

const { WorkerProcess } = await import(path.join(dist, 'attempt', 'worker-process.js'));

const only = option('only');
const rounds = Number(option('rounds', '3'));
const python = realPython();
const { dir, cleanup } = scratchDir('chunkrun-bench-worker-');
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const workerPhase = (script) => ({ command: ['{python}', script], worker: true });
let runs = 0;

async function launcherRun(script, phase, { items, frequency, devices, env = {}, under = dir }) {
  const cwd = path.join(under, `run${++runs}`);
  mkdirSync(cwd);
  writeBenchConfig(cwd, python, script, { retries: 0 }, phase);
  const record = path.join(cwd, 'record.jsonl');
  const { ms } = await timeLauncher(benchLaunchArgs({ items, frequency, devices }), { cwd, env: { ...env, BENCH_RECORD: record } });
  return { ms, record };
}

/** The same chunk messages a runner sends, straight to one worker, one after another. */
async function bareMessageLoop(script, chunks, under) {
  const cwd = path.join(under, `bare${++runs}`);
  mkdirSync(cwd);
  const worker = new WorkerProcess({
    argv: [python, script],
    env: { ...process.env, CHUNKRUN_WORKER_FD: '3', PYTHONPATH: path.join(repoRoot, 'python') },
    cwd,
    logFile: path.join(cwd, 'worker.log'),
  });
  const ready = await worker.next();
  if (ready.type !== 'message' || ready.message.type !== 'ready') throw new Error(`bare worker did not start: ${JSON.stringify(ready)}`);
  const started = performance.now();
  for (let index = 0; index < chunks; index++) {
    const chunkDir = path.join(cwd, `chunk_${index}`);
    mkdirSync(chunkDir);
    worker.send({
      type: 'chunk',
      start: index,
      end: index,
      dir: chunkDir,
      device: 'cpu0',
      attempt: 1,
      log: path.join(chunkDir, 'run.log'),
      env: {},
    });
    const reply = await worker.next();
    if (reply.type !== 'message' || reply.message.type !== 'done') throw new Error(`bare worker: ${JSON.stringify(reply)}`);
  }
  const ms = performance.now() - started;
  await worker.stop(1000);
  return ms;
}

/**
 * Per chunk, the runner fsyncs its claim and commit files; on a disk that costs what the
 * disk says, so the same runs are also made on tmpfs (/dev/shm, where present), which
 * leaves the runner's own work.
 */
async function overhead() {
  const chunks = Number(option('chunks', '1000'));
  const script = path.join(benchDir, 'null_worker.py');
  const places = [{ name: `output dir on ${tmpdir()}`, under: dir }];
  if (existsSync('/dev/shm'))
    places.push({ name: 'output dir on tmpfs (/dev/shm)', under: mkdtempSync(path.join('/dev/shm', 'chunkrun-bench-')) });
  const processChunks = Number(option('process-chunks', '100'));
  const perChunk = places.map(() => []);
  const perProcessChunk = places.map(() => []);
  const bare = places.map(() => []);
  /** Per chunk, without the launcher's fixed start-up: (run of n - run of 1) / (n - 1). */
  const perChunkOf = async (phase, n, under) => {
    const one = await launcherRun(script, phase, { items: 1, frequency: 1, devices: 1, under });
    const many = await launcherRun(script, phase, { items: n, frequency: 1, devices: 1, under });
    return (many.ms - one.ms) / (n - 1);
  };
  try {
    for (let round = 0; round < rounds; round++) {
      for (const [at, { under }] of places.entries()) {
        bare[at].push((await bareMessageLoop(script, chunks, under)) / chunks);
        perChunk[at].push(await perChunkOf(workerPhase(script), chunks, under));
        // The same file as a process-mode phase (serve() runs one range from --start/--end).
        perProcessChunk[at].push(await perChunkOf({}, processChunks, under));
      }
    }
  } finally {
    for (const { under } of places.slice(1)) rmSync(under, { recursive: true, force: true });
  }
  console.log(`overhead: null worker, ${chunks} one-item chunks on one device (process mode: ${processChunks}), ${rounds} rounds, medians`);
  for (const [at, { name }] of places.entries()) {
    const runner = median(perChunk[at]);
    const message = median(bare[at]);
    const processMode = median(perProcessChunk[at]);
    console.log(
      `  ${name}: ${fmt(runner)} ms per chunk in worker mode; the bare message loop to the same worker ${fmt(message)} ms; ` +
        `the runner adds ${fmt(runner - message)} ms; process mode ${fmt(processMode)} ms per chunk (${fmt(processMode / runner, 1)}x worker mode)`,
    );
  }
}

async function setupCost() {
  const setupS = Number(option('setup-s', '2'));
  const chunks = Number(option('setup-chunks', '40'));
  const script = path.join(benchDir, 'setup_phase.py');
  const shape = { items: chunks * 10, frequency: 10, devices: 2, env: { BENCH_SETUP_S: String(setupS), BENCH_ITEM_MS: '10' } };
  const processMs = [];
  const workerMs = [];
  for (let round = 0; round < Math.min(rounds, Number(option('setup-rounds', '2'))); round++) {
    processMs.push((await launcherRun(script, {}, shape)).ms);
    workerMs.push((await launcherRun(script, workerPhase(script), shape)).ms);
  }
  const [p, w] = [median(processMs), median(workerMs)];
  console.log(`setup: ${setupS} s setup, ${chunks} chunks of 10 items (10 ms each) on 2 devices, ${processMs.length} rounds, medians`);
  console.log(
    `  process mode ${fmt(p / 1000)} s, worker mode ${fmt(w / 1000)} s: worker mode takes ${fmt(w / p, 3)} of the time (${fmt(p / w)}x faster); ` +
      `device time saved: ${fmt(((p - w) * 2) / 1000, 1)} s, ${fmt(((p - w) * 2) / 1000 / setupS, 1)} setups' worth (${chunks - 2} setups fewer)`,
  );
}

async function schedule() {
  const items = Number(option('items', '4000'));
  const frequency = 20;
  const [baseMs, slowFactor, slowEvery, slowBelow, devices] = [15, 20, 10, 800, 4];
  const itemCostMs = (index) => baseMs * (index < slowBelow && index % slowEvery === 0 ? slowFactor : 1);
  let total = 0;
  let longest = 0;
  for (let start = 0; start < items; start += frequency) {
    let chunkMs = 0;
    for (let index = start; index < Math.min(items, start + frequency); index++) chunkMs += itemCostMs(index);
    total += chunkMs;
    longest = Math.max(longest, chunkMs);
  }
  const lowerBound = Math.max(total / (devices - 0.5), longest);
  const env = {
    BENCH_BASE_MS: String(baseMs),
    BENCH_SLOW_FACTOR: String(slowFactor),
    BENCH_SLOW_EVERY: String(slowEvery),
    BENCH_SLOW_BELOW: String(slowBelow),
    BENCH_SLOW_DEVICE: `cpu${devices - 1}`,
  };
  const ratios = { worker: [], process: [] };
  for (let round = 0; round < Math.min(rounds, Number(option('schedule-rounds', '2'))); round++) {
    for (const mode of ['worker', 'process']) {
      const script = path.join(benchDir, mode === 'worker' ? 'skewed_worker.py' : 'skewed_phase.py');
      const { record } = await launcherRun(script, mode === 'worker' ? workerPhase(script) : {}, { items, frequency, devices, env });
      const entries = readFileSync(record, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line));
      const makespan = (Math.max(...entries.map((e) => e.t1)) - Math.min(...entries.map((e) => e.t0))) * 1000;
      ratios[mode].push(makespan / lowerBound);
    }
  }
  console.log(
    `schedule: ${items} skewed items, ${devices} devices (cpu${devices - 1} at half speed), chunks of ${frequency}, ` +
      `lower bound ${fmt(lowerBound / 1000)} s, ${ratios.worker.length} rounds, medians`,
  );
  console.log(`  makespan / lower bound: worker mode ${fmt(median(ratios.worker), 3)}, process mode ${fmt(median(ratios.process), 3)}`);
}

try {
  if (!only || only === 'overhead') await overhead();
  if (!only || only === 'setup') await setupCost();
  if (!only || only === 'schedule') await schedule();
} finally {
  cleanup();
}
