/** A Parquet file (or some of its row groups) as an input of a merge: footer, schema tree, row groups. */
import { readParquetFooter, readSchemaKey, type ParquetFooter } from './footer.js';
import { fieldTree, type Field } from './schema.js';
import type { FooterBytes } from '../core/parquet-footer-bytes.js';

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

// Thousands of chunk files usually share a handful of schemas: one tree each, so schema work is done once per schema.
const trees = new Map<string, Field>();
const TREES_KEPT = 1000;

function keyOf(footer: ParquetFooter): string {
  return (
    footer.schemaKey ?? JSON.stringify(footer.metadata.schema, (_, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value))
  );
}

function sharedTree(footer: ParquetFooter, file: string): Field {
  const key = keyOf(footer);
  let tree = trees.get(key);
  if (!tree) {
    if (trees.size >= TREES_KEPT) trees.clear();
    trees.set(key, (tree = fieldTree(footer.metadata.schema, file)));
  }
  return tree;
}

/**
 * The schema tree of a file whose schema was seen before (by its footer's schema bytes, without
 * parsing its row groups); undefined for a new schema, which then needs parquetSource.
 */
export function knownSchemaTree(file: string, bytes?: FooterBytes): Field | undefined {
  const key = readSchemaKey(file, bytes);
  return key === undefined ? undefined : trees.get(key);
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
    tree: sharedTree(footer, file),
    rowGroups: rowGroups ?? footer.metadata.row_groups.map((_, index) => index),
    ...(rowSlice ? { rowSlice } : {}),
  };
}

export function parquetRows(source: ParquetSource): number {
  if (source.rowSlice) return source.rowSlice.rows;
  return source.rowGroups.reduce((sum, index) => sum + Number(source.footer.metadata.row_groups[index]!.num_rows), 0);
}
