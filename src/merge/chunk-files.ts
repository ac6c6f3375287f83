/** Which of a chunk's committed files the merge reads. */
import path from 'node:path';
import { markerOf, type ChunkDirEntry } from '../core/scan.js';

export type DataFileKind = 'parquet' | 'jsonl';

export function dataFileKind(file: string): DataFileKind | undefined {
  if (file.endsWith('.parquet')) return 'parquet';
  if (file.endsWith('.jsonl')) return 'jsonl';
  return undefined;
}

export function isDataFile(file: string): boolean {
  return dataFileKind(file) !== undefined;
}

/** The marker's .parquet/.jsonl files, as absolute paths with what the marker recorded of them. */
export function chunkDataFiles(chunk: ChunkDirEntry): { file: string; kind: DataFileKind; bytes: number; rows: number | null }[] {
  return markerOf(chunk)
    .files.filter((file) => isDataFile(file.path))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((file) => ({ file: path.join(chunk.dir, file.path), kind: dataFileKind(file.path)!, bytes: file.bytes, rows: file.rows }));
}
