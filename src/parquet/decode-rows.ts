/**
 * A row group's columns decoded to values as stored (no Date, no decoded strings), for writing
 * them again: the row group's bytes are read in one piece, its pages checked (at the merge's
 * verification level: the decoder is no judge of corrupt pages), then decoded column by column.
 * The last row group decoded is kept, since the chunks inside one coalesced row group of an
 * earlier merge come one after another.
 */
import { parquetRead, type DecodedArray } from 'hyparquet';
import { DataError, errorMessage } from '../core/errors.js';
import { decompressors as compressors } from './codecs.js';
import { columnChecksOf, runColumnCheck } from './column-checks.js';
import { columnChunkRange } from './footer.js';
import { RAW_PARSERS } from './leaf-columns.js';
import type { ParquetSource } from './parquet-source.js';
import { SourceFile } from './source-file.js';

/** Each top-level column's values over the row group's rows, by column name. */
export type DecodedColumns = ReadonlyMap<string, ArrayLike<unknown>>;

export class RowGroupDecoder {
  private last: { file: string; group: number; columns: DecodedColumns } | undefined;

  /** `decodeChecks`: check every page by decoding it first (the `pages` level), else by its header. */
  constructor(private readonly decodeChecks: boolean) {}

  async columns(source: ParquetSource, groupIndex: number): Promise<DecodedColumns> {
    if (this.last && this.last.file === source.file && this.last.group === groupIndex) return this.last.columns;
    const columns = await decodeRowGroup(source, groupIndex, this.decodeChecks);
    this.last = { file: source.file, group: groupIndex, columns };
    return columns;
  }
}

async function decodeRowGroup(source: ParquetSource, groupIndex: number, decodeChecks: boolean): Promise<DecodedColumns> {
  const { metadata } = source.footer;
  const group = metadata.row_groups[groupIndex]!;
  const rows = Number(group.num_rows);
  if (rows === 0) return new Map();
  const ranges = group.columns.map((column) => columnChunkRange(column.meta_data!));
  const start = Math.min(...ranges.map((range) => range.start));
  const end = Math.max(...ranges.map((range) => range.end));
  const input = SourceFile.of(source);
  let bytes: Uint8Array;
  try {
    // Read first: the window then holds the whole row group, and the checks read nothing again.
    bytes = Uint8Array.prototype.slice.call(input.readAt(start, end - start));
    for (const check of columnChecksOf(source, decodeChecks, [groupIndex])) runColumnCheck(input, check);
  } finally {
    input.close();
  }
  const file = {
    byteLength: source.footer.size,
    slice: (from: number, to?: number) => bytes.buffer.slice(from - start, (to ?? end) - start) as ArrayBuffer,
  };
  const pieces = new Map<string, { rowStart: number; data: DecodedArray }[]>();
  try {
    await parquetRead({
      file,
      metadata: { ...metadata, row_groups: [group], num_rows: group.num_rows },
      rowStart: 0,
      rowEnd: rows,
      compressors,
      utf8: false,
      parsers: RAW_PARSERS,
      onChunk: ({ columnName, columnData, rowStart }) => {
        let list = pieces.get(columnName);
        if (!list) pieces.set(columnName, (list = []));
        list.push({ rowStart, data: columnData });
      },
    });
  } catch (error) {
    throw new DataError(`${source.file} is corrupt: row group ${groupIndex} cannot be decoded (${errorMessage(error)})`);
  }
  const columns = new Map<string, ArrayLike<unknown>>();
  for (const [name, list] of pieces) {
    if (list.length === 1 && list[0]!.rowStart === 0 && list[0]!.data.length === rows) {
      columns.set(name, list[0]!.data);
      continue;
    }
    const values: unknown[] = new Array(rows).fill(null);
    for (const { rowStart, data } of list) for (let i = 0; i < data.length && rowStart + i < rows; i++) values[rowStart + i] = data[i];
    columns.set(name, values);
  }
  for (const [name, values] of columns) {
    if (values.length !== rows)
      throw new DataError(`${source.file} is corrupt: row group ${groupIndex} decodes to ${values.length} values of ${name}, not ${rows}`);
  }
  return columns;
}
