/**
 * The rows of a merge that are written again, placed into the merged file in index order.
 * In a merge with much to write again (several row groups' worth of items, or one row group
 * written already), they are cut into segments of about a row group (segment.ts) and encoded
 * on worker threads several at a time (segment-pool.ts), then placed in order as they come
 * back; otherwise they are encoded here, straight into the file, as they come. A piece larger than a row group
 * is encoded here all the same, so no segment's bytes grow past a row group's.
 */
import type { OutputFile } from '../parquet/index.js';
import { ROW_GROUP_BYTES } from './row-batcher.js';
import {
  encoderOver,
  segmentFull,
  shifted,
  wirePiece,
  type EncodedGroup,
  type EncodedSegment,
  type Piece,
  type SegmentEncoder,
  type SegmentJob,
  type WirePiece,
} from './segment.js';
import { SegmentPool } from './segment-pool.js';

export class GatheredRows {
  private rows = 0;
  private bytes = 0;
  /** Encodes pieces here, into the file; its row groups are placed as they are written. */
  private readonly here: SegmentEncoder;
  /** The segment being collected for a worker. */
  private wire: WirePiece[] = [];
  private pool: SegmentPool | undefined;
  /** Segments handed to workers, oldest first: placed in this order. */
  private readonly inFlight: Promise<EncodedSegment>[] = [];

  /**
   * Writes the file's opening magic into `out` (the merged file, still empty); `place` is told
   * of each row group in the file, in file order. `workers`: 'from the start' (the merge holds
   * several row groups' worth of items), 'once a row group is written' (it may hold big rows),
   * or 'never'.
   */
  constructor(
    private readonly out: OutputFile,
    private readonly job: SegmentJob,
    private readonly workers: 'from the start' | 'once a row group is written' | 'never',
    private readonly place: (group: EncodedGroup) => void,
  ) {
    this.here = encoderOver(job, out);
  }

  async add(piece: Piece, rows: number, bytes: number): Promise<void> {
    if (this.workers === 'from the start' && !this.pool) this.pool = SegmentPool.open(this.job);
    if (this.pool && bytes <= ROW_GROUP_BYTES) {
      this.wire.push(wirePiece(piece));
      this.rows += rows;
      this.bytes += bytes;
      if (segmentFull(this.rows, this.bytes)) await this.handOver();
      return;
    }
    if (this.pool) await this.drain();
    await this.here.add(piece);
    this.rows += rows;
    this.bytes += bytes;
    const full = segmentFull(this.rows, this.bytes);
    // With workers running, rows gathered here must not wait behind the segments that follow.
    if (this.pool || full) this.endHere();
    for (const group of this.here.takeGroups()) this.place(group);
    // A merge with a row group's worth behind it is worth the workers' start.
    if (full && this.workers === 'once a row group is written' && !this.pool) this.pool = SegmentPool.open(this.job);
  }

  /** Places everything added so far (before a copied row group, and at the end). */
  async drain(): Promise<void> {
    this.endHere();
    for (const group of this.here.takeGroups()) this.place(group);
    await this.handOver();
    while (this.inFlight.length > 0) this.placeSegment(await this.inFlight.shift()!);
  }

  close(): void {
    this.pool?.close();
  }

  private endHere(): void {
    this.here.flush();
    this.rows = 0;
    this.bytes = 0;
  }

  private async handOver(): Promise<void> {
    if (this.wire.length === 0) return;
    const encoding = this.pool!.encode(this.wire);
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
    for (const group of shifted(encoded.groups, at)) this.place(group);
  }
}
