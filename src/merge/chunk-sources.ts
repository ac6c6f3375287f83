/**
 * Each committed chunk's data, checked against its marker: the chunk's own .parquet/.jsonl
 * files, or, when those were deleted after an earlier merge, that merged file's row groups.
 */
import { statSync } from 'node:fs';
import { DataError, errorMessage } from '../core/errors.js';
import { markerPathIn } from '../core/layout.js';
import type { ChunkDirEntry } from '../core/scan.js';
import { chunkDataFiles } from './chunk-files.js';
import type { PreviousMerge } from './merged-files.js';
import { parquetRows, parquetSource, type ParquetSource } from '../parquet/index.js';

export type { ParquetSource } from '../parquet/index.js';

export interface JsonlSource {
  readonly kind: 'jsonl';
  readonly file: string;
  readonly rows: number;
}

export type ChunkSource = ParquetSource | JsonlSource;

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

export function rowsOf(source: ChunkSource): number {
  if (source.kind === 'jsonl') return source.rows;
  return parquetRows(source);
}

function fromEarlierMerge(chunk: ChunkDirEntry, previous: readonly PreviousMerge[]): ResolvedChunk | undefined {
  for (const merge of previous) {
    const recorded = merge.record.chunks.find((entry) => entry.name === chunk.name && entry.finishedAt === chunk.marker!.finishedAt);
    if (!recorded) continue;
    const groups = Array.from({ length: recorded.rowGroups }, (_, i) => recorded.firstRowGroup + i);
    const source = parquetSource(merge.file, merge.footer, groups);
    if (rowsOf(source) !== recorded.rows) continue;
    return { chunk, sources: [source], rows: recorded.rows };
  }
  return undefined;
}

export function resolveChunk(chunk: ChunkDirEntry, previous: readonly PreviousMerge[], finish: string): ResolvedChunk {
  const files = chunkDataFiles(chunk);
  const markerPath = markerPathIn(chunk.dir);
  const rerun = `delete ${chunk.dir} and run \`${finish}\` to redo that chunk`;
  if (files.length === 0) {
    const listed = chunk.marker!.files.map((file) => file.path).join(', ') || 'nothing';
    throw new DataError(
      `${markerPath} lists no .parquet or .jsonl output (it lists ${listed}); the merge reads only those: check the phase's "outputs" globs`,
    );
  }
  const sizes = files.map((file) => sizeOf(file.file));
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
      sources.push({ kind: 'jsonl', file: file.file, rows: file.rows });
      rows += file.rows;
      return;
    }
    const source = parquetSource(file.file);
    const footerRows = rowsOf(source);
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
