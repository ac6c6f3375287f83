/** Decompressors for reading chunk pages, SNAPPY made cheap to call once per page. */
import { compressors } from 'hyparquet-compressors';
import { snappyCompressor, snappyUncompressor } from 'hysnappy';

// hyparquet-compressors calls hysnappy's one-shot snappyUncompress, which compiles its WASM
// module on every call: a third of the whole merge's time on snappy files. One instance serves all.
export const decompressors = { ...compressors, SNAPPY: snappyUncompressor() };

/** For re-encoded row groups: hysnappy's WASM compressor, several times faster than hyparquet-writer's JS one. */
export const writeCompressors = { SNAPPY: snappyCompressor() };
