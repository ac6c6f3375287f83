/**
 * JSONL chunk outputs (what the Python helper writes without pyarrow): column types inferred
 * over the files of the merge (jsonl-infer.ts), then rows converted and written a row group at a
 * time (here).
 *
 * Inference reads only each file's first rows when the source says so (typesFrom 'first rows'):
 * the write pass then checks every later row against the types those first rows gave, and throws
 * JsonlTypesMissed on the first that does not fit, so the merge is redone with every row read.
 * Either way the file's types are those of all its rows; in the common case each line past the
 * sample is read once, by the WebAssembly reader (jsonl-fast-rows.ts; the byte scanner,
 * jsonl-scan.ts, where it declines or cannot be had), and none by JSON.parse.
 */
import { isMainThread } from 'node:worker_threads';
import { DataError } from '../core/errors.js';
import type { JsonlSource } from './chunk-sources.js';
import type { Field } from '../parquet/index.js';
import type { RowBatcher } from './row-batcher.js';
import { storeKindOf, type LeafColumn, type LeafValues, type TypedLeaf } from '../parquet/index.js';
import { forEachLine, inSample, isBlank, parseRow, READ_BLOCK } from './jsonl-lines.js';
import { JsonlRowScanner, type ScannedColumn } from './jsonl-scan.js';
import { FastRows } from './jsonl-fast-rows.js';
import { jsonTypeOfField } from './jsonl-infer.js';
import { describeType, typeOfValue, typesWith } from './jsonl-types.js';

/** The sampled types of a file missed a later row: redo the merge reading every row's types. */
export class JsonlTypesMissed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonlTypesMissed';
  }
}

type Convert = (value: unknown) => unknown;

const identity: Convert = (value) => value;

/**
 * A JSONL value of a leaf column as the general writer takes it (ints as bigints). Strings stay
 * strings: as bytes, the writer's statistics and dictionary would compare and hash them in
 * JavaScript, slower than its one encode per string for long ones.
 */
function leafConverter(target: Field): Convert {
  const { type, logical_type: logical } = target.element;
  if (logical?.type === 'NULL') return () => null;
  if (type === 'INT64') return (value) => (typeof value === 'number' ? BigInt(value) : null);
  // The checked types leave only numbers or null here, booleans or null in a boolean column, and so on.
  return identity;
}

/** A leaf gathered as values (leaf-columns.ts) or typed (typed-leaves.ts): the shredder appends to either. */
type Leaf = LeafValues | TypedLeaf;

/** How a present value and a null enter one leaf's values; `present` returns a problem to report, or undefined. */
interface ValueAppender {
  present(into: Leaf, value: unknown): string | undefined;
  absent(into: Leaf): void;
}

function valueAppender(leafField: Field, typed: boolean): ValueAppender {
  if (typed) {
    return {
      // An all-null column's store refuses every value.
      present: (into, value) => (into as TypedLeaf).values.push(value),
      // Typed leaves keep present values only: a null is its definition level.
      absent: () => {},
    };
  }
  const convert = leafConverter(leafField);
  return {
    present: (into, value) => {
      (into as LeafValues).values.push(convert(value));
      return undefined;
    },
    absent: (into) => {
      (into as LeafValues).values.push(null);
    },
  };
}

/**
 * Appends a value of a column (undefined: the row lacks the key) to the column's leaves, as
 * levels and values; returns a problem to report (a null where the column is required, a value
 * the column's shape cannot take), or undefined.
 */
type Shred = (value: unknown, leaves: readonly Leaf[]) => string | undefined;

const isNull = (value: unknown) => value === undefined || value === null;
const optional = (field: Field) => field.element.repetition_type !== 'REQUIRED';

/**
 * JSONL values shredded straight into the leaf columns, without the writer's general Dremel
 * pass. A JSONL column is a scalar or a list of scalars (fieldFor): one leaf, at `leaf`. In a
 * merge with Parquet chunks the target column may have another shape (a struct a JSONL file
 * lacks, a required column); its levels follow the target's elements.
 */
function jsonShredder(
  target: Field,
  leafIndexes: readonly number[],
  levels: readonly { maxRepetition: number; maxDefinition: number }[],
  typed: boolean,
): Shred {
  const listed = target.children.length === 1 ? target.children[0]! : undefined;
  const element = listed?.element.repetition_type === 'REPEATED' && listed.children.length === 1 ? listed.children[0]! : undefined;
  const leaf = leafIndexes[0]!;
  if (target.children.length === 0) {
    const { present, absent } = valueAppender(target, typed);
    const nullable = optional(target);
    return (value, leaves) => {
      const into = leaves[leaf]!;
      if (isNull(value)) {
        if (!nullable) return 'is null, and the column is required in the other chunks';
        into.definitionLevels.push(0);
        absent(into);
        return undefined;
      }
      if (nullable) into.definitionLevels.push(1);
      return present(into, value);
    };
  }
  if (element && element.children.length === 0) {
    // Three-level list: definition levels count the optional list, the repeated level and an optional element.
    const { present, absent } = valueAppender(element, typed);
    const listLevel = optional(target) ? 1 : 0;
    const elementNullable = optional(element);
    return (value, leaves) => {
      const into = leaves[leaf]!;
      if (!Array.isArray(value) || value.length === 0) {
        if (!Array.isArray(value) && listLevel === 0) return 'is null, and the column is required in the other chunks';
        into.repetitionLevels.push(0);
        into.definitionLevels.push(Array.isArray(value) ? listLevel : 0);
        absent(into);
        return undefined;
      }
      for (let k = 0; k < value.length; k++) {
        into.repetitionLevels.push(k === 0 ? 0 : 1);
        if (isNull(value[k])) {
          if (!elementNullable) return "holds a null element, and the list's elements are required in the other chunks";
          into.definitionLevels.push(listLevel + 1);
          absent(into);
        } else {
          into.definitionLevels.push(listLevel + 1 + (elementNullable ? 1 : 0));
          const problem = present(into, value[k]);
          if (problem) return problem;
        }
      }
      return undefined;
    };
  }
  // Another shape (a struct, a map, a nested list): JSONL rows can only leave it null.
  const appenders = leafIndexes.map(() => valueAppender(target, typed));
  return (value, leaves) => {
    if (!isNull(value)) return 'holds a value, and the column has another shape in the other chunks';
    if (!optional(target)) return 'is null, and the column is required in the other chunks';
    leafIndexes.forEach((index, k) => {
      const into = leaves[index]!;
      if (levels[index]!.maxRepetition > 0) into.repetitionLevels.push(0);
      into.definitionLevels.push(0);
      appenders[k]!.absent(into);
    });
    return undefined;
  };
}

interface JsonlColumn extends ScannedColumn {
  readonly shred: Shred;
}

/** Whether a target column has the shape a JSONL column gets (fieldFor) and a typed store of values the byte scanner pushes. */
function scannable(field: Field, leafIndexes: readonly number[], leaves: readonly LeafColumn[]): boolean {
  if (leafIndexes.length !== 1 || !optional(field)) return false;
  const leaf = leaves[leafIndexes[0]!]!;
  const kind = storeKindOf(leaf.element);
  if (kind === undefined || kind === 'json') return false;
  if (field.children.length === 0) return true;
  const listed = field.children[0]!;
  return (
    field.element.converted_type === 'LIST' &&
    listed.element.repetition_type === 'REPEATED' &&
    listed.children.length === 1 &&
    listed.children[0]!.children.length === 0 &&
    optional(listed.children[0]!)
  );
}

/**
 * Adds the file's rows to the batcher, converted to the target schema; returns the rows read.
 * Each row's types are checked against those of the file's earlier rows: past the rows inference
 * read (typesFrom 'first rows'), a row that would change them throws JsonlTypesMissed.
 */
export async function writeJsonlRowGroups(batcher: RowBatcher, source: JsonlSource, target: Field): Promise<number> {
  const typed = batcher.typedLeavesFit;
  let scanning = typed;
  const columns: JsonlColumn[] = target.children.map((field) => {
    const name = field.element.name;
    const leafIndexes = batcher.targetLeaves.flatMap(({ path }, index) => (path[0] === name ? [index] : []));
    if (!scannable(field, leafIndexes, batcher.targetLeaves)) scanning = false;
    const shred = jsonShredder(field, leafIndexes, batcher.targetLeaves, typed);
    // The target's types: a row that fits them changes nothing the merge decided (whichever file's first rows they came from).
    return { name, shred, leaf: leafIndexes[0] ?? -1, list: field.children.length > 0, seen: jsonTypeOfField(field) };
  });
  const scanner = scanning ? new JsonlRowScanner(columns) : undefined;
  const fast = scanner && FastRows.open(columns, { leaves: batcher.targetLeaves, batcher });
  const sampled = source.typesFrom === 'first rows';
  let rows = 0;
  let bytesRead = 0;
  const changed = (line: number, what: string) =>
    new DataError(
      `${source.file} line ${line} ${what}, which its first read did not see: it changed during the merge; run the merge again`,
    );
  const readLine = (bytes: Buffer, start: number, end: number, line: number) => {
    if (scanner?.scan(bytes, start, end, batcher.typedLeafColumns(), !sampled || inSample(rows, bytesRead))) {
      rows++;
      bytesRead += end - start;
      batcher.leafRowsAdded(1, end - start);
      return;
    }
    const text = bytes.toString('utf8', start, end);
    if (isBlank(text)) return;
    const record = parseRow(source.file, text, line);
    const inferred = !sampled || inSample(rows, bytesRead);
    const leaves = typed ? batcher.typedLeafColumns() : batcher.leafColumns();
    const cannot = (column: JsonlColumn, problem: string) =>
      new DataError(`${source.file} line ${line}: column "${column.name}" ${problem}; it cannot be merged with them`);
    let present = 0;
    for (const column of columns) {
      const value = Object.hasOwn(record, column.name) ? record[column.name] : undefined;
      if (value === undefined) {
        const problem = column.shred(undefined, leaves);
        if (problem) throw cannot(column, problem);
        continue;
      }
      present++;
      const type = typeOfValue(value);
      if (type !== column.seen) {
        // As inference would note it: a key first seen past the first rows, even as null, is a miss.
        const merged = typesWith(column.seen, type);
        if (merged !== column.seen) {
          if (!inferred) throw new JsonlTypesMissed(`${source.file} line ${line}: column "${column.name}" is ${describeType(type)}`);
          if (merged === undefined) throw changed(line, `has ${describeType(type)} in column "${column.name}"`);
          column.seen = merged;
        }
      }
      const problem = column.shred(value, leaves);
      if (problem) throw cannot(column, problem);
    }
    let keys = 0;
    for (const _key in record) keys++;
    if (keys !== present) {
      if (!inferred) throw new JsonlTypesMissed(`${source.file} line ${line} has a column its first rows did not`);
      throw changed(line, 'has a column the target schema lacks');
    }
    rows++;
    bytesRead += end - start;
    batcher.leafRowsAdded(1, end - start);
  };
  try {
    // On a worker thread nothing else waits for the event loop while a segment is encoded (the
    // merge lock is renewed on the main thread): its blocks are read on the thread, without a
    // round trip to the I/O threads each.
    await forEachLine(
      source.file,
      (bytes, start, end, line) => {
        // The rows the module took go first; the line read here may change the types it may take.
        fast?.drain();
        readLine(bytes, start, end, line);
        fast?.retype();
      },
      {
        blockSize: READ_BLOCK,
        sync: !isMainThread,
        // The module takes the usual rows, most of a block in one call.
        take:
          fast &&
          ((bytes, start, end) => {
            const taken = fast.readLines(bytes, start, end);
            rows += taken.lines;
            bytesRead += taken.bytes;
            return taken;
          }),
      },
    );
    fast?.drain();
  } finally {
    fast?.close();
  }
  if (rows !== source.rows) {
    throw new DataError(`${source.file} has ${rows} rows, its marker recorded ${source.rows}: it changed since the chunk was committed`);
  }
  return rows;
}
