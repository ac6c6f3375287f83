/**
 * Reads a freshly written merged file back before it replaces anything: the row counts the
 * chunk markers promised, and, when the phase names an index column, every index of the
 * merged chunks exactly once (that one column's pages decoded one at a time). The index
 * column's pages are read from the file: a row group's while the merge goes on, once its
 * bytes are written (IndexCheck.written), the rest after the footer.
 */
import type { ColumnMetaData, FileMetaData, RowGroup, SchemaElement } from 'hyparquet';
import {
  columnChunkRange,
  fieldTree,
  forEachDataPage,
  leafColumnsOf,
  readParquetFooter,
  SourceFile,
  type LeafColumn,
} from '../parquet/index.js';
import { DataError, errorMessage } from '../core/errors.js';
import { describeRanges, type ChunkRange } from '../core/plan.js';
import type { RecordedChunk } from './merge-record.js';
import { lastIndexAtOrBelow } from '../core/sorted-search.js';

export interface VerifyRequest {
  readonly file: string;
  /** Where the file will be renamed to: the name errors should use. */
  readonly shownAs: string;
  readonly chunks: readonly RecordedChunk[];
  readonly indexColumn?: string;
}

/**
 * `early`: the index check of this file begun while it was written; its row groups are kept
 * where the footer names the same bytes for them, else every row group is read again here.
 */
export function verifyMergedFile(request: VerifyRequest, early?: IndexCheck): number {
  const { metadata } = readParquetFooter(request.file);
  const expected = request.chunks.reduce((sum, chunk) => sum + chunk.rows, 0);
  if (Number(metadata.num_rows) !== expected) {
    throw new DataError(
      `${request.shownAs} holds ${metadata.num_rows} rows but the chunk markers recorded ${expected}; the merged file was not kept`,
    );
  }
  let row = 0;
  for (const chunk of request.chunks) {
    if (chunk.firstRow !== row)
      throw new DataError(
        `${request.shownAs}: ${chunk.name} is recorded at row ${chunk.firstRow}, expected ${row}; the merged file was not kept`,
      );
    row += chunk.rows;
  }
  if (request.indexColumn !== undefined) {
    const leaf = indexLeafOf(metadata.schema, request.indexColumn, request.shownAs);
    const check = early?.keepsFor(leaf, metadata) ? early : new IndexCheck(request.file, request.shownAs, leaf, request.chunks);
    check.finish(metadata, request);
  }
  return expected;
}

/** The index column's leaf in `schema`; a DataError where it is not one integer a row. */
function indexLeafOf(schema: readonly SchemaElement[], column: string, shownAs: string): LeafColumn {
  const leaf = indexLeafIn(schema, column, shownAs);
  if (holdsIndexes(leaf)) return leaf;
  if (leaf && isInteger(leaf))
    throw new DataError(
      `the index column "${column}" (indexColumn in the config) is a repeated column of the merged data; it must hold one index a row`,
    );
  const columns = fieldTree(schema, shownAs).children.map((child) => child.element.name);
  throw new DataError(
    `the index column "${column}" (indexColumn in the config) is not an integer column of the merged data; columns: ${columns.join(', ')}`,
  );
}

const isInteger = (leaf: LeafColumn) => leaf.element.type === 'INT32' || leaf.element.type === 'INT64';

/** Whether a leaf can be the index column: an integer, one a row. */
const holdsIndexes = (leaf: LeafColumn | undefined): leaf is LeafColumn =>
  leaf !== undefined && isInteger(leaf) && leaf.maxRepetition === 0;

const indexLeafIn = (schema: readonly SchemaElement[], column: string, shownAs: string): LeafColumn | undefined =>
  leafColumnsOf(fieldTree(schema, shownAs)).list.find(({ path }) => path.length === 1 && path[0] === column);

/** The index column's chunk in a row group. */
const indexChunkOf = (group: RowGroup, column: string): ColumnMetaData | undefined =>
  group.columns.find((chunk) => chunk.meta_data?.path_in_schema.length === 1 && chunk.meta_data.path_in_schema[0] === column)?.meta_data;

/** An index seen where it should not be, at a row of the file (named by its chunk once all are recorded). */
interface Problem {
  readonly index: number | null;
  readonly row: number;
  readonly again: boolean;
}

/** Problems named at most: the first few say what went wrong. */
const PROBLEMS_SHOWN = 5;

/** A checked row group: its index column's bytes in the file, and its rows. */
interface CheckedGroup {
  readonly start: number;
  readonly end: number;
  readonly rows: number;
}

/**
 * Every index of the merged chunks exactly once, the index column's pages decoded from the file
 * a row group at a time, in file order: no rows assembled, no value boxed.
 */
export class IndexCheck {
  private readonly column: string;
  private readonly low: number;
  /** Per index of the chunks' span: 0, not an index of these chunks; 1, expected, not seen yet; 2, seen. */
  private readonly state: Uint8Array;
  private readonly problems: Problem[] = [];
  private readonly checked: CheckedGroup[] = [];
  /** Row groups written to the file's buffer, checked once their bytes are in the file. */
  private readonly waiting: RowGroup[] = [];
  private rows = 0;

  /** `file` is read; errors name it `shownAs`. */
  constructor(
    private readonly file: string,
    private readonly shownAs: string,
    private readonly leaf: LeafColumn,
    ranges: readonly ChunkRange[],
  ) {
    this.column = leaf.path[0]!;
    this.low = ranges.reduce((min, range) => Math.min(min, range.start), Infinity);
    const high = ranges.reduce((max, range) => Math.max(max, range.end), -Infinity);
    this.state = new Uint8Array(Math.max(0, high - this.low + 1));
    for (const range of ranges) this.state.fill(1, range.start - this.low, range.end - this.low + 1);
  }

  /**
   * A check of `file` as it is written, where `schema` (the file's, flattened) has an integer
   * index column of one value a row; otherwise none, and the footer's read says what is wrong.
   */
  static whileWriting(
    { file, shownAs, schema, column }: { file: string; shownAs: string; schema: readonly SchemaElement[]; column: string },
    ranges: readonly ChunkRange[],
  ): IndexCheck | undefined {
    const leaf = indexLeafIn(schema, column, shownAs);
    return holdsIndexes(leaf) ? new IndexCheck(file, shownAs, leaf, ranges) : undefined;
  }

  /**
   * The file's next row group, as written: checked at once where the file holds its index
   * column's bytes (the first `flushed` bytes are in the file), else when a later one is.
   */
  written(group: RowGroup, flushed: number): void {
    this.waiting.push(group);
    let ready = 0;
    while (ready < this.waiting.length && this.endOf(this.waiting[ready]!) <= flushed) ready++;
    if (ready === 0) return;
    const input = new SourceFile(this.file);
    try {
      for (const group of this.waiting.splice(0, ready)) this.check(input, group, this.checked.length);
    } finally {
      input.close();
    }
  }

  /**
   * Whether the row groups checked so far are the footer's first ones, with the same index
   * column leaf: the bytes the footer names for them are the bytes read.
   */
  keepsFor(leaf: LeafColumn, metadata: FileMetaData): boolean {
    const same = leaf.element.type === this.leaf.element.type && leaf.maxDefinition === this.leaf.maxDefinition;
    return (
      same &&
      this.checked.length <= metadata.row_groups.length &&
      this.checked.every((checked, i) => {
        const group = metadata.row_groups[i]!;
        const meta = indexChunkOf(group, this.column);
        if (!meta || Number(group.num_rows) !== checked.rows) return false;
        const { start, end } = columnChunkRange(meta);
        return start === checked.start && end === checked.end;
      })
    );
  }

  /** Checks the footer's row groups not checked yet, then throws a DataError naming what is wrong, if anything is. */
  finish(metadata: FileMetaData, request: VerifyRequest): void {
    const input = new SourceFile(this.file);
    try {
      for (let i = this.checked.length; i < metadata.row_groups.length; i++) this.check(input, metadata.row_groups[i]!, i);
    } finally {
      input.close();
    }
    const messages = this.problems.map(({ index, row, again }) => {
      const chunk = chunkAtRow(request.chunks, row);
      return again
        ? `index ${index} appears more than once (again in ${chunk.name})`
        : `index ${String(index)} (in ${chunk.name}) is outside the merged chunks' ranges`;
    });
    const missing: ChunkRange[] = [];
    for (let slot = 0; slot < this.state.length && messages.length === 0; slot++) {
      if (this.state[slot] === 1) missing.push({ start: slot + this.low, end: slot + this.low });
    }
    if (missing.length > 0)
      messages.push(`${missing.length} indexes of the merged chunks are absent: ${describeRanges(missing.slice(0, 1000))}`);
    if (messages.length > 0) {
      throw new DataError(
        `${request.shownAs} failed the "${this.column}" index check: ${messages.join('; ')}; the merged file was not kept`,
      );
    }
  }

  /** A page of int64 indexes without nulls (the usual page), read as two int32 halves; returns the row after it. */
  private checkInt64(values: BigInt64Array, row: number): number {
    const { state, low, problems } = this;
    const halves = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
    for (let slot = 0; slot < values.length && problems.length < PROBLEMS_SHOWN; slot++, row++) {
      const index = halves[2 * slot + 1]! * 2 ** 32 + (halves[2 * slot]! >>> 0);
      const at = index - low;
      if (state[at] === 1) state[at] = 2;
      else problems.push({ index, row, again: state[at] === 2 });
    }
    return row;
  }

  private endOf(group: RowGroup): number {
    const meta = indexChunkOf(group, this.column);
    return meta ? columnChunkRange(meta).end : 0;
  }

  private check(input: SourceFile, group: RowGroup, groupIndex: number): void {
    const { leaf, state, low, problems } = this;
    let row = this.rows;
    try {
      const meta = indexChunkOf(group, this.column);
      if (!meta) throw new Error(`row group ${groupIndex} has no column "${this.column}"`);
      forEachDataPage(input, meta, leaf, ({ count, values, definitionLevels }) => {
        // A value in every slot: no nulls, whatever the levels say.
        if (values instanceof BigInt64Array && values.length === count) {
          row = this.checkInt64(values, row);
          return;
        }
        const indexAt = indexReader(values);
        let next = 0;
        for (let slot = 0; slot < count && problems.length < PROBLEMS_SHOWN; slot++, row++) {
          const present: boolean = definitionLevels.length === 0 || definitionLevels[slot] === leaf.maxDefinition;
          const index: number | null = present ? indexAt(next++) : null;
          const at = index === null ? -1 : index - low;
          if (state[at] === 1) {
            state[at] = 2;
            continue;
          }
          problems.push({ index, row, again: state[at] === 2 });
        }
        if (problems.length < PROBLEMS_SHOWN && next !== values.length)
          throw new Error(`a page holds ${values.length} values for ${next} defined slots`);
      });
      const { start, end } = columnChunkRange(meta);
      this.checked.push({ start, end, rows: Number(group.num_rows) });
    } catch (error) {
      throw new DataError(`${this.shownAs}: cannot read back column "${this.column}" (${errorMessage(error)})`);
    }
    this.rows += Number(group.num_rows);
  }
}

/** The chunk a row of the merged file came from (chunks are in row order). */
function chunkAtRow(chunks: readonly RecordedChunk[], row: number): RecordedChunk {
  return chunks[lastIndexAtOrBelow(chunks.length, (i) => chunks[i]!.firstRow, row)]!;
}

/** The i-th index of decoded values; int64 columns are read as two int32 halves, without a BigInt per row. */
function indexReader(data: ArrayLike<unknown>): (i: number) => number | null {
  if (data instanceof BigInt64Array) {
    const halves = new Int32Array(data.buffer, data.byteOffset, data.length * 2);
    return (i) => halves[2 * i + 1]! * 2 ** 32 + (halves[2 * i]! >>> 0);
  }
  return (i) => {
    const value = data[i] as unknown;
    return typeof value === 'bigint' ? Number(value) : typeof value === 'number' ? value : null;
  };
}
