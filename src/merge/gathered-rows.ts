/**
 * The rows of a merge that are written again, placed into the merged file in index order.
 * In a merge with much to write again (decided before it starts), they are cut into segments
 * of about a row group (segment.ts), encoded on worker threads several at a time
 * (segment-pool.ts), and placed in order as they come back; a piece larger than a row group is
 * encoded here all the same, so no segment grows past about two row groups. Otherwise they are
 * encoded here, straight into the file, in row groups of the batcher's usual size.
 */
import type { OutputFile } from '../parquet/index.js';
import { ROW_GROUP_BYTES, ROW_GROUP_ROWS, rowGroupReached, type RowGroupLimit } from './row-batcher.js';
import {
  encoderOver,
  shifted,
  wirePiece,
  type EncodedGroup,
  type EncodedSegment,
  type Piece,
  type SegmentEncoder,
  type SegmentJob,
  type WirePiece,
} from './segment.js';
import { encodeOn, type SegmentPool } from './segment-pool.js';

/**
 * What the chunks' markers say a merge holds: items (as the chunks' ranges count them) and data
 * file bytes (compressed, for Parquet chunks, where segments count uncompressed bytes: such a
 * merge's segments come out somewhat smaller than a quarter).
 */
export interface MergeTotals {
  readonly items: number;
  readonly bytes: number;
}

/** A merge is cut into at least this many segments, so the last does not leave the other workers idle for long... */
const SEGMENTS_AT_LEAST = 4;
/** ...but none under a quarter of a row group. */
const SEGMENT_MIN = { rows: ROW_GROUP_ROWS / 4, bytes: ROW_GROUP_BYTES / 4 };

/**
 * When a segment is handed over: a row group's worth, or less where the merge holds fewer than
 * SEGMENTS_AT_LEAST of those. It depends on the chunks alone, never on the cores, so the merged
 * file's row groups are the same on any machine with segment workers (two cores or more).
 */
export function segmentLimitFor({ items, bytes }: MergeTotals): RowGroupLimit {
  const share = (total: number, most: number, least: number) => Math.min(most, Math.max(least, Math.ceil(total / SEGMENTS_AT_LEAST)));
  return { rows: share(items, ROW_GROUP_ROWS, SEGMENT_MIN.rows), bytes: share(bytes, ROW_GROUP_BYTES, SEGMENT_MIN.bytes) };
}

export class GatheredRows {
  private rows = 0;
  private bytes = 0;
  /** Encodes pieces here, into the file; its row groups are placed as they are written. */
  private readonly here: SegmentEncoder;
  /** The segment being collected for a worker. */
  private wire: WirePiece[] = [];
  private pool: SegmentPool | undefined;
  /** Workers are asked for at the first piece, once; where there are none, everything is encoded here. */
  private poolTried = false;
  /** Segments handed to workers, oldest first: placed in this order. */
  private readonly inFlight: Promise<EncodedSegment>[] = [];
  /** When a segment is handed over (segmentLimitFor). */
  private readonly segmentLimit: RowGroupLimit;

  /**
   * Writes the file's opening magic into `out` (the merged file, still empty); `place` is told
   * of each row group in the file, in file order. `workers` gives the worker pool at the first
   * piece (undefined: this merge has too little to write again to be worth the workers' start);
   * whoever gives it closes it.
   * `totals`: what the merge holds, which sizes its segments (segmentLimitFor).
   */
  constructor(
    private readonly out: OutputFile,
    private readonly job: SegmentJob,
    private readonly workers: () => SegmentPool | undefined,
    private readonly place: (group: EncodedGroup) => void,
    totals: MergeTotals,
  ) {
    this.here = encoderOver(job, out);
    this.segmentLimit = segmentLimitFor(totals);
  }

  async add(piece: Piece, rows: number, bytes: number): Promise<void> {
    if (!this.poolTried) {
      this.poolTried = true;
      this.pool = this.workers();
    }
    if (this.pool && bytes <= ROW_GROUP_BYTES) {
      this.wire.push(wirePiece(piece));
      this.rows += rows;
      this.bytes += bytes;
      if (rowGroupReached(this.rows, this.bytes, this.segmentLimit)) await this.handOver();
      return;
    }
    // Everything before it goes first; with workers running, its rows must not wait behind the segments that follow.
    if (this.pool) await this.drain();
    await this.here.add(piece);
    if (this.pool) this.here.flush();
    this.placeHere();
  }

  /** Places everything added so far (before a copied row group, and at the end). */
  async drain(): Promise<void> {
    this.here.flush();
    this.placeHere();
    await this.handOver();
    while (this.inFlight.length > 0) this.placeSegment(await this.inFlight.shift()!);
  }

  private placeHere(): void {
    for (const group of this.here.takeGroups()) this.place(group);
  }

  private async handOver(): Promise<void> {
    if (this.wire.length === 0) return;
    const encoding = encodeOn(this.pool!, this.job, this.wire);
    this.wire = [];
    this.rows = 0;
    this.bytes = 0;
    // Awaited in order below; until then a failure must not count as unhandled.
    encoding.catch(() => undefined);
    this.inFlight.push(encoding);
    // Two segments per worker: one being encoded, one waiting; memory stays a few row groups.
    while (this.inFlight.length > 2 * this.pool!.size) this.placeSegment(await this.inFlight.shift()!);
  }

  private placeSegment(encoded: EncodedSegment): void {
    const at = this.out.offset;
    this.out.appendDirect(encoded.bytes);
    for (const group of shifted(encoded.groups, at - encoded.firstByteAt)) this.place(group);
  }
}
