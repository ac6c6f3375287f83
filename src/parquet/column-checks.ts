/** The page checks of a source's column chunks, as plain data a worker thread can run. */
import type { ColumnMetaData } from 'hyparquet';
import { DataError, errorMessage } from '../core/errors.js';
import type { ParquetSource } from './parquet-source.js';
import { checkColumnChunk, type LeafShape } from './page-check.js';
import { columnChunkRange } from './footer.js';
import { leafColumnsOf, pathKey } from './schema.js';

export { pathKey } from './schema.js';
import { SourceFile } from './source-file.js';

export interface ColumnCheck {
  readonly file: string;
  readonly groupIndex: number;
  readonly meta: ColumnMetaData;
  readonly leaf: LeafShape;
  readonly rows: number;
  readonly start: number;
  readonly end: number;
  /** Decompress and decode every page (the `pages` level), not only walk the headers. */
  readonly decode: boolean;
}

/** One check per column chunk of the given row groups, in the file's column order. */
export function columnChecksOf(source: ParquetSource, decode: boolean, groupIndexes: readonly number[] = source.rowGroups): ColumnCheck[] {
  const leaves = leafColumnsOf(source.tree).byKey;
  return groupIndexes.flatMap((groupIndex) => {
    const group = source.footer.metadata.row_groups[groupIndex]!;
    return group.columns.map((column) => {
      const meta = column.meta_data!;
      const leaf = leaves.get(pathKey(meta.path_in_schema));
      if (!leaf) throw new DataError(`${source.file} is corrupt: column chunk ${meta.path_in_schema.join('.')} is not in the schema`);
      // Only what the check needs: checks are posted to worker threads.
      const shape = { element: leaf.element, maxRepetition: leaf.maxRepetition, maxDefinition: leaf.maxDefinition };
      return { file: source.file, groupIndex, meta, leaf: shape, rows: Number(group.num_rows), ...columnChunkRange(meta), decode };
    });
  });
}

/** Runs a check (handing the chunk's bytes to `emit`); throws a DataError naming the file, column and row group. */
export function runColumnCheck(input: SourceFile, check: ColumnCheck, emit?: (bytes: Uint8Array) => void): void {
  try {
    checkColumnChunk(input, check.meta, check.leaf, check.rows, check.start, check.end, check.decode, emit);
  } catch (error) {
    if (error instanceof DataError) throw error;
    const column = check.meta.path_in_schema.join('.');
    throw new DataError(`${check.file} is corrupt: column ${column} of row group ${check.groupIndex}: ${errorMessage(error)}`);
  }
}
