/**
 * The rows of a Parquet source that are converted rather than copied: a chunk whose schema
 * differs from the target in a compatible way, or a slice of an earlier merge's row groups.
 * Decoded one row group at a time. (Small row groups of the target's own shape are gathered
 * at the leaf level instead: parquet/leaf-columns.ts.)
 */
import { DataError } from '../core/errors.js';
import { sameShape, type DecodedColumns, type Field, type ParquetSource, type RowGroupDecoder } from '../parquet/index.js';
import type { RowBatcher } from './row-batcher.js';
import { converterFor, reencodeProblem } from './value-convert.js';

/** Why the source cannot be decoded and written again without loss, or undefined when it can. */
export function sourceReencodeProblem(tree: Field): string | undefined {
  for (const column of tree.children) {
    const problem = reencodeProblem(column);
    if (problem) return `column "${column.element.name}": ${problem}`;
  }
  return undefined;
}

export function checkReencodable(source: ParquetSource): void {
  const problem = sourceReencodeProblem(source.tree);
  if (problem) throw new DataError(`${source.file} differs from the other chunks' schema and cannot be converted: ${problem}`);
}

/** One array per column of the target, from decoded columns of `source`: rows [from, to). */
export type ColumnConverter = (columns: DecodedColumns, from: number, to: number) => ArrayLike<unknown>[];

export function columnConverter(source: ParquetSource, target: Field): ColumnConverter {
  const converters = target.children.map((field) => {
    const name = field.element.name;
    const sourceField = source.tree.children.find((candidate) => candidate.element.name === name);
    // Same column, same type: the decoded values are already what the target stores.
    if (sourceField && sameShape(sourceField, field, false)) return { name, convert: undefined };
    return { name, convert: converterFor(sourceField, field) };
  });
  return (columns, from, to) =>
    converters.map(({ name, convert }) => {
      const values = columns.get(name);
      const whole = from === 0 && values !== undefined && to === values.length;
      if (!convert && values) return whole ? values : Array.prototype.slice.call(values, from, to);
      const out: unknown[] = new Array(to - from);
      for (let i = from; i < to; i++) out[i - from] = convert!(values?.[i]);
      return out;
    });
}

/** Adds the source's row groups (only its row slice, where it has one) to the batcher. */
export async function reencodeRowGroups(
  batcher: RowBatcher,
  decoder: RowGroupDecoder,
  source: ParquetSource,
  convert: ColumnConverter,
): Promise<void> {
  const { metadata } = source.footer;
  let skip = source.rowSlice?.skip ?? 0;
  let wanted = source.rowSlice?.rows ?? Infinity;
  for (const groupIndex of source.rowGroups) {
    if (wanted <= 0) break;
    const group = metadata.row_groups[groupIndex]!;
    const groupRows = Number(group.num_rows);
    if (skip >= groupRows) {
      skip -= groupRows;
      continue;
    }
    const columns = await decoder.columns(source, groupIndex);
    const from = skip;
    const to = Math.min(groupRows, skip + wanted);
    skip = 0;
    wanted -= to - from;
    batcher.add(convert(columns, from, to), to - from, (Number(group.total_byte_size) * (to - from)) / Math.max(1, groupRows));
  }
}
