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
}

export function parquetSource(file: string, footer = readParquetFooter(file), rowGroups?: readonly number[]): ParquetSource {
  return {
    kind: 'parquet',
    file,
    footer,
    tree: fieldTree(footer.metadata.schema, file),
    rowGroups: rowGroups ?? footer.metadata.row_groups.map((_, index) => index),
  };
}

export function parquetRows(source: ParquetSource): number {
  return source.rowGroups.reduce((sum, index) => sum + Number(source.footer.metadata.row_groups[index]!.num_rows), 0);
}
