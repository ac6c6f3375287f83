/** Does a chunk's output hold each index of its range exactly once? Pure counting, then a reader per format. */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { itemCount, type ChunkRange } from './plan.js';
import { DataError, errorMessage } from './errors.js';

export class IndexTally {
  private readonly seen: Uint8Array;
  private readonly outside: number[] = [];
  private outsideCount = 0;
  private invalid = 0;

  constructor(private readonly range: ChunkRange) {
    this.seen = new Uint8Array(itemCount(range));
  }

  add(value: unknown): void {
    const index = typeof value === 'bigint' ? Number(value) : value;
    if (typeof index !== 'number' || !Number.isInteger(index)) {
      this.invalid++;
      return;
    }
    if (index < this.range.start || index > this.range.end) {
      if (this.outsideCount++ < 5) this.outside.push(index);
      return;
    }
    const slot = index - this.range.start;
    if (this.seen[slot]! < 2) this.seen[slot]!++;
  }

  /** What is wrong, in one phrase, or undefined when every index is there exactly once. */
  problem(column: string): string | undefined {
    const missing: number[] = [];
    const twice: number[] = [];
    let missingCount = 0;
    let twiceCount = 0;
    this.seen.forEach((count, slot) => {
      if (count === 0 && missingCount++ < 5) missing.push(this.range.start + slot);
      if (count > 1 && twiceCount++ < 5) twice.push(this.range.start + slot);
    });
    const parts: string[] = [];
    const list = (values: number[], total: number) => `${values.join(', ')}${total > values.length ? ', ...' : ''}`;
    if (missingCount > 0) parts.push(`${missingCount} missing (${list(missing, missingCount)})`);
    if (twiceCount > 0) parts.push(`${twiceCount} more than once (${list(twice, twiceCount)})`);
    if (this.outsideCount > 0)
      parts.push(`${this.outsideCount} rows outside ${this.range.start}-${this.range.end} (${list(this.outside, this.outsideCount)})`);
    if (this.invalid > 0) parts.push(`${this.invalid} rows without an integer in it`);
    if (parts.length === 0) return undefined;
    return `index column "${column}" does not hold each index of ${this.range.start}-${this.range.end} exactly once: ${parts.join('; ')}`;
  }
}

/** Feed one output file's index column to the tally; throws a DataError naming the file when it cannot be read. */
export async function tallyIndexColumn(file: string, column: string, tally: IndexTally): Promise<void> {
  if (file.endsWith('.parquet')) {
    let rows: Record<string, unknown>[];
    try {
      rows = await parquetReadObjects({ file: await asyncBufferFromFile(file), columns: [column], compressors });
    } catch (error) {
      throw new DataError(`${file}: cannot read index column "${column}" (${errorMessage(error)})`);
    }
    if (rows.length > 0 && !(column in rows[0]!)) throw new DataError(`${file} has no index column "${column}"`);
    for (const row of rows) tally.add(row[column]);
    return;
  }
  if (file.endsWith('.jsonl')) {
    const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
    let lineNumber = 0;
    for await (const line of lines) {
      lineNumber++;
      if (line.trim() === '') continue;
      let row: unknown;
      try {
        row = JSON.parse(line);
      } catch {
        throw new DataError(`${file}:${lineNumber} is not a JSON object`);
      }
      if (typeof row !== 'object' || row === null || !(column in row)) {
        throw new DataError(`${file}:${lineNumber} has no index column "${column}"`);
      }
      tally.add((row as Record<string, unknown>)[column]);
    }
  }
}
