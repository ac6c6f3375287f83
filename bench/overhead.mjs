#!/usr/bin/env node
/**
 * Runner overhead: per-chunk time of the launcher running a null phase over N one-item chunks
 * on one device, above a bare loop spawning the same python command N times, in the same run.
 *
 *   npm run bench:overhead -- [--chunks 2000] [--keep]
 *
 * The bare loop spawns each process after the previous one exited, as one device does, with
 * the same argv and a real output dir. The launcher's fixed start-up cost (node start, plan,
 * run.json, starting the chunk-runner) is measured with a one-chunk run and shown apart.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { benchDir, fmt, option, realPython, scratchDir, timeLauncher, writeBenchConfig, benchLaunchArgs } from './bench-support.mjs';

const chunks = Number(option('chunks', '2000'));
const python = realPython();
const script = path.join(benchDir, 'null_phase.py');
const { dir, cleanup } = scratchDir('chunkrun-bench-overhead-');

function spawnOnce(argv, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { env, stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${argv.join(' ')} exited ${code}`))));
  });
}

async function bareLoop() {
  const out = path.join(dir, 'bare');
  mkdirSync(out);
  const env = { ...process.env, BENCH_OUTPUT_DIR: out };
  const started = performance.now();
  for (let index = 0; index < chunks; index++) {
    await spawnOnce([python, script, '--start', String(index), '--end', String(index), '--device', 'cpu0'], env);
  }
  return performance.now() - started;
}

async function launcherRun(name, count) {
  const cwd = path.join(dir, name);
  mkdirSync(cwd);
  writeBenchConfig(cwd, python, script);
  const args = benchLaunchArgs({ items: count, frequency: 1, devices: 1 });
  return (await timeLauncher(args, { cwd })).ms;
}

try {
  console.log(`runner overhead: null phase, ${chunks} one-item chunks on one device`);
  const bareMs = await bareLoop();
  const fixedMs = await launcherRun('one-chunk', 1);
  const runMs = await launcherRun('chunked', chunks);
  const perChunkBare = bareMs / chunks;
  const perChunkRun = runMs / chunks;
  const overhead = (runMs - bareMs) / chunks;
  const overheadWithoutFixed = (runMs - fixedMs - bareMs) / chunks;
  console.log(`bare loop: ${fmt(bareMs / 1000)} s, ${fmt(perChunkBare, 1)} ms per process`);
  console.log(`launcher:  ${fmt(runMs / 1000)} s, ${fmt(perChunkRun, 1)} ms per chunk (one-chunk run: ${fmt(fixedMs)} ms)`);
  console.log(
    `overhead per chunk: ${fmt(overhead, 1)} ms (${fmt(overheadWithoutFixed, 1)} ms without the fixed start-up); ` +
      `launcher / bare loop = ${fmt(runMs / bareMs, 3)}`,
  );
} finally {
  cleanup();
}
