#!/usr/bin/env node
/**
 * The control plane at scale: the work queue handing out every chunk of a big run, and the
 * launcher's `--dry-run` and `status` on a plan of millions of one-item chunks, against a
 * bare `node -e ''` start measured in alternating rounds of the same run. Medians.
 *
 *   npm run bench:plan -- [--queue-chunks 200000] [--items 10000000] [--committed 1000] [--rounds 5] [--keep]
 *
 * The queue runs in this process (CPU time of handing out, starting and finishing every chunk
 * over 4 devices, no phases). The CLIs run as a user runs them, each reporting its peak RSS.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { benchDir, dist, fmt, launcherBin, option, scratchDir } from './bench-support.mjs';

const queueChunks = Number(option('queue-chunks', '200000'));
const items = Number(option('items', '10000000'));
const committedCount = Number(option('committed', '1000'));
const rounds = Number(option('rounds', '5'));
const { dir, cleanup } = scratchDir('chunkrun-bench-plan-');

const load = (file) => import(path.join(dist, file));
const { WorkQueue } = await load('chunk-runner/work-queue.js');
const { plannedBlocks } = await load('chunk-runner/chunk-blocks.js');
const { spansExcept } = await load('core/chunk-spans.js');
const { chunkName, nameWidthFor } = await load('core/plan.js');
const { writeRunFile } = await load('core/run-file.js');
const { writeMarker } = await load('core/marker.js');
const { chunkDirFor } = await load('core/layout.js');

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Wall ms and peak RSS (MB) of a node CLI run to its end; rejects on a non-zero exit. */
function timeCli(args) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (data) => (output += data));
    child.stderr.on('data', (data) => (output += data));
    child.on('close', (code) => {
      const ms = performance.now() - started;
      if (code !== 0) return reject(new Error(`node ${args.join(' ')} exited ${code}:\n${output.slice(-2000)}`));
      const rss = /peak-rss-kb (\d+)/.exec(output);
      resolve({ ms, rssMb: rss ? Number(rss[1]) / 1024 : undefined, output });
    });
  });
}

/** CPU ms to hand out, start and finish every chunk of a fresh run, 4 devices asking in turn. */
function queueCpuMs() {
  const request = { start: 0, end: queueChunks - 1, checkpointFrequency: 1 };
  const devices = 4;
  const before = process.cpuUsage();
  const queue = new WorkQueue(
    plannedBlocks(request, nameWidthFor(request.end), spansExcept(queueChunks, []), devices),
    new Map(Array.from({ length: devices }, (_, d) => [`d${d}`, d])),
    1000,
  );
  let handed = 0;
  for (let turn = 0; ; turn++) {
    const chunk = queue.next(`d${turn % devices}`, 0);
    if (!chunk) break;
    queue.start(chunk.name);
    queue.done(chunk.name);
    handed++;
  }
  const used = process.cpuUsage(before);
  if (handed !== queueChunks) throw new Error(`queue handed out ${handed} chunks, expected ${queueChunks}`);
  return (used.user + used.system) / 1000;
}

/** A run of `items` one-item chunks with `committedCount` of them committed, spread over the range. */
function makeRun() {
  writeFileSync(
    path.join(dir, 'launcher.config.json'),
    JSON.stringify({
      phases: { bench: { command: ['sh', '-c', 'true'], outputDirEnv: 'BENCH_OUTPUT_DIR', outputDir: 'out', outputs: ['dataset_*'] } },
    }),
  );
  const outputDir = path.join(dir, 'out');
  mkdirSync(outputDir, { recursive: true });
  writeRunFile(outputDir, {
    version: 1,
    createdAt: new Date().toISOString(),
    phase: 'bench',
    start: 0,
    end: items - 1,
    checkpointFrequency: 1,
    command: ['sh', '-c', 'true'],
    outputs: ['dataset_*'],
  });
  const width = nameWidthFor(items - 1);
  const now = new Date().toISOString();
  for (let k = 0; k < committedCount; k++) {
    const index = Math.floor((k * items) / committedCount);
    const range = { start: index, end: index };
    const chunkDir = chunkDirFor(outputDir, `cpu${k % 4}`, range, width);
    mkdirSync(chunkDir, { recursive: true });
    writeMarker(chunkDir, {
      version: 1,
      name: chunkName(range, width),
      ...range,
      device: `cpu${k % 4}`,
      host: 'bench',
      attempt: 1,
      startedAt: now,
      finishedAt: now,
      durationMs: 1,
      files: [],
    });
  }
}

try {
  makeRun();
  console.log(
    `control plane at scale: queue of ${queueChunks} chunks in process; dry-run and status of ${items} one-item chunks, ${committedCount} committed; ${rounds} alternating rounds`,
  );
  const peak = path.join(benchDir, 'peak-rss.mjs');
  const plan = ['--phase', 'bench', '--start', '0', '--end', String(items - 1), '--checkpoint-frequency', '1', '--devices', 'cpu:4'];
  const results = { node: [], queue: [], dryRun: [], status: [] };
  for (let round = 0; round < rounds; round++) {
    results.node.push(await timeCli(['-e', '']));
    results.queue.push({ ms: queueCpuMs() });
    results.dryRun.push(await timeCli([peak, launcherBin, ...plan, '--dry-run']));
    results.status.push(await timeCli([peak, launcherBin, 'status', '--phase', 'bench']));
  }
  const ms = (key) => median(results[key].map((r) => r.ms));
  const rss = (key) => Math.max(...results[key].map((r) => r.rssMb));
  const nodeMs = ms('node');
  console.log(`bare \`node -e ''\` start (baseline): median ${fmt(nodeMs, 0)} ms`);
  console.log(
    `queue, ${queueChunks} chunks handed out: median ${fmt(ms('queue'), 0)} ms CPU (${fmt(ms('queue') / nodeMs, 2)}x a node start; goal < 1000 ms: ${ms('queue') < 1000 ? 'met' : 'NOT met'})`,
  );
  for (const [key, label] of [
    ['dryRun', '--dry-run'],
    ['status', 'status'],
  ]) {
    console.log(
      `launcher ${label}, ${items} chunks: median ${fmt(ms(key), 0)} ms (${fmt(ms(key) / nodeMs, 2)}x a node start), peak RSS ${fmt(rss(key), 0)} MB (goal < 300 MB: ${rss(key) < 300 ? 'met' : 'NOT met'})`,
    );
  }
} finally {
  cleanup();
}
