/**
 * What a merged file records about itself in its Parquet key-value metadata: a fingerprint of
 * its inputs (re-merging is a no-op while it matches) and which row groups hold which chunk
 * (so a chunk whose files were deleted after a merge can still be taken from this file).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ChunkDirEntry } from '../core/scan.js';

export const MERGE_RECORD_KEY = 'chunkrun.merge';
/** The record without its chunks: what a no-op check needs, cheap to read however many chunks were merged. */
export const MERGE_SUMMARY_KEY = 'chunkrun.merge.summary';

const recordedChunkV1 = z.object({
  name: z.string(),
  start: z.number().int(),
  end: z.number().int(),
  finishedAt: z.string(),
  firstRowGroup: z.number().int().nonnegative(),
  rowGroups: z.number().int().nonnegative(),
  rows: z.number().int().nonnegative(),
});

const recordedChunkSchema = z.object({
  name: z.string(),
  start: z.number().int(),
  end: z.number().int(),
  finishedAt: z.string(),
  /** The chunk's rows are rows [firstRow, firstRow + rows) of the file: small chunks share row groups. */
  firstRow: z.number().int().nonnegative(),
  rows: z.number().int().nonnegative(),
});

/**
 * How the rows got into the file: `fast`, every row group copied as bytes; `coalesced`, the
 * chunks' schemas as the target's but small row groups written again together; `mixed`, some
 * chunks converted to the target's schema; `jsonl`, every row converted from JSONL.
 */
const paths = z.enum(['fast', 'coalesced', 'mixed', 'jsonl']);

const mergeRecordV1 = z.object({
  version: z.literal(1),
  target: z.string(),
  fingerprint: z.string(),
  path: paths,
  chunks: z.array(recordedChunkV1),
});

const mergeRecordSchema = z.object({
  version: z.literal(2),
  target: z.string(),
  fingerprint: z.string(),
  /** How the file was written: fast (row groups copied), mixed (some re-encoded), jsonl (converted). */
  path: paths,
  chunks: z.array(recordedChunkSchema),
});

export type MergeRecord = z.infer<typeof mergeRecordSchema>;

const mergeSummarySchema = mergeRecordSchema.omit({ chunks: true });
export type MergeSummary = z.infer<typeof mergeSummarySchema>;

export function summaryOf(record: MergeRecord): MergeSummary {
  return { version: record.version, target: record.target, fingerprint: record.fingerprint, path: record.path };
}

export function parseMergeSummary(value: string | undefined): MergeSummary | undefined {
  if (!value) return undefined;
  try {
    const parsed = mergeSummarySchema.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
export type MergePath = MergeRecord['path'];
export type RecordedChunk = z.infer<typeof recordedChunkSchema>;

/**
 * What a merged file was made from: each chunk's name and when its marker was written (its
 * mtime, from the scan's stat). A chunk committed again has a new marker, so a new time; the
 * markers themselves are not read, so a no-op rerun of a large run costs a listing, not a read
 * per chunk; --delete-chunks keeps the markers, so it survives that. (Version 1 hashed each
 * marker's finishedAt and files: such files are merged again once.)
 */
export function fingerprintOf(target: string, chunks: readonly ChunkDirEntry[]): string {
  const inputs = chunks.map((chunk) => [chunk.name, chunk.committedAtMs]);
  return createHash('sha256')
    .update(JSON.stringify({ version: 2, target, inputs }))
    .digest('hex');
}

/**
 * The record a merged file carries, or undefined when it has none or an unreadable one.
 * Records of version 1 (each chunk in whole row groups) are read as row ranges.
 */
export function parseMergeRecord(value: string | undefined, rowGroupRows: readonly number[]): MergeRecord | undefined {
  if (!value) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    return undefined;
  }
  const current = mergeRecordSchema.safeParse(json);
  if (current.success) return current.data;
  const old = mergeRecordV1.safeParse(json);
  if (!old.success) return undefined;
  const groupStarts: number[] = [];
  let row = 0;
  for (const rows of rowGroupRows) {
    groupStarts.push(row);
    row += rows;
  }
  const chunks = old.data.chunks.map(({ firstRowGroup, rowGroups: _groups, ...chunk }) => ({
    ...chunk,
    firstRow: groupStarts[firstRowGroup] ?? row,
  }));
  return { ...old.data, version: 2, chunks };
}
