/**
 * The rows a merge writes again (small row groups gathered, converted chunks, JSONL), cut into
 * segments (a row group's worth, less where the merge holds few: segmentLimitFor), in index order. A segment is encoded on its own into
 * bytes and row groups whose offsets count from the segment's start, so segments can be encoded
 * side by side on worker threads (segment-pool.ts) and then placed into the merged file in order.
 */
import type { SchemaElement } from 'hyparquet';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { DataError } from '../core/errors.js';
import {
  appendLeafColumns,
  parquetSource,
  readParquetFooter,
  RowGroupDecoder,
  writeCompressors,
  type Field,
  type ParquetFooter,
} from '../parquet/index.js';
import type { JsonlSource, ParquetSource } from './chunk-sources.js';
import { writeJsonlRowGroups } from './jsonl.js';
import { columnConverter, reencodeRowGroups, type ColumnConverter } from './reencode.js';
import { ROW_GROUP_BYTES, ROW_GROUP_ROWS, RowBatcher, type RowGroupLimit } from './row-batcher.js';

/** One input of a segment: a JSONL file, a small row group of the target's shape, or a Parquet source to convert. */
export type Piece =
  | { readonly kind: 'jsonl'; readonly source: JsonlSource }
  | { readonly kind: 'leaves'; readonly source: ParquetSource; readonly group: number }
  | { readonly kind: 'convert'; readonly source: ParquetSource };

/** A piece as a worker thread receives it: the file named, its footer read again there. */
export type WirePiece =
  | { readonly kind: 'jsonl'; readonly source: JsonlSource }
  | { readonly kind: 'leaves'; readonly file: string; readonly group: number }
  | {
      readonly kind: 'convert';
      readonly file: string;
      readonly groups: readonly number[];
      readonly rowSlice: ParquetSource['rowSlice'];
    };

export interface SegmentJob {
  readonly target: Field;
  readonly schema: readonly SchemaElement[];
  /** Check every page by decoding it first (the `pages` level). */
  readonly decodeChecks: boolean;
}

export interface EncodedGroup {
  /** As hyparquet-writer made it. */
  readonly group: ParquetWriter['row_groups'][number];
  /** Each column's page indexes, in column order. */
  readonly indexes: Omit<ParquetWriter['pendingIndexes'][number], 'chunk'>[];
}

export interface EncodedSegment {
  readonly bytes: Uint8Array;
  /** The row groups, with offsets in which the first of `bytes` is at `firstByteAt`: placing shifts them once. */
  readonly groups: EncodedGroup[];
  readonly firstByteAt: number;
}

const MAGIC = 4;

/** A writer of the target's row groups into `out` (the merged file, or a segment's bytes in memory). */
function rowGroupWriter(job: SegmentJob, out: ConstructorParameters<typeof ParquetWriter>[0]['writer']): ParquetWriter {
  return new ParquetWriter({ writer: out, schema: job.schema as never, codec: 'SNAPPY', compressors: writeCompressors });
}

/** An encoder writing straight into `out` (the merged file: it writes the file's opening magic first). */
export function encoderOver(job: SegmentJob, out: ConstructorParameters<typeof ParquetWriter>[0]['writer']): SegmentEncoder {
  return new SegmentEncoder(job, rowGroupWriter(job, out));
}

/** Pieces encoded one by one as they are added (no piece's source is held), into the writer's row groups. */
export class SegmentEncoder {
  private readonly batcher: RowBatcher;
  private readonly decoder: RowGroupDecoder;
  private readonly converters = new Map<Field, ColumnConverter>();
  private taken = 0;
  private takenIndexes = 0;

  constructor(
    private readonly job: SegmentJob,
    private readonly writer: ParquetWriter,
    limit?: RowGroupLimit,
  ) {
    this.batcher = new RowBatcher(writer, job.target, limit);
    this.decoder = new RowGroupDecoder(job.decodeChecks);
  }

  async add(piece: Piece): Promise<void> {
    const { batcher, job } = this;
    if (piece.kind === 'jsonl') await writeJsonlRowGroups(batcher, piece.source, job.target);
    else if (piece.kind === 'convert') await reencodeRowGroups(batcher, this.decoder, piece.source, this.converterOf(piece.source));
    else {
      const { source, group } = piece;
      const meta = source.footer.metadata.row_groups[group]!;
      batcher.addLeaves(
        (into) => appendLeafColumns(source, group, job.decodeChecks, batcher.targetLeaves, into),
        Number(meta.num_rows),
        Number(meta.total_byte_size),
      );
    }
  }

  /** One converter per source schema: thousands of converted chunks share a handful. */
  private converterOf(source: ParquetSource): ColumnConverter {
    let convert = this.converters.get(source.tree);
    if (!convert) this.converters.set(source.tree, (convert = columnConverter(source, this.job.target)));
    return convert;
  }

  /** Writes the rows gathered so far as a row group. */
  flush(): void {
    this.batcher.flush();
  }

  /** The row groups written since the last call, each with its columns' page indexes. */
  takeGroups(): EncodedGroup[] {
    const { writer } = this;
    const groups = writer.row_groups.slice(this.taken).map((group) => {
      const indexes = writer.pendingIndexes
        .slice(this.takenIndexes, (this.takenIndexes += group.columns.length))
        .map(({ chunk: _chunk, ...rest }) => rest);
      return { group, indexes };
    });
    this.taken = writer.row_groups.length;
    return groups;
  }
}

/** Encodes the pieces in memory (on a worker): the segment's bytes, and its row groups with offsets counted from its first byte. */
export async function encodeSegment(job: SegmentJob, pieces: Iterable<Piece>): Promise<EncodedSegment> {
  const out = new ByteWriter();
  // The writer starts with the file's magic: the bytes placed leave it out, and the offsets do not count it.
  // A segment ends at the first piece that fills a row group's worth: written as one row group,
  // unless one piece brings it past twice that (rows added one by one are cut there).
  const encoder = new SegmentEncoder(job, rowGroupWriter(job, out), { rows: 2 * ROW_GROUP_ROWS, bytes: 2 * ROW_GROUP_BYTES });
  for (const piece of pieces) await encoder.add(piece);
  encoder.flush();
  return { bytes: out.getBytes().subarray(MAGIC), groups: encoder.takeGroups(), firstByteAt: MAGIC };
}

/** The row groups with every file offset moved by `by` bytes (placing a segment at its place in the file). */
export function shifted(groups: readonly EncodedGroup[], by: number): EncodedGroup[] {
  const move = (offset: bigint | undefined) => (offset === undefined ? undefined : offset + BigInt(by));
  return groups.map(({ group, indexes }) => ({
    group: {
      ...group,
      columns: group.columns.map((chunk) => ({
        ...chunk,
        file_offset: move(chunk.file_offset)!,
        meta_data: chunk.meta_data && {
          ...chunk.meta_data,
          data_page_offset: move(chunk.meta_data.data_page_offset)!,
          dictionary_page_offset: move(chunk.meta_data.dictionary_page_offset),
          index_page_offset: move(chunk.meta_data.index_page_offset),
        },
      })),
    },
    indexes: indexes.map((index) => ({
      ...index,
      offsetIndex: index.offsetIndex && {
        ...index.offsetIndex,
        page_locations: index.offsetIndex.page_locations.map((location) => ({ ...location, offset: move(location.offset)! })),
      },
    })),
  }));
}

/** A piece as sent to a worker: sources named by file, so no footer is copied between threads. */
export function wirePiece(piece: Piece): WirePiece {
  if (piece.kind === 'jsonl') return piece;
  if (piece.kind === 'leaves') return { kind: 'leaves', file: piece.source.file, group: piece.group };
  return { kind: 'convert', file: piece.source.file, groups: piece.source.rowGroups, rowSlice: piece.source.rowSlice };
}

// A worker sees the same big merged file (an earlier merge's rows) in piece after piece: its footer is read once.
const footers = new Map<string, ParquetFooter>();
const FOOTERS_KEPT = 4;

function footerOf(file: string): ParquetFooter {
  const kept = footers.get(file);
  if (kept) return kept;
  const footer = readParquetFooter(file);
  // Small chunk files are read whole with their footer: not worth keeping.
  if (footer.whole === undefined) {
    if (footers.size >= FOOTERS_KEPT) footers.delete(footers.keys().next().value!);
    footers.set(file, footer);
  }
  return footer;
}

/** A piece received by a worker, with its source read again; a file that no longer parses is a DataError naming it. */
export function pieceFromWire(piece: WirePiece): Piece {
  if (piece.kind === 'jsonl') return piece;
  const footer = footerOf(piece.file);
  if (piece.kind === 'leaves') {
    if (piece.group >= footer.metadata.row_groups.length)
      throw new DataError(`${piece.file} changed during the merge; run the merge again`);
    return { kind: 'leaves', source: parquetSource(piece.file, footer), group: piece.group };
  }
  return { kind: 'convert', source: parquetSource(piece.file, footer, piece.groups, piece.rowSlice) };
}
