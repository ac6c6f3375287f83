/**
 * Each committed chunk's data, checked against its marker: the chunk's own .parquet/.jsonl
 * files, or, when those were deleted after an earlier merge, that merged file's row groups.
 */
import { statSync } from 'node:fs';
import { DataError, errorMessage } from '../core/errors.js';
import { markerPathIn } from '../core/layout.js';
import { markerOf, type ChunkDirEntry } from '../core/scan.js';
import { chunkDataFiles } from './chunk-files.js';
import type { RecordedChunk } from './merge-record.js';
import type { PreviousMerge } from './merged-files.js';
import { knownSchemaTree, parquetRows, parquetSource, readParquetFooter, type Field, type ParquetSource } from '../parquet/index.js';
import type { KeptFooterBytes } from '../core/parquet-footer-bytes.js';
import { lastIndexAtOrBelow } from '../core/sorted-search.js';

export type { ParquetSource } from '../parquet/index.js';

export interface JsonlSource {
  readonly kind: 'jsonl';
  readonly file: string;
  readonly rows: number;
  /** The file's size, as its marker recorded and the merge found it. */
  readonly bytes: number;
  /** Which rows' types the schema inference reads (see jsonl.ts). */
  readonly typesFrom: JsonlTypesFrom;
}

export type JsonlTypesFrom = 'first rows' | 'every row';

export type ChunkSource = ParquetSource | JsonlSource;

/** A Parquet file of a schema seen before, as the merge's first pass sees it: its schema, nothing parsed beyond. */
export interface KnownSchemaSource {
  readonly kind: 'known-schema';
  readonly file: string;
  readonly tree: Field;
}

export interface ResolvedChunk {
  readonly chunk: ChunkDirEntry;
  readonly sources: ChunkSource[];
  /** Rows the marker (or the earlier merge) recorded: what the merged file must hold. */
  readonly rows: number;
}

function sizeOf(file: string): number | undefined {
  try {
    return statSync(file).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new DataError(`cannot read ${file}: ${errorMessage(error)}`);
  }
}

interface MergeIndex {
  readonly byName: Map<string, RecordedChunk>;
  /** The first row of each row group, and the file's row count last. */
  readonly groupStarts: number[];
}

const indexes = new WeakMap<PreviousMerge, MergeIndex>();

function indexOf(merge: PreviousMerge): MergeIndex {
  let index = indexes.get(merge);
  if (!index) {
    const groupStarts = [0];
    for (const group of merge.footer.metadata.row_groups) groupStarts.push(groupStarts[groupStarts.length - 1]! + Number(group.num_rows));
    index = { byName: new Map(merge.record.chunks.map((chunk) => [chunk.name, chunk])), groupStarts };
    indexes.set(merge, index);
  }
  return index;
}

/** The row groups holding rows [first, first + rows), and whether they hold exactly those. */
function groupsHolding(groupStarts: readonly number[], first: number, rows: number): { groups: number[]; skip: number; exact: boolean } {
  const groups: number[] = [];
  const low = lastIndexAtOrBelow(groupStarts.length, (i) => groupStarts[i]!, first);
  for (let group = low; group < groupStarts.length - 1 && groupStarts[group]! < first + rows; group++) groups.push(group);
  const skip = first - (groupStarts[groups[0] ?? low] ?? first);
  const end = groupStarts[(groups[groups.length - 1] ?? low) + 1] ?? first;
  return { groups, skip, exact: skip === 0 && end === first + rows };
}

function fromEarlierMerge(chunk: ChunkDirEntry, previous: readonly PreviousMerge[]): ResolvedChunk | undefined {
  for (const merge of previous) {
    const { byName, groupStarts } = indexOf(merge);
    const recorded = byName.get(chunk.name);
    if (!recorded || recorded.finishedAt !== markerOf(chunk).finishedAt) continue;
    if (recorded.firstRow + recorded.rows > groupStarts[groupStarts.length - 1]!) continue;
    const { groups, skip, exact } = groupsHolding(groupStarts, recorded.firstRow, recorded.rows);
    const source = parquetSource(merge.file, merge.footer, groups, exact ? undefined : { skip, rows: recorded.rows });
    return { chunk, sources: [source], rows: recorded.rows };
  }
  return undefined;
}

/** `kept`: the footer reads of the merge's first pass, taken here instead of reading the files again. */
export function resolveChunk(
  chunk: ChunkDirEntry,
  previous: readonly PreviousMerge[],
  finish: string,
  typesFrom: JsonlTypesFrom = 'every row',
  kept?: KeptFooterBytes,
): ResolvedChunk {
  const files = chunkDataFiles(chunk);
  const markerPath = markerPathIn(chunk.dir);
  const rerun = `delete ${chunk.dir} and run \`${finish}\` to redo that chunk`;
  // The phase declared the chunk empty (mark_empty): it adds no rows, and no file to read.
  if (files.length === 0 && markerOf(chunk).empty) return { chunk, sources: [], rows: 0 };
  if (files.length === 0) {
    const listed =
      markerOf(chunk)
        .files.map((file) => file.path)
        .join(', ') || 'nothing';
    throw new DataError(
      `${markerPath} lists no .parquet or .jsonl output (it lists ${listed}); the merge reads only those: check the phase's "outputs" globs`,
    );
  }
  const sizes = files.map((file) => kept?.sizeOf(file.file) ?? sizeOf(file.file));
  if (sizes.every((size) => size === undefined)) {
    const earlier = fromEarlierMerge(chunk, previous);
    if (earlier) return earlier;
  }
  const sources: ChunkSource[] = [];
  let rows = 0;
  files.forEach((file, index) => {
    const size = sizes[index];
    if (size === undefined)
      throw new DataError(
        `${file.file} is gone (its marker ${markerPath} records ${file.bytes} bytes) and no earlier merged file holds the chunk; ${rerun}`,
      );
    if (size !== file.bytes)
      throw new DataError(`${file.file} changed size since its chunk was committed (marker: ${file.bytes} bytes, now ${size}); ${rerun}`);
    if (size === 0) throw new DataError(`${file.file} is empty; ${rerun}`);
    if (file.kind === 'jsonl') {
      if (file.rows === null) throw new DataError(`${markerPath} records no row count for ${file.file}; ${rerun}`);
      sources.push({ kind: 'jsonl', file: file.file, rows: file.rows, bytes: size, typesFrom });
      rows += file.rows;
      return;
    }
    const source = parquetSource(file.file, readParquetFooter(file.file, kept?.take(file.file)));
    const footerRows = parquetRows(source);
    // The marker counted the footer's num_rows, which a few old writers left at 0.
    if (file.rows !== null && footerRows !== file.rows && Number(source.footer.metadata.num_rows) !== file.rows) {
      throw new DataError(
        `${file.file} holds ${footerRows} rows, its marker recorded ${file.rows}: it changed since the chunk was committed; ${rerun}`,
      );
    }
    sources.push(source);
    rows += footerRows;
  });
  return { chunk, sources, rows };
}

function treeIfKnown(file: string, kept: KeptFooterBytes | undefined): Field | undefined {
  try {
    return knownSchemaTree(file, kept?.read(file));
  } catch {
    // A file gone or damaged: resolveChunk reads it again and says which and what to do.
    return undefined;
  }
}

/**
 * The schemas of a chunk's sources, for the merge's first pass. Parquet files of a schema seen
 * before are not parsed past their schema; their checks against the marker are made when the
 * second pass (resolveChunk) writes them, before anything is published.
 */
export function chunkSchemas(
  chunk: ChunkDirEntry,
  previous: readonly PreviousMerge[],
  finish: string,
  typesFrom: JsonlTypesFrom = 'every row',
  kept?: KeptFooterBytes,
): (ChunkSource | KnownSchemaSource)[] {
  const files = chunkDataFiles(chunk);
  if (files.length > 0 && files.every((file) => file.kind === 'parquet')) {
    const trees = files.map((file) => treeIfKnown(file.file, kept));
    if (trees.every((tree) => tree !== undefined))
      return files.map((file, index) => ({ kind: 'known-schema', file: file.file, tree: trees[index]! }));
  }
  return resolveChunk(chunk, previous, finish, typesFrom, kept).sources;
}
