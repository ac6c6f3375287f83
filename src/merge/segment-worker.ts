/** A worker thread encoding segments (segment.ts): one segment's job and pieces at a time in, its bytes and row groups out; or a JSONL file's schema inferred. */
import { serveRequests } from '../core/worker-pool.js';
import type { Field } from '../parquet/index.js';
import { inferJsonlSchema } from './jsonl-infer.js';
import { encodeSegment, pieceFromWire, type EncodedSegment, type WirePiece } from './segment.js';
import type { SegmentRequest } from './segment-pool.js';

// Each piece's source is read as it is encoded: a segment never holds all its files at once.
function* sources(pieces: readonly WirePiece[]) {
  for (const piece of pieces) yield pieceFromWire(piece);
}

serveRequests<SegmentRequest, EncodedSegment | Field>(
  (request) => (request.kind === 'infer' ? inferJsonlSchema(request.source) : encodeSegment(request.job, sources(request.pieces))),
  (result) => ('bytes' in result ? [result.bytes.buffer as ArrayBuffer] : []),
);
