/**
 * Reads a freshly written merged file back before it replaces anything: the row counts the
 * chunk markers promised, and, when the phase names an index column, every index of the
 * merged chunks exactly once (that one column's pages decoded one at a time).
 */
import { fieldTree, forEachDataPage, leafColumnsOf, readParquetFooter, SourceFile } from '../parquet/index.js';
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

export function verifyMergedFile(request: VerifyRequest): number {
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
  if (request.indexColumn !== undefined) verifyIndexes(request, metadata);
  return expected;
}

type Metadata = ReturnType<typeof readParquetFooter>['metadata'];

function verifyIndexes(request: VerifyRequest, metadata: Metadata): void {
  const column = request.indexColumn!;
  const leaf = leafColumnsOf(fieldTree(metadata.schema, request.shownAs)).list.find(({ path }) => path.length === 1 && path[0] === column);
  if (!leaf || !['INT32', 'INT64'].includes(leaf.element.type ?? '')) {
    throw new DataError(
      `the index column "${column}" (indexColumn in the config) is not an integer column of the merged data; columns: ${metadata.schema
        .slice(1)
        .map((e) => e.name)
        .join(', ')}`,
    );
  }
  if (leaf.maxRepetition > 0)
    throw new DataError(
      `the index column "${column}" (indexColumn in the config) is a repeated column of the merged data; it must hold one index a row`,
    );
  const ranges: ChunkRange[] = request.chunks.map((chunk) => ({ start: chunk.start, end: chunk.end }));
  const low = ranges.reduce((min, range) => Math.min(min, range.start), Infinity);
  const high = ranges.reduce((max, range) => Math.max(max, range.end), -Infinity);
  // 0: not an index of these chunks; 1: expected, not seen yet; 2: seen.
  const state = new Uint8Array(high - low + 1);
  for (const range of ranges) state.fill(1, range.start - low, range.end - low + 1);
  const problems: string[] = [];
  const input = new SourceFile(request.file);
  try {
    let rowStart = 0;
    for (const group of metadata.row_groups) {
      const meta = group.columns.find(
        (chunk) => chunk.meta_data?.path_in_schema.length === 1 && chunk.meta_data.path_in_schema[0] === column,
      )?.meta_data;
      if (!meta) throw new Error(`row group ${metadata.row_groups.indexOf(group)} has no column "${column}"`);
      let row = rowStart;
      // Pages decoded as stored, one at a time: no rows assembled, no value boxed.
      forEachDataPage(input, meta, leaf, ({ count, values, definitionLevels }) => {
        const indexAt = indexReader(values);
        let next = 0;
        for (let slot = 0; slot < count && problems.length < 5; slot++, row++) {
          const present: boolean = definitionLevels.length === 0 || definitionLevels[slot] === leaf.maxDefinition;
          const index: number | null = present ? indexAt(next++) : null;
          const at = index === null ? -1 : index - low;
          if (state[at] === 1) {
            state[at] = 2;
            continue;
          }
          const chunk = chunkAtRow(request.chunks, row);
          if (state[at] === 2) problems.push(`index ${index} appears more than once (again in ${chunk.name})`);
          else problems.push(`index ${String(index)} (in ${chunk.name}) is outside the merged chunks' ranges`);
        }
        if (problems.length < 5 && next !== values.length)
          throw new Error(`a page holds ${values.length} values for ${next} defined slots`);
      });
      rowStart += Number(group.num_rows);
    }
  } catch (error) {
    throw new DataError(`${request.shownAs}: cannot read back column "${column}" (${errorMessage(error)})`);
  } finally {
    input.close();
  }
  const missing: ChunkRange[] = [];
  for (let slot = 0; slot < state.length && problems.length === 0; slot++) {
    if (state[slot] === 1) missing.push({ start: slot + low, end: slot + low });
  }
  if (missing.length > 0)
    problems.push(`${missing.length} indexes of the merged chunks are absent: ${describeRanges(missing.slice(0, 1000))}`);
  if (problems.length > 0) {
    throw new DataError(`${request.shownAs} failed the "${column}" index check: ${problems.join('; ')}; the merged file was not kept`);
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
