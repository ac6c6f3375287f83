/** The commit marker `_SUCCESS`: one schema, one reader, one writer. */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { writeJsonAtomic } from './atomic-file.js';
import { markerPathIn } from './layout.js';
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

/** The chunk's marker when it exists and is valid; undefined otherwise (the chunk is not committed). */
export function readMarker(chunkDir: string): Marker | undefined {
  let text: string;
  try {
    text = readFileSync(markerPathIn(chunkDir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  // A marker that does not parse is a torn write from a crash: the chunk is not committed.
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = markerSchema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}

export function writeMarker(chunkDir: string, marker: Marker): void {
  writeJsonAtomic(markerPathIn(chunkDir), markerSchema.parse(marker));
}

/** True when a marker was made under another run than `run` (markers from before identities were recorded match any). */
export function madeUnderOtherRun(marker: Marker, run: RunIdentity): boolean {
  return marker.run !== undefined && !sameRunIdentity(marker.run, run);
}
