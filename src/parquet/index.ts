/**
 * The byte level of Parquet, behind one entry: footers read and written as raw thrift, page
 * walking and checks, codecs, schema trees, and row groups copied between files undecoded.
 * The merge (src/merge) decides what goes where; this folder knows how the bytes look.
 */
export { decompressors } from './codecs.js';
export { checkSourcePages } from './column-checks.js';
export { copyRowGroups } from './copy-row-groups.js';
export { rawFooterOf, writeFooter } from './footer-writer.js';
export { columnChunkRange, readParquetFooter, type ParquetFooter, type RawThrift } from './footer.js';
export { OutputFile } from './output-file.js';
export { PageCheckPool } from './page-check-pool.js';
export { parquetRows, parquetSource, type ParquetSource } from './parquet-source.js';
export { fieldTree, flattenFields, leafPaths, sameLeafOrder, sameShape, unifySchemas, type Field } from './schema.js';
