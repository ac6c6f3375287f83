/** A worker thread encoding segments (segment.ts): one segment's job and pieces at a time in, its bytes and row groups out. */
import { parentPort } from 'node:worker_threads';
import { encodeSegment, pieceFromWire, type EncodedSegment, type SegmentJob, type WirePiece } from './segment.js';
import { reported, type ReportedError } from './worker-errors.js';

export interface SegmentRequest {
  readonly id: number;
  readonly job: SegmentJob;
  readonly pieces: readonly WirePiece[];
}

export type SegmentReply =
  { readonly id: number; readonly encoded: EncodedSegment } | { readonly id: number; readonly error: ReportedError };

// Each piece's source is read as it is encoded: a segment never holds all its files at once.
function* sources(pieces: readonly WirePiece[]) {
  for (const piece of pieces) yield pieceFromWire(piece);
}

// The pool sends a worker its next segment only once it replied, so segments never interleave here.
parentPort!.on('message', ({ id, job, pieces }: SegmentRequest) => {
  encodeSegment(job, sources(pieces)).then(
    (encoded) => parentPort!.postMessage({ id, encoded } satisfies SegmentReply, [encoded.bytes.buffer as ArrayBuffer]),
    (error: unknown) => parentPort!.postMessage({ id, error: reported(error) } satisfies SegmentReply),
  );
});
