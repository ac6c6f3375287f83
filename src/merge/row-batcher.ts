/**
 * Rows that are written again (small row groups, converted chunks, JSONL) gathered into row
 * groups of a size readers like, whatever size the chunks came in: 20,000 chunks of ten rows
 * become a few row groups, not 20,000. Memory is bounded by one row group being gathered.
 */
import type { ParquetWriter } from 'hyparquet-writer';
import {
  emptyLeaves,
  emptyTypedLeaves,
  leafColumnsOf,
  reuseTypedLeaves,
  typedLeavesFit,
  writeLeafRowGroup,
  writeTypedRowGroup,
  type Field,
  type LeafColumn,
  type LeafValues,
  type TypedLeaf,
} from '../parquet/index.js';

/** A gathered row group is written once it reaches this many rows (DuckDB's default is 122,880)... */
export const ROW_GROUP_ROWS = 100_000;
/** ...or this many bytes of uncompressed data, whichever comes first. */
export const ROW_GROUP_BYTES = 32 << 20;

/** A chunk's row group at least this large is copied as bytes; smaller ones are gathered with their neighbours. */
export const COPY_MIN_ROWS = 10_000;
export const COPY_MIN_BYTES = 1 << 20;

export interface RowGroupLimit {
  readonly rows: number;
  readonly bytes: number;
}

/** Whether rows gathered have reached a row group's worth (by default, the usual row group's). */
export function rowGroupReached(
  rows: number,
  bytes: number,
  limit: RowGroupLimit = { rows: ROW_GROUP_ROWS, bytes: ROW_GROUP_BYTES },
): boolean {
  return rows >= limit.rows || bytes >= limit.bytes;
}

export function worthCopying(rows: number, compressedBytes: number): boolean {
  return rows >= COPY_MIN_ROWS || compressedBytes >= COPY_MIN_BYTES;
}

/**
 * Gathers rows as row values per top-level column (converted rows), at the leaf level (levels
 * and values per leaf column: small row groups of the target's shape, see
 * parquet/leaf-columns.ts), or at the leaf level typed (JSONL, where the target's leaves are
 * plain types: parquet/typed-leaves.ts); a row group holds rows gathered one way, so a switch
 * writes what was gathered another way first.
 */
export class RowBatcher {
  private columns: unknown[][];
  private leaves: LeafValues[] | undefined;
  private typed: TypedLeaf[] | undefined;
  private rows = 0;
  private bytes = 0;
  private readonly names: readonly string[];
  /** The target's leaf columns, in storage order (the order of the leaves gathered). */
  readonly targetLeaves: readonly LeafColumn[];
  /** Whether every target leaf can be gathered typed (typedLeafColumns). */
  readonly typedLeavesFit: boolean;

  /** `writer` writes `target`'s schema; `limit`: a row group is written once the rows gathered reach either figure. */
  constructor(
    private readonly writer: ParquetWriter,
    target: Field,
    private readonly limit: RowGroupLimit = { rows: ROW_GROUP_ROWS, bytes: ROW_GROUP_BYTES },
  ) {
    this.targetLeaves = leafColumnsOf(target).list;
    this.typedLeavesFit = typedLeavesFit(this.targetLeaves);
    this.names = target.children.map((field) => field.element.name);
    this.columns = this.names.map(() => []);
  }

  /** Adds rows given as one array per column (in the target's column order); `bytes` estimates their uncompressed size. */
  add(columns: readonly ArrayLike<unknown>[], rows: number, bytes: number): void {
    if (rows === 0) return;
    if (this.leaves || this.typed) this.flush();
    if (this.rows === 0 && this.reached(rows, bytes)) {
      this.write(columns, rows);
      return;
    }
    columns.forEach((values, index) => {
      const gathered = this.columns[index]!;
      for (let i = 0; i < values.length; i++) gathered.push(values[i]);
    });
    this.rows += rows;
    this.bytes += bytes;
    if (this.reached(this.rows, this.bytes)) this.flush();
  }

  /** Adds `rows` rows that `append` adds to each leaf column (in storage order); `bytes` estimates their uncompressed size. */
  addLeaves(append: (into: readonly LeafValues[]) => void, rows: number, bytes: number): void {
    if (rows === 0) return;
    append(this.leafColumns());
    this.leafRowsAdded(rows, bytes);
  }

  /** The leaf columns rows are appended to, one row at a time; each row appended is then counted by leafRowsAdded. */
  leafColumns(): readonly LeafValues[] {
    if (!this.leaves) this.flush();
    return (this.leaves ??= emptyLeaves(this.targetLeaves.length));
  }

  /** As leafColumns, the leaves typed (only where typedLeavesFit); rows appended are counted by leafRowsAdded. */
  typedLeafColumns(): readonly TypedLeaf[] {
    if (!this.typed) this.flush();
    return (this.typed ??= emptyTypedLeaves(this.targetLeaves));
  }

  leafRowsAdded(rows: number, bytes: number): void {
    this.rows += rows;
    this.bytes += bytes;
    if (this.reached(this.rows, this.bytes)) this.flush();
  }

  /** With `rows` rows of `bytes` bytes added to those gathered, how many more rows, or bytes of rows, reach a row group's worth. */
  roomLeft(rows: number, bytes: number): { rows: number; bytes: number } {
    return { rows: this.limit.rows - this.rows - rows, bytes: this.limit.bytes - this.bytes - bytes };
  }

  /** Whether adding `rows` rows of `bytes` bytes to those gathered reaches a row group's worth (then written as they are counted). */
  wouldReach(rows: number, bytes: number): boolean {
    return this.reached(this.rows + rows, this.bytes + bytes);
  }

  private reached(rows: number, bytes: number): boolean {
    return rowGroupReached(rows, bytes, this.limit);
  }

  /** Writes what is gathered as one row group (before a copied row group, and at the end). */
  flush(): void {
    if (this.rows === 0) {
      // Nothing gathered, whichever way: the next rows may come another way.
      this.leaves = undefined;
      this.typed = undefined;
      return;
    }
    if (this.leaves || this.typed) {
      if (this.leaves) writeLeafRowGroup(this.writer, this.targetLeaves, this.leaves, this.rows);
      else {
        writeTypedRowGroup(this.writer, this.targetLeaves, this.typed!, this.rows);
        // Written into the writer's own buffer: the leaves' arrays serve the next row group.
        reuseTypedLeaves(this.typed!);
      }
      this.leaves = undefined;
      this.typed = undefined;
      this.rows = 0;
      this.bytes = 0;
      return;
    }
    const columns = this.columns;
    const rows = this.rows;
    this.columns = this.names.map(() => []);
    this.rows = 0;
    this.bytes = 0;
    this.write(columns, rows);
  }

  private write(columns: readonly ArrayLike<unknown>[], rows: number): void {
    const data = (index: number) => (Array.isArray(columns[index]) ? columns[index] : Array.from(columns[index]!));
    this.writer.write({ columnData: this.names.map((name, index) => ({ name, data: data(index) })), rowGroupSize: rows });
  }
}
