#!/usr/bin/env node
/**
 * Resume scan and status: an output dir with N committed chunks; the time from starting the
 * launcher to its "nothing to do" line, and of `launcher status` to its end. Goal at 200,000
 * chunks: each <= 2 s.
 *
 *   npm run bench:resume -- [--chunks 200000] [--devices 4] [--repeat 5] [--keep] [--dir DIR]
 *
 * Rounds alternate, in the same run, with a bare `node -e ''` start (the floor of any CLI)
 * and the in-process disk scan alone. The markers are what the runner writes (version 2, with
 * the run identity of run.json and a claim token), written without fsync (making the dir is
 * not what is measured); their data files are not created, since neither a resume nor status
 * opens them. With --dir, a dir made by an earlier run with the same flags is reused.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { benchDir, dist, fmt, launcherBin, option, realPython, scratchDir, writeBenchConfig } from './bench-support.mjs';

const { markerSchema } = await import(path.join(dist, 'core', 'marker.js'));
const { writeRunFile } = await import(path.join(dist, 'core', 'run-file.js'));
const { chunkDirFor, markerPathIn } = await import(path.join(dist, 'core', 'layout.js'));
const { chunkName, nameWidthFor } = await import(path.join(dist, 'core', 'plan.js'));
const { scanDisk } = await import(path.join(dist, 'core', 'scan.js'));

const chunks = Number(option('chunks', '200000'));
const devices = Number(option('devices', '4'));
const repeat = Number(option('repeat', '5'));
const python = realPython();
const script = path.join(benchDir, 'null_phase.py');
const { dir, cleanup } = scratchDir('chunkrun-bench-resume-');
const outputDir = path.join(dir, 'out');

/** The run the launcher below resumes: what it records in run.json and every runner records in each marker. */
const run = {
  phase: 'bench',
  start: 0,
  end: chunks - 1,
  checkpointFrequency: 1,
  command: [python, script, '--start', '{start}', '--end', '{end}', '--device', '{device}'],
  configDir: '.',
};
/** What the dir was made with: a kept dir (--dir) is reused only when it matches. */
const madeWith = JSON.stringify({ format: 2, chunks, devices, run });
const madeWithFile = path.join(dir, 'bench-resume-made-with.json');

function makeCommittedRun() {
  rmSync(outputDir, { recursive: true, force: true });
  mkdirSync(outputDir, { recursive: true });
  writeRunFile(outputDir, { version: 2, ...run, createdAt: new Date().toISOString(), outputs: ['dataset_*'] });
  const width = nameWidthFor(chunks - 1);
  const now = new Date().toISOString();
  for (let index = 0; index < chunks; index++) {
    const device = `cpu${index % devices}`;
    const range = { start: index, end: index };
    const chunkDir = chunkDirFor(outputDir, device, range, width);
    mkdirSync(chunkDir, { recursive: true });
    const file = `dataset_null_${index}.jsonl`;
    // As the runner's writeCommitMarker makes it: version 2, with the run and the claim's token.
    const marker = markerSchema.parse({
      version: 2,
      name: chunkName(range, width),
      ...range,
      device,
      host: 'bench',
      attempt: 1,
      startedAt: now,
      finishedAt: now,
      durationMs: 1,
      files: [{ path: file, bytes: 15, rows: 1 }],
      run,
      token: randomBytes(8).toString('hex'),
      rows: 1,
    });
    writeFileSync(markerPathIn(chunkDir), `${JSON.stringify(marker, null, 2)}\n`);
  }
  writeFileSync(madeWithFile, madeWith);
}

function keptDirMatches() {
  try {
    return readFileSync(madeWithFile, 'utf8') === madeWith;
  } catch {
    return false;
  }
}

/** Milliseconds from spawn until `marker` shows up in the output (or exit, when marker is undefined). */
function timeUntil(argv, marker) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(argv[0], argv.slice(1), { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let seenAt;
    const onData = (data) => {
      output += data;
      if (marker && seenAt === undefined && output.includes(marker)) seenAt = performance.now() - started;
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${argv.join(' ')} exited ${code}:\n${output.slice(-2000)}`));
      else if (marker && seenAt === undefined) reject(new Error(`no "${marker}" in:\n${output.slice(-2000)}`));
      else resolve(seenAt ?? performance.now() - started);
    });
  });
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

try {
  const generatedAt = performance.now();
  const reused = keptDirMatches();
  if (!reused) makeCommittedRun();
  console.log(
    `resume scan: ${chunks} committed chunks in ${devices} device folders (${reused ? `reused from ${dir}` : `written in ${fmt((performance.now() - generatedAt) / 1000, 1)} s`})`,
  );
  writeBenchConfig(dir, python, script);
  const launch = [
    process.execPath,
    launcherBin,
    '--phase',
    'bench',
    '--start',
    '0',
    '--end',
    String(chunks - 1),
    '--checkpoint-frequency',
    '1',
    '--devices',
    `cpu:${devices}`,
    '--no-merge',
  ];
  const resumes = [];
  const statuses = [];
  const nodeStarts = [];
  const scans = [];
  for (let run = 0; run < repeat; run++) {
    resumes.push(await timeUntil(launch, 'nothing to do'));
    statuses.push(await timeUntil([process.execPath, launcherBin, 'status', '--phase', 'bench']));
    nodeStarts.push(await timeUntil([process.execPath, '-e', '']));
    const scanStarted = performance.now();
    const disk = scanDisk(outputDir);
    scans.push(performance.now() - scanStarted);
    if (disk.committed.size !== chunks) throw new Error(`scan found ${disk.committed.size} committed chunks, expected ${chunks}`);
  }
  const all = (values) => values.map((ms) => fmt(ms, 0)).join(', ');
  const node = median(nodeStarts);
  console.log(`bare \`node -e ''\` start (baseline): median ${fmt(node, 0)} ms (all ${all(nodeStarts)})`);
  console.log(
    `launcher start -> "nothing to do": median ${fmt(median(resumes), 0)} ms (${fmt(median(resumes) / node, 1)}x a node start; all ${all(resumes)})`,
  );
  console.log(
    `launcher status: median ${fmt(median(statuses), 0)} ms (${fmt(median(statuses) / node, 1)}x a node start; all ${all(statuses)})`,
  );
  console.log(`in-process scanDisk: median ${fmt(median(scans), 0)} ms (${fmt((1000 * median(scans)) / chunks, 1)} us per chunk)`);
  for (const [label, ms] of [
    ['resume', median(resumes)],
    ['status', median(statuses)],
  ]) {
    console.log(
      `goal ${label} <= 2000 ms at 200,000 chunks: ${chunks < 200_000 ? `not measured (${chunks} chunks)` : ms <= 2000 ? 'met' : 'NOT met'}`,
    );
  }
} finally {
  cleanup();
}
