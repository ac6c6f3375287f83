/**
 * The index check reads the index column back from the merged file: row groups as they are
 * written (a merge's later row groups still being encoded), the rest after the footer. What it
 * found early counts only where the footer names the same bytes for those row groups.
 */
import { parquetWriteBuffer } from 'hyparquet-writer';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readParquetFooter } from '../src/parquet/index.js';
import type { RecordedChunk } from '../src/merge/merge-record.js';
import { IndexCheck, verifyMergedFile } from '../src/merge/verify.js';
import { removeDir, tempDir } from './merge-helpers.js';

let dir: string;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => removeDir(dir));

/** A file of `indexes` in row groups of 10 rows, and the chunks (10 rows each) the indexes 0..n-1 make. */
function writeFile(name: string, indexes: number[]): { file: string; chunks: RecordedChunk[] } {
  const file = path.join(dir, name);
  const bytes = parquetWriteBuffer({
    schema: [
      { name: 'schema', num_children: 2 },
      { name: 'index', type: 'INT64', repetition_type: 'OPTIONAL' },
      { name: 'v', type: 'DOUBLE', repetition_type: 'REQUIRED' },
    ],
    codec: 'SNAPPY',
    rowGroupSize: 10,
    columnData: [
      { name: 'index', data: indexes.map(BigInt) },
      { name: 'v', data: indexes.map((i) => i / 2) },
    ],
  });
  writeFileSync(file, new Uint8Array(bytes));
  const chunks = Array.from({ length: indexes.length / 10 }, (_, n) => ({
    name: `chunk_${n}`,
    start: n * 10,
    end: n * 10 + 9,
    finishedAt: '',
    firstRow: n * 10,
    rows: 10,
  }));
  return { file, chunks };
}

const shownAs = 'merged.parquet';
const earlyCheck = (file: string, chunks: RecordedChunk[]) => {
  const { metadata } = readParquetFooter(file);
  return IndexCheck.whileWriting({ file, shownAs, schema: metadata.schema, column: 'index' }, chunks)!;
};

describe('the index check while the file is written', () => {
  it('checks a row group once its bytes are in the file, and the footer read checks only the rest', () => {
    const indexes = Array.from({ length: 40 }, (_, i) => i);
    const { file, chunks } = writeFile('ok.parquet', indexes);
    const { metadata } = readParquetFooter(file);
    const early = earlyCheck(file, chunks);
    // The second row group's bytes are not all written yet: neither it nor the first's successors are read.
    const [first, second] = metadata.row_groups;
    const end = (group: typeof first) =>
      Number(group!.columns[0]!.meta_data!.data_page_offset + group!.columns[0]!.meta_data!.total_compressed_size);
    early.written(first!, end(first));
    early.written(second!, end(second) - 1);
    expect(early['checked'].length).toBe(1);
    expect(early.keepsFor(early['leaf'], metadata)).toBe(true);
    // The early check is the one finished: it holds every row group afterwards.
    expect(verifyMergedFile({ file, shownAs, chunks, indexColumn: 'index' }, early)).toBe(40);
    expect(early['checked'].length).toBe(4);
  });

  it('a duplicate found while writing is reported with its chunk, named once every chunk is recorded', () => {
    const indexes = Array.from({ length: 40 }, (_, i) => (i === 13 ? 12 : i));
    const { file, chunks } = writeFile('dup.parquet', indexes);
    const { metadata } = readParquetFooter(file);
    const early = earlyCheck(file, chunks);
    for (const group of metadata.row_groups) early.written(group, Number.MAX_SAFE_INTEGER);
    expect(() => verifyMergedFile({ file, shownAs, chunks, indexColumn: 'index' }, early)).toThrow(
      'merged.parquet failed the "index" index check: index 12 appears more than once (again in chunk_1)',
    );
  });

  it('row groups checked early that the footer does not name are not counted: every row group is read again', () => {
    const { file, chunks } = writeFile(
      'final.parquet',
      Array.from({ length: 40 }, (_, i) => i),
    );
    // An early check of another file's row groups (same rows, other bytes): its findings are dropped, not added twice.
    const other = writeFile('other.parquet', [...Array.from({ length: 10 }, (_, i) => i), ...Array.from({ length: 30 }, (_, i) => i + 10)]);
    const otherMeta = readParquetFooter(other.file).metadata;
    const early = earlyCheck(other.file, other.chunks);
    early.written(otherMeta.row_groups[0]!, Number.MAX_SAFE_INTEGER);
    early.written(otherMeta.row_groups[1]!, Number.MAX_SAFE_INTEGER);
    const shifted = { ...otherMeta, row_groups: otherMeta.row_groups.slice(1) };
    expect(early.keepsFor(early['leaf'], shifted as typeof otherMeta)).toBe(false);
    // Checked against the real file from the start: no index seen twice.
    const finalMeta = readParquetFooter(file).metadata;
    const misplaced = earlyCheck(file, chunks);
    misplaced.written(finalMeta.row_groups[1]!, Number.MAX_SAFE_INTEGER);
    expect(misplaced.keepsFor(misplaced['leaf'], finalMeta)).toBe(false);
    expect(verifyMergedFile({ file, shownAs, chunks, indexColumn: 'index' }, misplaced)).toBe(40);
  });
});
