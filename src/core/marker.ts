/** The commit marker `_SUCCESS`: one schema, one reader, one writer. */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeJsonAtomic } from './atomic-file.js';
import { DataError } from './errors.js';
import { MARKER_FILE, markerPathIn } from './layout.js';
import { runIdentitySchema, sameRunIdentity, type RunIdentity } from './run-file.js';

export const markerFileSchema = z.object({
  path: z.string(),
  bytes: z.number().int().nonnegative(),
  /** Rows of a .parquet (from its footer) or .jsonl (non-empty lines) file; null for others. */
  rows: z.number().int().nonnegative().nullable(),
});

export const markerSchema = z.object({
  /** 1: before markers recorded their run; 2: with `run` and `token`. */
  version: z.union([z.literal(1), z.literal(2)]),
  name: z.string(),
  start: z.number().int().nonnegative(),
  end: z.number().int().nonnegative(),
  device: z.string(),
  host: z.string(),
  attempt: z.number().int().positive(),
  startedAt: z.string(),
  finishedAt: z.string(),
  durationMs: z.number().nonnegative(),
  files: z.array(markerFileSchema),
  /** The run identity the chunk was made under: run.json can be rebuilt from it, and a different run refused. */
  run: runIdentitySchema.optional(),
  /** The claim the commit was fenced by. */
  token: z.string().optional(),
  /** Rows over the data files (.parquet, .jsonl); null when the outputs hold none of those. */
  rows: z.number().int().nonnegative().nullable().optional(),
  /** Set when the index column was checked: each index of the chunk exactly once. */
  indexColumn: z.string().optional(),
  /** The phase declared the chunk has no rows (the helper's mark_empty), with its reason. */
  empty: z.object({ reason: z.string() }).optional(),
});

export type Marker = z.infer<typeof markerSchema>;
export type MarkerFile = z.infer<typeof markerFileSchema>;

/**
 * When the chunk in `chunkDir` was committed: its marker's mtime, on the filesystem's clock;
 * undefined when it is not committed. A chunk dir is committed when its `_SUCCESS` exists and
 * is not empty: the runner writes the marker whole (temp file, fsync, rename) inside the
 * attempt's folder before one rename publishes the folder, so a marker in a chunk dir is never
 * a torn write of ours. An empty `_SUCCESS` is another tool's (Hadoop and Spark write them).
 * One stat, no read: a scan of 200,000 chunks cannot afford to read every marker.
 */
export function commitTimeIn(chunkDir: string): number | undefined {
  let stat;
  try {
    // Joined by hand: path.join's normalizing was a third of a 200,000-chunk scan.
    stat = statSync(`${chunkDir}${path.sep}${MARKER_FILE}`, { throwIfNoEntry: false });
  } catch (error) {
    // `chunkDir` is a file: no chunk at all.
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw error;
  }
  return stat !== undefined && stat.isFile() && stat.size > 0 ? stat.mtimeMs : undefined;
}

/**
 * The marker of a committed chunk dir. One that does not parse was damaged after its commit
 * (by hand, by a disk): a DataError naming the file and the fix, never a guess at its content.
 */
export function readMarker(chunkDir: string): Marker {
  const file = markerPathIn(chunkDir);
  const text = readFileSync(file, 'utf8');
  const fix = `delete ${chunkDir} and rerun the launcher to redo that chunk`;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new DataError(`${file} is not a commit marker (not JSON); ${fix}`);
  }
  const parsed = markerSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DataError(`${file} is not a commit marker (${issue?.path.join('.') || 'marker'}: ${issue?.message}); ${fix}`);
  }
  return parsed.data;
}

export function writeMarker(chunkDir: string, marker: Marker): void {
  writeJsonAtomic(markerPathIn(chunkDir), markerSchema.parse(marker));
}

/** True when a marker was made under another run than `run` (markers from before identities were recorded match any). */
export function madeUnderOtherRun(marker: Marker, run: RunIdentity): boolean {
  return marker.run !== undefined && !sameRunIdentity(marker.run, run);
}
