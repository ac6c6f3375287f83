/**
 * A row group's rows decoded to values as stored (no Date, no decoded strings), for writing
 * them again: the row group's bytes are read in one piece, its pages checked, then decoded.
 * The last row group decoded is kept, since the chunks inside one coalesced row group of an
 * earlier merge come one after another.
 */
import { parquetReadObjects } from 'hyparquet';
import { DataError, errorMessage } from '../core/errors.js';
import { decompressors as compressors } from './codecs.js';
import { columnChecksOf, runColumnCheck } from './column-checks.js';
import { columnChunkRange } from './footer.js';
import type { ParquetSource } from './parquet-source.js';
import { SourceFile } from './source-file.js';

/** Keep values as stored, so they are written back exactly. */
const RAW_PARSERS = {
  timestampFromMilliseconds: (value: bigint) => value,
  timestampFromMicroseconds: (value: bigint) => value,
  timestampFromNanoseconds: (value: bigint) => value,
  dateFromDays: (value: number) => value,
  stringFromBytes: (bytes: Uint8Array) => bytes,
};

export type DecodedRow = Record<string, unknown>;

export class RowGroupDecoder {
  private last: { file: string; group: number; rows: DecodedRow[] } | undefined;

  async rows(source: ParquetSource, groupIndex: number): Promise<DecodedRow[]> {
    if (this.last && this.last.file === source.file && this.last.group === groupIndex) return this.last.rows;
    const rows = await decodeRowGroup(source, groupIndex);
    this.last = { file: source.file, group: groupIndex, rows };
    return rows;
  }
}

async function decodeRowGroup(source: ParquetSource, groupIndex: number): Promise<DecodedRow[]> {
  const { metadata } = source.footer;
  const group = metadata.row_groups[groupIndex]!;
  const rows = Number(group.num_rows);
  if (rows === 0) return [];
  const ranges = group.columns.map((column) => columnChunkRange(column.meta_data!));
  const start = Math.min(...ranges.map((range) => range.start));
  const end = Math.max(...ranges.map((range) => range.end));
  const input = new SourceFile(source.file);
  let bytes: Uint8Array;
  try {
    // Decoding trusts the pages; corrupt ones would crash the decoder instead of being named.
    for (const check of columnChecksOf(source, true, [groupIndex])) runColumnCheck(input, check);
    bytes = Uint8Array.prototype.slice.call(input.readAt(start, end - start));
  } finally {
    input.close();
  }
  const file = {
    byteLength: source.footer.size,
    slice: (from: number, to?: number) => bytes.buffer.slice(from - start, (to ?? end) - start) as ArrayBuffer,
  };
  try {
    return await parquetReadObjects({
      file,
      metadata: { ...metadata, row_groups: [group], num_rows: group.num_rows },
      rowStart: 0,
      rowEnd: rows,
      compressors,
      utf8: false,
      parsers: RAW_PARSERS,
    });
  } catch (error) {
    throw new DataError(`${source.file} is corrupt: row group ${groupIndex} cannot be decoded (${errorMessage(error)})`);
  }
}
