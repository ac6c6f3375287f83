/** Tools of the fault-injection tests: finding a run's processes, killing them, checking what is on disk. */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { listClaims } from '../../src/core/claims.js';
import { chunkGrid, chunkName, nameWidthFor, type ChunkRange } from '../../src/core/plan.js';
import { readRunFile } from '../../src/core/run-file.js';
import { markerOf, rangeKey, scanDisk } from '../../src/core/scan.js';
import { afterEach } from 'vitest';
import { launcher, removeDir, repoRoot, tempWorkDir, writeTestConfig } from './cli.js';
import { readDataRows } from './data-rows.js';

let python: string | undefined;

/** The interpreter itself: a pyenv shim costs ~100 ms per start, which every chunk would pay. */
export function realPython(): string {
  python ??= execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
  return python;
}

export const phase1Script = path.join(repoRoot, 'python', 'examples', 'phase1.py');

/** Settings that keep fault tests quick: short backoff and grace periods, the real interpreter. */
export function writeFaultConfig(
  dir: string,
  overrides: Record<string, unknown> = {},
  phaseOverrides: Record<string, unknown> = {},
): string {
  return writeTestConfig(
    dir,
    { python: realPython(), retryBackoff: '100ms', killGrace: '1s', stopGrace: '5s', ...overrides },
    phaseOverrides,
  );
}

/**
 * A phase command that runs a shell snippet before phase1.py (which gets the chunk's
 * --start/--end): the snippet may fail, hang or change the env depending on CHUNK_DEVICE,
 * CHUNK_ATTEMPT... The script lives in the test's temp dir.
 */
export function wrapperCommand(dir: string, name: string, snippet: string): string[] {
  const script = path.join(dir, `${name}.sh`);
  writeFileSync(script, `#!/bin/sh\n${snippet}\nexec "${realPython()}" "${phase1Script}" "$@"\n`);
  chmodSync(script, 0o755);
  return [script, '--start', '{start}', '--end', '{end}', '--model', '{model}'];
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

export interface RunProcess {
  readonly pid: number;
  readonly command: string;
}

function readProc(pid: string, file: string): string {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'latin1');
  } catch {
    return '';
  }
}

/**
 * Live processes whose working dir, argv or environment mentions `marker` (a test's unique
 * temp dir): every launcher, runner and phase of that test's runs. Zombies are dead already.
 */
export function processesMentioning(marker: string): RunProcess[] {
  const found: RunProcess[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    if (Number(pid) === process.pid) continue;
    const stat = readProc(pid, 'stat');
    if (!stat || stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
    let cwd = '';
    try {
      cwd = readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      // Gone, or not ours to look at.
    }
    const cmdline = readProc(pid, 'cmdline');
    if (cwd.startsWith(marker) || cmdline.includes(marker) || readProc(pid, 'environ').includes(marker)) {
      found.push({ pid: Number(pid), command: cmdline.split('\0').join(' ').trim() });
    }
  }
  return found;
}

export function isPhaseProcess(command: string): boolean {
  return command.includes('phase1.py') || command.includes('phase1_worker.py') || command.endsWith('.sh') || /\.sh /.test(command);
}

/** The pids of running phases: from the claims (phasePid), else from the process table. */
export function phasePids(outputDir: string, marker: string): number[] {
  const fromClaims = listClaims(outputDir)
    .map(({ claim }) => claim.phasePid)
    .filter((pid): pid is number => pid !== undefined && existsSync(`/proc/${pid}`));
  if (fromClaims.length > 0) return fromClaims;
  return processesMentioning(marker)
    .filter((p) => isPhaseProcess(p.command))
    .map((p) => p.pid);
}

/** Waits until no process of the test's runs is left; returns those still alive after the wait. */
export async function leftoverProcesses(marker: string, waitMs = 0): Promise<RunProcess[]> {
  const deadline = Date.now() + waitMs;
  let left = processesMentioning(marker);
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(50);
    left = processesMentioning(marker);
  }
  return left;
}

export function killAll(processes: readonly RunProcess[]): void {
  for (const { pid } of processes) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/**
 * What a run has on disk, as a list of problems (empty when all is well): every marker's
 * files present with the recorded sizes and row counts, each committed row inside its
 * chunk's range, no index committed twice, no data file beside a marker that the marker
 * does not list, no range committed in two places. With `complete`, also every chunk of the
 * plan committed and every index present.
 */
export function committedProblems(outputDir: string, options: { complete: boolean } = { complete: true }): string[] {
  const run = readRunFile(outputDir);
  if (!run) return [`no run.json in ${outputDir}`];
  const disk = scanDisk(outputDir);
  const problems: string[] = [];
  const seen = new Map<number, number>();
  const width = nameWidthFor(run.end);
  const dataFiles: { full: string; range: ChunkRange; rows: number | null }[] = [];
  for (const range of chunkGrid(run)) {
    const entry = disk.committed.get(rangeKey(range));
    if (!entry) {
      if (options.complete) problems.push(`${chunkName(range, width)} is not committed`);
      continue;
    }
    const marker = markerOf(entry);
    const listed = new Set(marker.files.map((file) => file.path));
    for (const name of readdirSync(entry.dir)) {
      if (name.startsWith('dataset_') && !listed.has(name))
        problems.push(`${entry.dir}/${name} is not in the marker (an uncommitted attempt's output?)`);
    }
    for (const file of marker.files) {
      const full = path.join(entry.dir, file.path);
      if (!existsSync(full)) {
        problems.push(`${full} is in the marker but missing`);
        continue;
      }
      if (statSync(full).size !== file.bytes) problems.push(`${full} has ${statSync(full).size} bytes, the marker says ${file.bytes}`);
      dataFiles.push({ full, range, rows: file.rows });
    }
  }
  // JSONL without pyarrow, Parquet with it: the same checks either way.
  const rowsOf = readDataRows(dataFiles.map((file) => file.full));
  dataFiles.forEach(({ full, range, rows: recorded }, i) => {
    const rows = rowsOf[i]! as { index: number }[];
    if (recorded !== null && rows.length !== recorded) problems.push(`${full} has ${rows.length} rows, the marker says ${recorded}`);
    for (const row of rows) {
      if (row.index < range.start || row.index > range.end)
        problems.push(`${full} holds index ${row.index}, outside ${range.start}-${range.end}`);
      seen.set(row.index, (seen.get(row.index) ?? 0) + 1);
    }
  });
  for (const duplicate of disk.duplicates) problems.push(`${duplicate.dir} commits ${duplicate.name} a second time`);
  for (let index = run.start; index <= run.end; index++) {
    const count = seen.get(index) ?? 0;
    if (count > 1 || (count === 0 && options.complete)) problems.push(`index ${index} committed ${count} times`);
  }
  return problems;
}

/** The names of the committed chunks of an output dir. */
export function committedNames(outputDir: string): string[] {
  return [...scanDisk(outputDir).committed.values()].map((entry) => entry.name).sort();
}

/** Every (start, end) the phase was invoked with, counted, from CHUNKRUN_EXAMPLE_RECORD. */
export function invocationCounts(recordFile: string): Map<string, number> {
  const counts = new Map<string, number>();
  if (!existsSync(recordFile)) return counts;
  for (const line of readFileSync(recordFile, 'utf8').split('\n').filter(Boolean)) {
    const { start, end } = JSON.parse(line) as { start: number; end: number };
    counts.set(`${start}-${end}`, (counts.get(`${start}-${end}`) ?? 0) + 1);
  }
  return counts;
}

/** Reruns the same launcher command until it exits 0 (a resume after whatever went wrong). */
export async function rerunUntilDone(
  args: readonly string[],
  cwd: string,
  env: Record<string, string>,
  maxRuns = 4,
): Promise<{ runs: number; outputs: string[] }> {
  const outputs: string[] = [];
  for (let runs = 1; runs <= maxRuns; runs++) {
    const result = await launcher(args, { cwd, env, timeoutMs: 60_000 });
    outputs.push(`exit ${result.exitCode}\n${result.all}`);
    if (result.exitCode === 0) return { runs, outputs };
  }
  throw new Error(`the run did not finish in ${maxRuns} reruns:\n${outputs.map((o) => o.slice(-3000)).join('\n---\n')}`);
}

/** mulberry32: a small seeded generator, so a failing trial can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Fresh temp working dirs for fault tests: `const newWorkDir = faultWorkDirs('chunkrun-x-')`,
 * then `newWorkDir()` in a test. After each test every process of its runs is killed and its dir removed.
 */
export function faultWorkDirs(prefix: string): () => { cwd: string; outputDir: string; record: string } {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) {
      killAll(processesMentioning(dir));
      removeDir(dir);
    }
  });
  return () => {
    const cwd = tempWorkDir(prefix);
    dirs.push(cwd);
    return { cwd, outputDir: path.join(cwd, 'data', 'phase1_0'), record: path.join(cwd, 'record.jsonl') };
  };
}
