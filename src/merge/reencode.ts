/**
 * The rows of a Parquet source that are written again rather than copied: a chunk whose
 * schema differs from the target in a compatible way (converted to the target schema), and
 * small row groups gathered into bigger ones. Decoded one row group at a time.
 */
import { DataError } from '../core/errors.js';
import type { DecodedRow, Field, ParquetSource, RowGroupDecoder } from '../parquet/index.js';
import type { RowBatcher } from './row-batcher.js';
import { converterFor, reencodeProblem } from './value-convert.js';

/** Why the source cannot be decoded and written again without loss, or undefined when it can. */
export function sourceReencodeProblem(source: ParquetSource): string | undefined {
  for (const column of source.tree.children) {
    const problem = reencodeProblem(column);
    if (problem) return `column "${column.element.name}": ${problem}`;
  }
  return undefined;
}

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

export type RowConverter = (rows: readonly DecodedRow[]) => unknown[][];

/** Turns decoded rows of `source` into one array per column of `target`. */
export function rowConverter(source: ParquetSource, target: Field): RowConverter {
  const converters = target.children.map((field) => {
    const name = field.element.name;
    const convert = converterFor(
      source.tree.children.find((candidate) => candidate.element.name === name),
      field,
    );
    return (rows: readonly DecodedRow[]) => rows.map((row) => convert(row[name]));
  });
  return (rows) => converters.map((convert) => convert(rows));
}

/** Adds the given row groups of the source (only its row slice, where it has one) to the batcher. */
export async function reencodeRowGroups(
  batcher: RowBatcher,
  decoder: RowGroupDecoder,
  source: ParquetSource,
  convert: RowConverter,
  groups: readonly number[] = source.rowGroups,
): Promise<void> {
  const { metadata } = source.footer;
  let skip = source.rowSlice?.skip ?? 0;
  let wanted = source.rowSlice?.rows ?? Infinity;
  for (const groupIndex of groups) {
    if (wanted <= 0) break;
    const group = metadata.row_groups[groupIndex]!;
    const groupRows = Number(group.num_rows);
    if (skip >= groupRows) {
      skip -= groupRows;
      continue;
    }
    const all = await decoder.rows(source, groupIndex);
    const rows = skip === 0 && wanted >= all.length ? all : all.slice(skip, skip + Math.min(wanted, all.length - skip));
    skip = 0;
    wanted -= rows.length;
    batcher.add(convert(rows), rows.length, (Number(group.total_byte_size) * rows.length) / Math.max(1, groupRows));
  }
}
