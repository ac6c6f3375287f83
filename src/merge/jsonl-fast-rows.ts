/**
 * The usual JSONL row read by WebAssembly (assembly/jsonl-rows.ts, built into
 * dist/wasm/jsonl-rows.wasm): a row of the target's columns (keys in any order, a missing one
 * null), with numbers, text without escapes, nulls and lists of numbers, read about four times as fast as the byte
 * scanner reads it, into regions of the module's memory that are appended to the typed leaves
 * in bulk. It takes only rows that change no column's types, valued exactly as the byte
 * scanner values them; every other line is declined, with nothing of it kept, and read by the
 * byte scanner or JSON.parse as before (jsonl.ts), after the rows taken so far are appended.
 *
 * Where the module cannot be had (core/wasm-module.ts), `open` returns undefined and every line
 * takes the byte scanner: the same rows, only slower.
 */
import { wasmInstance } from '../core/wasm-module.js';
import { storeKindOf, type LeafColumn, type StoreKind } from '../parquet/index.js';
import type { ScannedColumn } from './jsonl-scan.js';
import {
  ACCEPTED,
  BOUNDS_BYTE,
  COLUMN_WORDS,
  DECLINED,
  FULL,
  INPUT_BYTES,
  initialShare,
  kindOf,
  lineCount,
  memoryLayout,
  WORD,
  type Regions,
  type RowsExports,
} from './jsonl-rows-layout.js';
import type { RowBatcher } from './row-batcher.js';

/**
 * A line up to LINE_MAX is the module's (its input grows for one longer than a read block), and
 * its regions grow for a row that does not fit them empty, up to REGION_LARGEST. Longer lines
 * are the byte scanner's: no faster here, and their copies in this memory would stay resident.
 */
const LINE_MAX = 8 << 20;
const REGION_LARGEST = 16 << 20;
/** ...and while all the columns' regions of values stay under this. */
const REGIONS_LARGEST = 128 << 20;
/** Past this many declines, and more than one in DECLINES_PER_ROW rows, the rest of the file is left to the byte scanner. */
const DECLINES_TRIED = 64;
const DECLINES_PER_ROW = 8;

/**
 * 'auto': the module reads what it can, and leaves a file whose lines it mostly declines to the
 * byte scanner; 'every line': it is asked for every line whatever it declined; 'off': never.
 * Tests set the last two to compare the paths.
 */
export type FastRowsMode = 'auto' | 'every line' | 'off';
let mode: FastRowsMode = 'auto';
/** Rows the module took into leaves in this thread so far (inference's not counted). */
let taken = 0;

export function setFastRowsMode(next: FastRowsMode): void {
  mode = next;
}

export const fastRowsTaken = () => taken;

/** One instance per thread, taken by the file being read and given back after it. */
let spare: RowsExports | undefined;

/** Where rows taken go: the target's leaf columns and the batcher gathering them. Without it only the types are read (inference). */
export interface FastRowsTarget {
  readonly leaves: readonly LeafColumn[];
  readonly batcher: RowBatcher;
}

export class FastRows {
  private words = new Uint32Array(0);
  private bytes = new Uint8Array(0);
  private regions: readonly Regions[] = [];
  private descriptors = 0;
  private input = 0;
  private inputBytes = 0;
  /** Bytes of values each column's region holds (its levels and text ends in proportion). */
  private share: number;
  private readonly keys: Buffer[];
  /** The buffer whose bytes are in the input region. */
  private copied: Buffer | undefined;
  private pendingRows = 0;
  private pendingBytes = 0;
  private accepted = 0;
  private declines = 0;
  private off = false;

  private constructor(
    private readonly rows: RowsExports,
    private readonly columns: readonly ScannedColumn[],
    private readonly stores: readonly (StoreKind | 'types' | undefined)[],
    private readonly batcher: RowBatcher | undefined,
  ) {
    this.keys = columns.map((column) => Buffer.from(JSON.stringify(column.name)));
    this.share = initialShare(columns.length);
    this.layOut(this.share, INPUT_BYTES);
  }

  /**
   * Lays the module's memory out for the columns (memoryLayout: `share` bytes of values a
   * column, an input region of `inputBytes`), grown to hold them (memory is only resident where
   * it is written), and describes the columns to it. Only with nothing taken: the regions start empty.
   */
  private layOut(share: number, inputBytes: number): void {
    const { columns, stores, keys } = this;
    const {
      descriptors,
      keyAt,
      regions,
      regionsEnd,
      input,
      end: top,
    } = memoryLayout(
      this.rows.heapBase(),
      columns.map((column, c) => ({ list: column.list, text: stores[c] === 'text' || stores[c] === 'types', keyBytes: keys[c]!.length })),
      share,
      inputBytes,
    );
    // Grown before anything changes: where it cannot be (a RangeError), the layout is as it was.
    const { memory } = this.rows;
    if (top > memory.buffer.byteLength) memory.grow(Math.ceil((top - memory.buffer.byteLength) / 65536));
    this.descriptors = descriptors;
    this.regions = regions;
    this.input = input;
    this.inputBytes = inputBytes;
    this.words = new Uint32Array(memory.buffer);
    this.bytes = new Uint8Array(memory.buffer);
    this.copied = undefined;
    this.share = share;
    keys.forEach((key, c) => this.bytes.set(key, keyAt[c]));
    columns.forEach((column, c) => {
      const at = this.descriptor(c);
      const region = this.regions[c]!;
      this.words[at + WORD.list] = column.list ? 1 : 0;
      this.words[at + WORD.key] = keyAt[c]!;
      this.words[at + WORD.keyLength] = keys[c]!.length;
      this.words[at + WORD.valuesStart] = region.values;
      this.words[at + WORD.valuesEnd] = region.definitions;
      this.words[at + WORD.definitionsEnd] = region.repetitions;
      this.words[at + WORD.repetitionsEnd] = region.ends;
      this.words[at + WORD.endsEnd] = regionsEnd[c]!;
    });
    this.rows.describe(this.descriptors, columns.length);
    this.resetCursors();
    this.retype();
  }

  /**
   * A reader of the rows of `columns` (the byte scanner's, whose types it follows) into the
   * target's typed leaves (without one: a row it takes changes no type, which is all inference
   * needs to know of it), or undefined where the module cannot be had or a column's name is not
   * as a line holds it plainly (its quotes, escapes). Give it back by close().
   */
  static open(columns: readonly ScannedColumn[], target?: FastRowsTarget): FastRows | undefined {
    if (columns.length === 0 || mode === 'off') return undefined;
    const plain = (name: string) => JSON.stringify(name) === `"${name}"` && Buffer.from(name).toString() === name;
    if (!columns.every((column) => plain(column.name))) return undefined;
    let rows = spare;
    spare = undefined;
    rows ??= wasmInstance<RowsExports>('jsonl-rows');
    if (!rows) return undefined;
    const stores = columns.map((column) => (target ? storeKindOf(target.leaves[column.leaf]!.element) : 'types'));
    try {
      return new FastRows(rows, columns, stores, target?.batcher);
    } catch (error) {
      // Its memory could not grow to the columns' regions (a RangeError): the byte scanner reads the file.
      if (error instanceof RangeError) return undefined;
      throw error;
    }
  }

  /**
   * Takes the lines of bytes[start, end) from the first until one it does not take (with
   * nothing of that one kept): each line ends in a newline, the last at end - 1 (or at
   * bytes.length, past the buffer: forEachLine's joined lines). Returns how many lines it took,
   * their bytes (newlines left out) and where the next line starts; that line, where it stopped
   * before `end`, is the caller's to read, after drain(). It stops after the row that reaches
   * the batcher's row group, or, without a batcher, after the row that makes `most` rows or
   * bytes of rows (inference's sample).
   */
  readLines(
    bytes: Buffer,
    start: number,
    end: number,
    most?: { readonly rows: number; readonly bytes: number },
  ): { lines: number; bytes: number; next: number } {
    const taken = { lines: 0, bytes: 0, next: start };
    if (this.off) return taken;
    if (bytes.length + 64 > this.inputBytes) {
      // A line longer than a read block (joined from several): room for it, up to a limit.
      if (bytes.length > LINE_MAX) return taken;
      this.drain();
      if (!this.laidOutAgain(this.share, bytes.length + 64)) return taken;
    }
    this.copyIn(bytes);
    let at = start;
    while (at < end) {
      // The module stops where the row group is reached: it is written at the same row as without the module.
      const room = this.batcher?.roomLeft(this.pendingRows, this.pendingBytes) ?? most;
      const status = this.rows.rows(this.input + at, this.input + end, lineCount(room?.rows), lineCount(room?.bytes));
      this.took(taken, this.rows.taken(), this.rows.takenBytes());
      at = this.rows.stopped() - this.input;
      if (this.batcher?.wouldReach(this.pendingRows, this.pendingBytes)) this.drain();
      if (status === ACCEPTED) continue;
      if (status === FULL) {
        // Room for the row: the regions emptied into the leaves, else made larger (a value of many MB), the line copied in again.
        if (this.pendingRows > 0) this.drain();
        else if (!this.grown()) break;
        this.copyIn(bytes);
        continue;
      }
      if (status === DECLINED && ++this.declines >= DECLINES_TRIED && this.declines * DECLINES_PER_ROW > this.accepted)
        this.off = mode === 'auto';
      break;
    }
    taken.next = at;
    return taken;
  }

  private took(counted: { lines: number; bytes: number }, lines: number, bytes: number): void {
    counted.lines += lines;
    counted.bytes += bytes;
    this.accepted += lines;
    if (this.batcher) taken += lines;
    this.pendingRows += lines;
    this.pendingBytes += bytes;
  }

  /** `bytes` in the module's input, unless they are there already. */
  private copyIn(bytes: Buffer): void {
    if (bytes === this.copied) return;
    this.bytes.set(bytes, this.input);
    // The module reads up to 16 bytes past a line's newline: a newline, then zeros.
    this.bytes.fill(0, this.input + bytes.length, this.input + bytes.length + 32);
    this.bytes[this.input + bytes.length] = 0x0a;
    this.copied = bytes;
  }

  /** Whether the regions could be made four times as large (empty: nothing taken is pending). */
  private grown(): boolean {
    const share = this.share * 4;
    if (share > REGION_LARGEST || share * this.columns.length > REGIONS_LARGEST) return false;
    return this.laidOutAgain(share, this.inputBytes);
  }

  /** layOut, or false where the memory cannot grow that far (a RangeError; the layout stays as it was): the line is the byte scanner's. */
  private laidOutAgain(share: number, inputBytes: number): boolean {
    try {
      this.layOut(share, inputBytes);
      return true;
    } catch (error) {
      if (error instanceof RangeError) return false;
      throw error;
    }
  }

  /** Appends the rows taken so far to the leaves and counts them in the batcher (which may write a row group); without one, drops them. */
  drain(): void {
    if (this.pendingRows === 0) return;
    if (!this.batcher) {
      this.resetCursors();
      this.pendingRows = 0;
      this.pendingBytes = 0;
      return;
    }
    const leaves = this.batcher.typedLeafColumns();
    const { buffer } = this.rows.memory;
    this.columns.forEach((column, c) => {
      const at = this.descriptor(c);
      const region = this.regions[c]!;
      const leaf = leaves[column.leaf]!;
      const count = (cursor: number, start: number, width: number) => (this.words[at + cursor]! - start) / width;
      leaf.definitionLevels.append(new Uint16Array(buffer, region.definitions, count(WORD.definitions, region.definitions, 2)));
      if (column.list)
        leaf.repetitionLevels.append(new Uint16Array(buffer, region.repetitions, count(WORD.repetitions, region.repetitions, 2)));
      if (this.stores[c] === 'text') {
        const ends = new Uint32Array(buffer, region.ends, count(WORD.ends, region.ends, 4));
        const bytes = new Uint8Array(buffer, region.values, this.words[at + WORD.values]! - region.values);
        if (ends.length === 0) return;
        const descriptor = at * 4;
        this.rows.textBounds(descriptor);
        const [least, greatest] = new Uint32Array(buffer, descriptor + BOUNDS_BYTE, 2);
        leaf.values.appendText(bytes, ends, { least: least!, greatest: greatest! });
      } else {
        const numbers = new Float64Array(buffer, region.values, count(WORD.values, region.values, 8));
        const descriptor = at * 4;
        this.rows.numberBounds(descriptor);
        const bounds = new Float64Array(buffer, descriptor + BOUNDS_BYTE, 2);
        leaf.values.appendNumbers(numbers, bounds[0]!, bounds[1]!);
      }
    });
    this.resetCursors();
    const rows = this.pendingRows;
    const bytes = this.pendingBytes;
    this.pendingRows = 0;
    this.pendingBytes = 0;
    this.batcher.leafRowsAdded(rows, bytes);
  }

  /** The columns' types may have changed (a line read by the byte scanner or JSON.parse): what the module takes follows them. */
  retype(): void {
    this.columns.forEach((column, c) => {
      this.words[this.descriptor(c) + WORD.kind] = kindOf(column.seen, column.list, this.stores[c]);
    });
  }

  /** Done with the file (after drain(), or on a failure): the module's instance serves the next file. */
  close(): void {
    this.copied = undefined;
    spare = this.rows;
  }

  private descriptor(column: number): number {
    return (this.descriptors >> 2) + column * COLUMN_WORDS;
  }

  private resetCursors(): void {
    this.regions.forEach((region, c) => {
      const at = this.descriptor(c);
      this.words[at + WORD.values] = region.values;
      this.words[at + WORD.definitions] = region.definitions;
      this.words[at + WORD.repetitions] = region.repetitions;
      this.words[at + WORD.ends] = region.ends;
    });
  }
}
