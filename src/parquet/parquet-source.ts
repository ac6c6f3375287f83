/** A Parquet file (or some of its row groups) as an input of a merge: footer, schema tree, row groups. */
import { readParquetFooter, type ParquetFooter } from './footer.js';
import { fieldTree, type Field } from './schema.js';

export interface ParquetSource {
  readonly kind: 'parquet';
  readonly file: string;
  readonly footer: ParquetFooter;
  readonly tree: Field;
  /** The row groups that belong to this input: all of a chunk file, a slice of an earlier merged file. */
  readonly rowGroups: readonly number[];
  /**
   * Only some rows of those row groups: `rows` rows after skipping `skip` (a chunk inside the
   * row groups an earlier merge coalesced). Such a source is decoded, never copied.
   */
  readonly rowSlice?: { readonly skip: number; readonly rows: number };
}

export function parquetSource(
  file: string,
  footer = readParquetFooter(file),
  rowGroups?: readonly number[],
  rowSlice?: ParquetSource['rowSlice'],
): ParquetSource {
  return {
    kind: 'parquet',
    file,
    footer,
    tree: fieldTree(footer.metadata.schema, file),
    rowGroups: rowGroups ?? footer.metadata.row_groups.map((_, index) => index),
    ...(rowSlice ? { rowSlice } : {}),
  };
}

export function parquetRows(source: ParquetSource): number {
  if (source.rowSlice) return source.rowSlice.rows;
  return source.rowGroups.reduce((sum, index) => sum + Number(source.footer.metadata.row_groups[index]!.num_rows), 0);
}
