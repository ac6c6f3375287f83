/**
 * Slow path, for a chunk whose schema differs from the target in a compatible way: its row
 * groups are decoded one at a time, converted to the target schema and encoded again.
 */
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { checkSourcePages, decompressors as compressors, type Field } from '../parquet/index.js';
import type { ParquetWriter } from 'hyparquet-writer';
import { DataError, errorMessage } from '../core/errors.js';
import type { ParquetSource } from './chunk-sources.js';
import { converterFor, reencodeProblem } from './value-convert.js';

/** Keep values as stored, so they are written back exactly: no Date, no decoded strings. */
const RAW_PARSERS = {
  timestampFromMilliseconds: (value: bigint) => value,
  timestampFromMicroseconds: (value: bigint) => value,
  timestampFromNanoseconds: (value: bigint) => value,
  dateFromDays: (value: number) => value,
  stringFromBytes: (bytes: Uint8Array) => bytes,
};

export function checkReencodable(source: ParquetSource): void {
  for (const column of source.tree.children) {
    const problem = reencodeProblem(column);
    if (problem) {
      throw new DataError(
        `${source.file}: column "${column.element.name}" differs from the other chunks' schema and cannot be converted (${problem})`,
      );
    }
  }
}

/** Writes each non-empty row group of the source as one new row group of `writer`, one at a time. */
export async function reencodeRowGroups(writer: ParquetWriter, source: ParquetSource, target: Field): Promise<void> {
  // Decoding trusts the pages; corrupt ones would crash the decoder instead of being named.
  checkSourcePages(source);
  const file = await asyncBufferFromFile(source.file);
  const { metadata } = source.footer;
  const converters = target.children.map((field) => ({
    name: field.element.name,
    convert: converterFor(
      source.tree.children.find((candidate) => candidate.element.name === field.element.name),
      field,
    ),
  }));
  let groupStart = 0;
  const starts = metadata.row_groups.map((group) => {
    const start = groupStart;
    groupStart += Number(group.num_rows);
    return start;
  });
  for (const groupIndex of source.rowGroups) {
    const rowStart = starts[groupIndex]!;
    const rowEnd = rowStart + Number(metadata.row_groups[groupIndex]!.num_rows);
    if (rowEnd === rowStart) continue;
    let rows: Record<string, unknown>[];
    try {
      rows = await parquetReadObjects({ file, metadata, rowStart, rowEnd, compressors, utf8: false, parsers: RAW_PARSERS });
    } catch (error) {
      throw new DataError(`${source.file} is corrupt: row group ${groupIndex} cannot be decoded (${errorMessage(error)})`);
    }
    const columnData = converters.map(({ name, convert }) => ({ name, data: rows.map((row) => convert(row[name])) }));
    await writer.write({ columnData, rowGroupSize: rows.length });
  }
}
