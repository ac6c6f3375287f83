#!/usr/bin/env node
/**
 * Resume scan: an output dir with N committed chunks (written with the core's own marker
 * writer); time from starting the launcher to its "nothing to do" line. Goal: under 1 s.
 *
 *   npm run bench:resume -- [--chunks 20000] [--devices 4] [--repeat 5] [--keep]
 *
 * Also shows, measured in the same run, a bare `node` start (the floor of any CLI) and the
 * in-process disk scan alone.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { benchDir, dist, fmt, launcherBin, option, realPython, scratchDir, writeBenchConfig } from './bench-support.mjs';

const { writeMarker } = await import(path.join(dist, 'core', 'marker.js'));
const { writeRunFile } = await import(path.join(dist, 'core', 'run-file.js'));
const { chunkDirFor } = await import(path.join(dist, 'core', 'layout.js'));
const { chunkName, nameWidthFor } = await import(path.join(dist, 'core', 'plan.js'));
const { scanDisk } = await import(path.join(dist, 'core', 'scan.js'));

const chunks = Number(option('chunks', '20000'));
const devices = Number(option('devices', '4'));
const repeat = Number(option('repeat', '5'));
const python = realPython();
const script = path.join(benchDir, 'null_phase.py');
const { dir, cleanup } = scratchDir('chunkrun-bench-resume-');
const outputDir = path.join(dir, 'out');

function makeCommittedRun() {
  mkdirSync(outputDir, { recursive: true });
  writeRunFile(outputDir, {
    version: 1,
    createdAt: new Date().toISOString(),
    phase: 'bench',
    start: 0,
    end: chunks - 1,
    checkpointFrequency: 1,
    command: [python, script, '--start', '{start}', '--end', '{end}', '--device', '{device}'],
    outputs: ['dataset_*'],
  });
  const width = nameWidthFor(chunks - 1);
  const now = new Date().toISOString();
  for (let index = 0; index < chunks; index++) {
    const device = `cpu${index % devices}`;
    const range = { start: index, end: index };
    const chunkDir = chunkDirFor(outputDir, device, range, width);
    mkdirSync(chunkDir, { recursive: true });
    const file = `dataset_null_${index}.jsonl`;
    const content = `{"index": ${index}}\n`;
    writeFileSync(path.join(chunkDir, file), content);
    writeMarker(chunkDir, {
      version: 1,
      name: chunkName(range, width),
      ...range,
      device,
      host: 'bench',
      attempt: 1,
      startedAt: now,
      finishedAt: now,
      durationMs: 1,
      files: [{ path: file, bytes: content.length, rows: 1 }],
    });
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
  makeCommittedRun();
  console.log(
    `resume scan: ${chunks} committed chunks in ${devices} device folders (written in ${fmt((performance.now() - generatedAt) / 1000, 1)} s)`,
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
  const nodeStarts = [];
  const scans = [];
  for (let run = 0; run < repeat; run++) {
    resumes.push(await timeUntil(launch, 'nothing to do'));
    nodeStarts.push(await timeUntil([process.execPath, '-e', '']));
    const scanStarted = performance.now();
    const disk = scanDisk(outputDir);
    scans.push(performance.now() - scanStarted);
    if (disk.committed.size !== chunks) throw new Error(`scan found ${disk.committed.size} committed chunks, expected ${chunks}`);
  }
  console.log(
    `launcher start -> "nothing to do": median ${fmt(median(resumes))} ms (first ${fmt(resumes[0])} ms, all ${resumes.map((ms) => fmt(ms, 0)).join(', ')})`,
  );
  console.log(`bare node start: median ${fmt(median(nodeStarts))} ms; in-process scanDisk: median ${fmt(median(scans))} ms`);
  console.log(`goal < 1000 ms: ${median(resumes) < 1000 ? 'met' : 'NOT met'} (${fmt(median(resumes) / 1000, 3)} of the goal)`);
} finally {
  cleanup();
}
