#!/usr/bin/env node
/**
 * Scheduling: makespan over the lower bound, for chunkrun's dynamic chunks and for the seed
 * system's static contiguous split (--no-checkpoint), measured in the same run.
 *
 *   npm run bench:schedule -- [--items 4000] [--base-ms 15] [--slow-factor 20] [--slow-every 10]
 *                             [--slow-below 800] [--devices 4] [--frequency 50] [--keep]
 *
 * A synthetic phase (bench/skewed_phase.py) sleeps each item's cost: every 10th item below 800
 * costs 20x (so the first device's static slice holds all the slow items), and the last
 * device runs at half speed. Lower bound = max(total work / capacity, longest chunk), with
 * capacity = devices - 0.5. Makespan = first phase start to last phase end (from the phases'
 * own clocks); the launchers' wall times are printed too.
 */
import { readFileSync } from 'node:fs';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { benchDir, fmt, option, realPython, scratchDir, timeLauncher, writeBenchConfig, benchLaunchArgs } from './bench-support.mjs';

const items = Number(option('items', '4000'));
const baseMs = Number(option('base-ms', '15'));
const slowFactor = Number(option('slow-factor', '20'));
const slowEvery = Number(option('slow-every', '10'));
const slowBelow = Number(option('slow-below', '800'));
const deviceCount = Number(option('devices', '4'));
const frequency = Number(option('frequency', '50'));
const slowDevice = `cpu${deviceCount - 1}`;

const itemCostMs = (index) => baseMs * (index < slowBelow && index % slowEvery === 0 ? slowFactor : 1);
let totalWorkMs = 0;
let longestChunkMs = 0;
for (let start = 0; start < items; start += frequency) {
  let chunkMs = 0;
  for (let index = start; index < Math.min(items, start + frequency); index++) chunkMs += itemCostMs(index);
  totalWorkMs += chunkMs;
  longestChunkMs = Math.max(longestChunkMs, chunkMs);
}
const capacity = deviceCount - 0.5;
const lowerBoundMs = Math.max(totalWorkMs / capacity, longestChunkMs);

const python = realPython();
const { dir, cleanup } = scratchDir('chunkrun-bench-schedule-');
const env = {
  BENCH_BASE_MS: String(baseMs),
  BENCH_SLOW_FACTOR: String(slowFactor),
  BENCH_SLOW_EVERY: String(slowEvery),
  BENCH_SLOW_BELOW: String(slowBelow),
  BENCH_SLOW_DEVICE: slowDevice,
};

/** Makespan and per-device busy time from the phases' records. */
function phaseTimes(record) {
  const entries = readFileSync(record, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
  const first = Math.min(...entries.map((e) => e.t0));
  const last = Math.max(...entries.map((e) => e.t1));
  const busy = new Map();
  for (const e of entries) busy.set(e.device, (busy.get(e.device) ?? 0) + (e.t1 - e.t0) * 1000);
  return { makespanMs: (last - first) * 1000, processes: entries.length, busy };
}

async function measure(name, extraArgs) {
  const cwd = path.join(dir, name);
  mkdirSync(cwd);
  writeBenchConfig(cwd, python, path.join(benchDir, 'skewed_phase.py'));
  const record = path.join(cwd, 'record.jsonl');
  const args = benchLaunchArgs({ items, frequency, devices: deviceCount, extra: extraArgs });
  const { ms } = await timeLauncher(args, { cwd, env: { ...env, BENCH_RECORD: record } });
  return { name, wallMs: ms, ...phaseTimes(record) };
}

try {
  console.log(
    `scheduling: ${items} items, ${baseMs} ms each, every ${slowEvery}th below ${slowBelow} ${slowFactor}x slower; ` +
      `${deviceCount} devices, ${slowDevice} at half speed; chunks of ${frequency}`,
  );
  console.log(
    `lower bound: ${fmt(lowerBoundMs / 1000)} s = max(total work ${fmt(totalWorkMs / 1000)} s / capacity ${capacity}, longest chunk ${fmt(longestChunkMs / 1000)} s)`,
  );
  const dynamic = await measure('chunked', []);
  const seed = await measure('static', ['--no-checkpoint']);
  for (const run of [dynamic, seed]) {
    const busy = [...run.busy]
      .sort()
      .map(([device, ms]) => `${device} ${fmt(ms / 1000, 1)}s`)
      .join(', ');
    console.log(
      `${run.name.padEnd(8)} makespan ${fmt(run.makespanMs / 1000)} s = ${fmt(run.makespanMs / lowerBoundMs, 3)} x lower bound; ` +
        `launcher wall ${fmt(run.wallMs / 1000)} s = ${fmt(run.wallMs / lowerBoundMs, 3)} x; ${run.processes} phase processes; busy ${busy}`,
    );
  }
  console.log(`static split / chunked: makespan ${fmt(seed.makespanMs / dynamic.makespanMs)}x, wall ${fmt(seed.wallMs / dynamic.wallMs)}x`);
} finally {
  cleanup();
}
