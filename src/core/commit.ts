/**
 * Commit: what a finished attempt left in its folder -> a verdict, and for a good one the
 * `_SUCCESS` marker. Outputs must exist, be readable, and hold rows; with an index column,
 * each index of the chunk exactly once. A phase with no rows says so (`_EMPTY`).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { globToRegExp } from './glob.js';
import { EMPTY_FILE, FAILED_FILE, MARKER_FILE, PROGRESS_FILE } from './layout.js';
import { writeMarker, type Marker, type MarkerFile } from './marker.js';
import { rowCountOf } from './output-rows.js';
import { IndexTally, tallyIndexColumn } from './index-coverage.js';
import { errorMessage } from './errors.js';
import type { ChunkRange } from './plan.js';
import type { RunIdentity } from './run-file.js';

/** Files the runner itself puts in a chunk dir: never outputs of the phase. */
function isRunnerFile(relative: string): boolean {
  return (
    relative === MARKER_FILE ||
    relative === PROGRESS_FILE ||
    relative === EMPTY_FILE ||
    relative === FAILED_FILE ||
    /^run(\.attempt\d+)?\.log(\.\d+)?$/.test(relative) ||
    relative.startsWith('.')
  );
}

export function listFilesUnder(dir: string): string[] {
  const files: string[] = [];
  const walk = (relative: string) => {
    for (const entry of readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) files.push(child);
    }
  };
  walk('');
  return files.sort();
}

export interface OutputCheck {
  /** Output files matched by the globs, non-empty. */
  readonly files: string[];
  /** Each matched file's size, as stat'ed for the check (the marker records it). */
  readonly bytes: ReadonlyMap<string, number>;
  /** Globs that matched no non-empty file, each with what was found instead. */
  readonly missing: string[];
}

export function checkOutputs(chunkDir: string, globs: readonly string[]): OutputCheck {
  const candidates = listFilesUnder(chunkDir).filter((file) => !isRunnerFile(file));
  const matched = new Set<string>();
  const bytes = new Map<string, number>();
  const sizeOf = (file: string) => {
    let size = bytes.get(file);
    if (size === undefined) bytes.set(file, (size = statSync(path.join(chunkDir, file)).size));
    return size;
  };
  const missing: string[] = [];
  for (const glob of globs) {
    const pattern = globToRegExp(glob);
    const hits = candidates.filter((file) => pattern.test(file));
    const nonEmpty = hits.filter((file) => sizeOf(file) > 0);
    if (nonEmpty.length === 0)
      missing.push(hits.length > 0 ? `${glob} (only empty files: ${hits.join(', ')})` : `${glob} (no file matches)`);
    nonEmpty.forEach((file) => matched.add(file));
  }
  return { files: [...matched].sort(), bytes, missing };
}

/** The phase's `_EMPTY` declaration and its reason, or undefined when it wrote none. */
function emptyDeclaration(dir: string): { reason: string } | undefined {
  let text: string;
  try {
    text = readFileSync(path.join(dir, EMPTY_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as { reason?: unknown };
    return { reason: typeof parsed.reason === 'string' ? parsed.reason : '' };
  } catch {
    return { reason: text.trim() };
  }
}

export interface OutputExpectations {
  readonly outputs: readonly string[];
  readonly indexColumn: string | undefined;
  readonly range: ChunkRange;
}

export type OutputVerdict =
  | {
      readonly ok: true;
      readonly files: MarkerFile[];
      readonly rows: number | null;
      readonly indexChecked: boolean;
      readonly empty: { reason: string } | undefined;
    }
  | { readonly ok: false; readonly reason: string };

const isDataFile = (file: string) => file.endsWith('.parquet') || file.endsWith('.jsonl');

/** Judge what an attempt that exited 0 left in `dir`. Storage errors are thrown; anything about the outputs is a verdict. */
export async function verifyOutputs(dir: string, expected: OutputExpectations): Promise<OutputVerdict> {
  const empty = emptyDeclaration(dir);
  const check = checkOutputs(dir, expected.outputs);
  if (!empty && check.missing.length > 0)
    return { ok: false, reason: `exit code 0 but expected outputs missing: ${check.missing.join('; ')}` };

  const files: MarkerFile[] = [];
  for (const file of check.files) {
    const full = path.join(dir, file);
    let rows: number | null;
    try {
      rows = await rowCountOf(full);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== undefined) throw error;
      return { ok: false, reason: `output ${file} is unreadable: ${errorMessage(error)}` };
    }
    files.push({ path: file, bytes: check.bytes.get(file)!, rows });
  }
  const dataFiles = files.filter((file) => isDataFile(file.path));
  const rows = dataFiles.length > 0 ? dataFiles.reduce((sum, file) => sum + (file.rows ?? 0), 0) : null;

  if (empty) {
    if (rows !== null && rows > 0)
      return { ok: false, reason: `the phase declared the chunk empty (${EMPTY_FILE}) but its outputs hold ${rows} rows` };
    return { ok: true, files, rows: rows ?? 0, indexChecked: false, empty };
  }
  if (rows === 0) {
    return {
      ok: false,
      reason: `outputs hold 0 rows (${dataFiles.map((file) => file.path).join(', ')}); a phase with no rows for a chunk says so with chunkrun.mark_empty()`,
    };
  }
  if (expected.indexColumn === undefined) return { ok: true, files, rows, indexChecked: false, empty: undefined };
  if (dataFiles.length === 0) {
    return { ok: false, reason: `indexColumn "${expected.indexColumn}" is set but no .parquet or .jsonl output holds it` };
  }
  const tally = new IndexTally(expected.range);
  for (const file of dataFiles) {
    try {
      await tallyIndexColumn(path.join(dir, file.path), expected.indexColumn, tally);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== undefined) throw error;
      return { ok: false, reason: errorMessage(error) };
    }
  }
  const problem = tally.problem(expected.indexColumn);
  return problem ? { ok: false, reason: problem } : { ok: true, files, rows, indexChecked: true, empty: undefined };
}

export interface CommitFacts {
  readonly name: string;
  readonly range: ChunkRange;
  readonly device: string;
  readonly host: string;
  readonly attempt: number;
  readonly startedAt: Date;
  readonly run: RunIdentity;
  readonly token: string;
  readonly indexColumn: string | undefined;
}

/** Write the marker into the attempt's folder; publishing the folder is what commits it. */
export function writeCommitMarker(dir: string, verdict: OutputVerdict & { ok: true }, facts: CommitFacts): Marker {
  const finishedAt = new Date();
  const marker: Marker = {
    version: 2,
    name: facts.name,
    start: facts.range.start,
    end: facts.range.end,
    device: facts.device,
    host: facts.host,
    attempt: facts.attempt,
    startedAt: facts.startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - facts.startedAt.getTime(),
    files: verdict.files,
    run: facts.run,
    token: facts.token,
    rows: verdict.rows,
    ...(verdict.indexChecked ? { indexColumn: facts.indexColumn } : {}),
    ...(verdict.empty ? { empty: verdict.empty } : {}),
  };
  writeMarker(dir, marker);
  return marker;
}
