/**
 * JSONL chunk outputs (what the Python helper writes without pyarrow): column types inferred
 * over the files of the merge, then rows converted and written a row group at a time.
 *
 * Inference reads only each file's first rows when the source says so (typesFrom 'first rows'):
 * the write pass then checks every later row against the types those first rows gave, and throws
 * JsonlTypesMissed on the first that does not fit, so the merge is redone with every row read.
 * Either way the file's types are those of all its rows; the common case parses each line once.
 */
import { open } from 'node:fs/promises';
import type { SchemaElement } from 'hyparquet';
import { DataError, errorMessage } from '../core/errors.js';
import type { JsonlSource } from './chunk-sources.js';
import type { Field } from '../parquet/index.js';
import type { RowBatcher } from './row-batcher.js';
import { storeKindOf, type LeafColumn, type LeafValues, type TypedLeaf } from '../parquet/index.js';
import { JsonlRowScanner, type ScannedColumn } from './jsonl-scan.js';
import { describeType, mergeTypes, typeOfValue, type JsonType, type ScalarType } from './jsonl-types.js';

const READ_BLOCK = 1 << 20;

/**
 * Calls `visit` with each line of the file as bytes[start, end) (its newline left out) and its
 * 1-based number, in time linear in the file's bytes whatever the line length: lines within a
 * read block are views of it, and a line split over reads is kept as a list of pieces, joined
 * once when its newline arrives. Each block is awaited, so timers (the merge lock's renewal) keep
 * running during a long file. `visit` returning false stops the reading.
 */
async function forEachLine(
  file: string,
  visit: (bytes: Buffer, start: number, end: number, line: number) => boolean | void,
  blockSize = READ_BLOCK,
): Promise<void> {
  const handle = await open(file, 'r');
  try {
    const pieces: Buffer[] = [];
    let line = 0;
    for (;;) {
      // A fresh block each read: pieces keep views of the previous one.
      const block = Buffer.allocUnsafe(blockSize);
      const { bytesRead } = await handle.read(block, 0, blockSize, null);
      if (bytesRead === 0) break;
      const read = block.subarray(0, bytesRead);
      let from = 0;
      for (let newline = read.indexOf(0x0a); newline >= 0; newline = read.indexOf(0x0a, from)) {
        if (pieces.length > 0) {
          const joined = Buffer.concat([...pieces.splice(0), read.subarray(0, newline)]);
          if (visit(joined, 0, joined.length, ++line) === false) return;
        } else if (visit(read, from, newline, ++line) === false) return;
        from = newline + 1;
      }
      if (from < bytesRead) pieces.push(read.subarray(from));
    }
    if (pieces.length > 0) {
      const joined = Buffer.concat(pieces);
      visit(joined, 0, joined.length, ++line);
    }
  } finally {
    await handle.close();
  }
}

const isBlank = (text: string) => text.length === 0 || (text.charCodeAt(0) <= 0x20 && text.trim() === '');

/** The row a line holds, or a DataError naming the file and line. */
function parseRow(file: string, text: string, line: number): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DataError(`${file} line ${line} is not valid JSON (${errorMessage(error)})`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new DataError(`${file} line ${line} is not a JSON object; each line must be one row`);
  return value as Record<string, unknown>;
}

/** The rows of a file whose types inference reads when only the first rows are read. */
const SAMPLE_ROWS = 500;
const SAMPLE_BYTES = 1 << 20;
/** Even rows of many MB: one row alone (an integral first value in a float column) would too often cost the merge a second pass. */
const SAMPLE_MIN_ROWS = 10;
const inSample = (rows: number, bytes: number) => rows < SAMPLE_MIN_ROWS || (rows < SAMPLE_ROWS && bytes < SAMPLE_BYTES);
/** Reads while sampling: the first rows are usually far fewer bytes than a full read block. */
const SAMPLE_BLOCK = 64 << 10;

/** The sampled types of a file missed a later row: redo the merge reading every row's types. */
export class JsonlTypesMissed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonlTypesMissed';
  }
}

/** Adds a value's type to its column's; a DataError names the line when the two conflict. */
function noteType(types: Map<string, JsonType>, key: string, type: JsonType, file: string, line: number): void {
  const seen = types.get(key);
  if (seen === undefined) {
    types.set(key, type);
    return;
  }
  const merged = mergeTypes(seen, type);
  if (merged === undefined) {
    throw new DataError(
      `${file} line ${line}: column "${key}" is ${describeType(type)} here but ${describeType(seen)} on earlier lines; a column must keep one type`,
    );
  }
  if (merged !== seen) types.set(key, merged);
}

function leafElement(name: string, type: ScalarType): SchemaElement {
  const base = { name, repetition_type: 'OPTIONAL' as const };
  switch (type) {
    case 'null':
      return { ...base, type: 'INT32', logical_type: { type: 'NULL' } };
    case 'bool':
      return { ...base, type: 'BOOLEAN' };
    case 'int':
      return { ...base, type: 'INT64' };
    case 'float':
      return { ...base, type: 'DOUBLE' };
    case 'string':
      return { ...base, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } };
    case 'json':
      return { ...base, type: 'BYTE_ARRAY', converted_type: 'JSON', logical_type: { type: 'JSON' } };
  }
}

/** Lists in the standard three-level layout pyarrow writes, so they unify with Parquet chunks. */
function fieldFor(name: string, type: JsonType, origin: string): Field {
  if (typeof type !== 'object') return { element: leafElement(name, type), children: [], origin };
  const element = fieldFor('element', type.list, origin);
  return {
    element: { name, repetition_type: 'OPTIONAL', converted_type: 'LIST', logical_type: { type: 'LIST' } },
    children: [{ element: { name: 'list', repetition_type: 'REPEATED' }, children: [element], origin }],
    origin,
  };
}

/** One pass over a JSONL file (or its first rows; see the top): its columns (first-seen order) as a schema tree. */
export async function inferJsonlSchema(source: JsonlSource): Promise<Field> {
  const types = new Map<string, JsonType>();
  const sampled = source.typesFrom === 'first rows';
  let rows = 0;
  let bytesRead = 0;
  // Rows of the keys seen so far are read by the byte scanner, types only; a row it declines (a
  // new key, an object, a bad line) is parsed, and the scanner then takes the columns as they are.
  let columns: ScannedColumn[] = [];
  let scanner: JsonlRowScanner | undefined;
  const readLine = (bytes: Buffer, start: number, end: number, line: number) => {
    // Checked before the line is read: past the sample, a huge row is not read for nothing.
    if (sampled && !inSample(rows, bytesRead)) return false;
    if (scanner?.scan(bytes, start, end, undefined, true)) {
      rows++;
      bytesRead += end - start;
      return;
    }
    const text = bytes.toString('utf8', start, end);
    if (isBlank(text)) return;
    const record = parseRow(source.file, text, line);
    rows++;
    bytesRead += end - start;
    for (const column of columns) types.set(column.name, column.seen!);
    for (const key in record) noteType(types, key, typeOfValue(record[key]), source.file, line);
    // The scanner is made again only for new columns or a column turned list; otherwise it takes the types noted.
    const sameColumns = columns.length === types.size && columns.every(({ name, list }) => list === (typeof types.get(name) === 'object'));
    if (sameColumns) for (const column of columns) column.seen = types.get(column.name);
    else {
      columns = [...types].map(([name, type]) => ({ name, leaf: -1, list: typeof type === 'object', seen: type }));
      scanner = new JsonlRowScanner(columns);
    }
    // A column of objects or mixed lists declines every row: the scanner would only cost.
    if (columns.some(({ seen }) => seen === 'json')) scanner = undefined;
  };
  await forEachLine(source.file, readLine, sampled ? SAMPLE_BLOCK : READ_BLOCK);
  for (const column of columns) types.set(column.name, column.seen!);
  const children = [...types].map(([name, type]) => fieldFor(name, type, source.file));
  return { element: { name: 'schema' }, children, origin: source.file };
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
    return { name, shred, leaf: leafIndexes[0] ?? -1, list: field.children.length > 0, seen: undefined };
  });
  const scanner = scanning ? new JsonlRowScanner(columns) : undefined;
  const sampled = source.typesFrom === 'first rows';
  let rows = 0;
  let bytesRead = 0;
  const changed = (line: number, what: string) =>
    new DataError(
      `${source.file} line ${line} ${what}, which its first read did not see: it changed during the merge; run the merge again`,
    );
  await forEachLine(source.file, (bytes, start, end, line) => {
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
        const merged = column.seen === undefined ? type : mergeTypes(column.seen, type);
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
  });
  if (rows !== source.rows) {
    throw new DataError(`${source.file} has ${rows} rows, its marker recorded ${source.rows}: it changed since the chunk was committed`);
  }
  return rows;
}
