/** What the runner benchmarks share: flags, the real interpreter, a scratch dir, timing a CLI. */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const benchDir = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(benchDir, '..');
export const dist = path.join(repoRoot, 'dist');
export const launcherBin = path.join(dist, 'launcher', 'main.js');

/** An option's value; given twice, the last wins (`npm run bench:x -- --files 16` over the script's own `--files 4`). */
export function option(name, fallback) {
  const at = process.argv.lastIndexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : fallback;
}

/** A flag without a value (`--keep`): present or not, wherever it stands. */
export function flag(name) {
  return process.argv.includes(`--${name}`);
}

/** The interpreter itself, not a pyenv/asdf shim, whose own start would be charged to every chunk. */
export function realPython() {
  return execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
}

export function scratchDir(prefix) {
  const dir = option('dir') ?? mkdtempSync(path.join(tmpdir(), prefix));
  mkdirSync(dir, { recursive: true });
  return {
    dir,
    cleanup: () => option('dir') === undefined && !flag('keep') && rmSync(dir, { recursive: true, force: true }),
  };
}

/** A config with one phase `bench` running `script` with --start/--end/--device (or as `phase` overrides say). */
export function writeBenchConfig(dir, python, script, extra = {}, phase = {}) {
  const file = path.join(dir, 'launcher.config.json');
  writeFileSync(
    file,
    JSON.stringify({
      python,
      retries: 0,
      phases: {
        bench: {
          command: ['{python}', script, '--start', '{start}', '--end', '{end}', '--device', '{device}'],
          outputDirEnv: 'BENCH_OUTPUT_DIR',
          outputDir: 'out',
          outputs: ['dataset_*'],
          ...phase,
        },
      },
      ...extra,
    }),
  );
  return file;
}

/** Runs the launcher in `cwd`; resolves with its wall time (ms) and output, rejects on a non-zero exit. */
export function timeLauncher(args, { cwd, env = {} }) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [launcherBin, ...args], {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (data) => (output += data));
    child.stderr.on('data', (data) => (output += data));
    child.on('close', (code) => {
      const ms = performance.now() - started;
      if (code === 0) resolve({ ms, output });
      else reject(new Error(`launcher ${args.join(' ')} exited ${code}:\n${output.slice(-3000)}`));
    });
  });
}

export const fmt = (value, digits = 2) => value.toFixed(digits);

/** The launcher line every bench runs: the bench phase over 0..items-1, quiet, no merge. */
export function benchLaunchArgs({ items, frequency, devices, extra = [] }) {
  return [
    '--phase',
    'bench',
    '--start',
    '0',
    '--end',
    String(items - 1),
    '--checkpoint-frequency',
    String(frequency),
    '--devices',
    `cpu:${devices}`,
    '--no-merge',
    '--quiet',
    ...extra,
  ];
}

export const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Runs a command to its exit under /usr/bin/time: wall ms (start to exit) and its peak RSS in MB; throws on a non-zero exit. */
export function measureProcess(command, args, { cwd } = {}) {
  const started = performance.now();
  const child = spawnSync('/usr/bin/time', ['-f', '%M', command, ...args], { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  const ms = performance.now() - started;
  // /usr/bin/time adds its own line before %M when the command fails.
  const stderrLines = child.stderr
    .trimEnd()
    .split('\n')
    .filter((line) => !/^Command (exited with non-zero status|terminated by signal)/.test(line));
  const rssMb = Number(stderrLines.pop()) / 1024;
  const stderr = stderrLines.join('\n');
  if (child.status !== 0) {
    const error = new Error(`${path.basename(command)} ${args.join(' ').slice(0, 300)} exited ${child.status}: ${stderr.slice(-2000)}`);
    error.status = child.status;
    error.stderr = stderr;
    throw error;
  }
  return { ms, rssMb, stdout: child.stdout, stderr };
}

const { writeMarker } = await import(path.join(dist, 'core', 'marker.js'));
const { writeRunFile } = await import(path.join(dist, 'core', 'run-file.js'));
const { chunkDirFor } = await import(path.join(dist, 'core', 'layout.js'));
const { chunkName, nameWidthFor } = await import(path.join(dist, 'core', 'plan.js'));

/** A fresh output dir holding run.json for chunks of `frequency` items over 0..end; returns how wide chunk names are. */
export function startBenchRun(outputDir, { end, frequency, outputs, command = ['bench'], phase = 'bench' }) {
  rmSync(outputDir, { recursive: true, force: true });
  mkdirSync(outputDir, { recursive: true });
  writeRunFile(outputDir, {
    version: 1,
    createdAt: new Date().toISOString(),
    phase,
    start: 0,
    end,
    checkpointFrequency: frequency,
    command,
    outputs,
    indexColumn: 'index',
  });
  return nameWidthFor(end);
}

/**
 * One committed chunk: `write(file)` writes its data file, then its run.log and marker follow as a
 * runner would leave them. Returns the data file's path and size.
 */
export function commitBenchChunk(outputDir, { range, device, width, fileName, rows, write }) {
  const chunkDir = chunkDirFor(outputDir, device, range, width);
  mkdirSync(chunkDir, { recursive: true });
  const file = path.join(chunkDir, fileName);
  const bytes = write(file);
  writeFileSync(path.join(chunkDir, 'run.log'), '');
  const now = new Date().toISOString();
  writeMarker(chunkDir, {
    version: 1,
    name: chunkName(range, width),
    ...range,
    device,
    host: 'bench',
    attempt: 1,
    startedAt: now,
    finishedAt: now,
    durationMs: 0,
    files: [{ path: fileName, bytes, rows }],
  });
  return { file, bytes };
}

/**
 * DuckDB's COPY of the same chunk files into Parquet (bench/duckdb-copy.mjs), one child process per
 * round so its time and peak RSS are its own and a crash costs one round, not the bench. When
 * @duckdb/node-api cannot be imported it says so once and the bench goes on without that baseline.
 */
let duckdbUnavailable;
let saidUnavailable = false;

export function duckdbBaseline(scratch, kind) {
  const jobsFile = path.join(scratch, 'duckdb-jobs.json');
  const times = [];
  const failures = [];
  let peakRssMb = 0;
  return {
    /** One round; `jobs` are [{ files, target, rows }] with the rows each target must hold. */
    round(jobs) {
      if (duckdbUnavailable) return;
      writeFileSync(jobsFile, JSON.stringify(jobs));
      try {
        const run = measureProcess(process.execPath, [path.join(benchDir, 'duckdb-copy.mjs'), kind, jobsFile]);
        const rows = JSON.parse(run.stdout);
        const expected = jobs.map((job) => job.rows);
        if (JSON.stringify(rows) !== JSON.stringify(expected)) throw new Error(`DuckDB wrote ${rows} rows, expected ${expected}`);
        times.push(run.ms);
        peakRssMb = Math.max(peakRssMb, run.rssMb);
      } catch (error) {
        if (error.status === 3) duckdbUnavailable = error.stderr.trim().split('\n').pop();
        else failures.push(error.stderr?.trim().split('\n').pop() || String(error.message).split('\n')[0]);
      } finally {
        for (const job of jobs) rmSync(job.target, { force: true });
      }
    },
    /** The summary lines, against chunkrun's median time in the same run; and the figures for the JSON report. */
    report(chunkrunMs) {
      const lines = [];
      if (duckdbUnavailable && !saidUnavailable) {
        lines.push(`DuckDB: ${duckdbUnavailable}; no DuckDB baseline in this run`);
        saidUnavailable = true;
      }
      for (const failure of failures) lines.push(`DuckDB round failed: ${failure}`);
      if (times.length === 0) return { lines, figures: {} };
      const ms = median(times);
      const figures = {
        duckdbMs: Math.round(ms),
        duckdbPeakRssMB: Math.round(peakRssMb),
        ratioToDuckdb: Number((chunkrunMs / ms).toFixed(2)),
      };
      lines.push(
        `DuckDB ${kind === 'jsonl' ? 'read_json' : 'read_parquet'} + COPY (+ fsync), a node process start to exit: ${figures.duckdbMs} ms (median of ${times.length}), peak RSS ${figures.duckdbPeakRssMB} MB`,
        `chunkrun is ${figures.ratioToDuckdb}x DuckDB's time (under 1: faster than DuckDB)`,
      );
      return { lines, figures };
    },
  };
}
