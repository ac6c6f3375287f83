/**
 * The byte level of Parquet, behind one entry: footers read and written as raw thrift, page
 * walking and checks, codecs, schema trees, and row groups copied between files undecoded.
 * The merge (src/merge) decides what goes where; this folder knows how the bytes look.
 */
export { decompressors, writeCompressors } from './codecs.js';
export { copyRowGroups, type CopyChecks } from './copy-row-groups.js';
export { rawFooterOf, writeFooter } from './footer-writer.js';
export { columnChunkRange, readParquetFooter, type ParquetFooter, type RawThrift } from './footer.js';
export { OutputFile } from './output-file.js';
export { PageCheckPool } from './page-check-pool.js';
export { knownSchemaTree, parquetRows, parquetSource, type ParquetSource } from './parquet-source.js';
export {
  fieldTree,
  flattenFields,
  leafColumnsOf,
  leafPaths,
  sameLeafOrder,
  sameShape,
  unifySchemas,
  type Field,
  type LeafColumn,
} from './schema.js';

/**
 * How much of each copied chunk file is read and checked: `headers` walks every page header
 * (offsets, sizes, value and row counts, CRCs where present) without decompressing anything;
 * `pages` also decompresses and decodes every page's levels.
 */
export const VERIFY_LEVELS = ['headers', 'pages'] as const;
export type VerifyLevel = (typeof VERIFY_LEVELS)[number];
export const DEFAULT_VERIFY: VerifyLevel = 'headers';
export { RowGroupDecoder, type DecodedColumns } from './decode-rows.js';
export { appendLeafColumns, emptyLeaves, forEachDataPage, writeLeafRowGroup, type LeafValues } from './leaf-columns.js';
export { SourceFile } from './source-file.js';
export { writeTypedRowGroup } from './typed-column-writer.js';
export { storeKindOf, type StoreKind } from './present-values.js';
export { latin1Slice } from './dictionary-values.js';
export { emptyTypedLeaves, reuseTypedLeaves, typedLeavesFit, type TypedLeaf } from './typed-leaves.js';
