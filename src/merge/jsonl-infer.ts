/**
 * A JSONL file's schema: its columns in first-seen order, each typed by every value it holds (or
 * by the file's first rows: see jsonl.ts), read by the byte scanner where it can, JSON.parse
 * where it cannot.
 */
import type { SchemaElement } from 'hyparquet';
import { DataError } from '../core/errors.js';
import type { Field } from '../parquet/index.js';
import type { JsonlSource } from './chunk-sources.js';
import { FastRows } from './jsonl-fast-rows.js';
import { forEachLine, inSample, sampleLeft, isBlank, parseRow, READ_BLOCK, SAMPLE_BLOCK } from './jsonl-lines.js';
import { JsonlRowScanner, type ScannedColumn } from './jsonl-scan.js';
import { describeType, listOf, typeOfValue, typesWith, type JsonType, type ScalarType } from './jsonl-types.js';

/** Adds a value's type to its column's; a DataError names the line when the two conflict. */
function noteType(column: ScannedColumn, type: JsonType, file: string, line: number): void {
  const merged = typesWith(column.seen, type);
  if (merged === undefined) {
    throw new DataError(
      `${file} line ${line}: column "${column.name}" is ${describeType(type)} here but ${describeType(column.seen!)} on earlier lines; a column must keep one type`,
    );
  }
  column.seen = merged;
}

const isList = (type: JsonType | undefined) => typeof type === 'object';

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

/** The JSONL types a target field holds where it has a shape fieldFor gives (else undefined: a Parquet chunk's type, a struct). */
export function jsonTypeOfField(field: Field): JsonType | undefined {
  if (field.children.length === 0) return scalarTypeOf(field.element);
  const listed = field.children[0]!;
  const element = listed.children[0];
  if (field.element.converted_type !== 'LIST' || listed.children.length !== 1 || element!.children.length > 0) return undefined;
  const type = scalarTypeOf(element!.element);
  return type === undefined || type === 'json' ? undefined : listOf(type);
}

function scalarTypeOf(element: SchemaElement): ScalarType | undefined {
  const { type, converted_type: converted, logical_type: logical } = element;
  if (type === 'INT32' && logical?.type === 'NULL') return 'null';
  if (converted !== undefined && converted !== 'UTF8' && converted !== 'JSON') return undefined;
  if (type === 'BOOLEAN' && !logical) return 'bool';
  if (type === 'INT64' && !logical) return 'int';
  if (type === 'DOUBLE' && !logical) return 'float';
  if (type === 'BYTE_ARRAY' && converted === 'JSON') return 'json';
  if (type === 'BYTE_ARRAY' && (converted === 'UTF8' || logical?.type === 'STRING')) return 'string';
  return undefined;
}

/** One pass over a JSONL file (or its first rows; see the top): its columns (first-seen order) as a schema tree. */
export async function inferJsonlSchema(source: JsonlSource): Promise<Field> {
  const sampled = source.typesFrom === 'first rows';
  let rows = 0;
  let bytesRead = 0;
  // The columns in first-seen order, each with its types so far: one store, which the byte scanner
  // reads rows of the keys seen so far into (types only) and the JSON.parse path notes the rows
  // it declines into (a new key, an object, a bad line).
  let columns: ScannedColumn[] = [];
  const named = new Map<string, ScannedColumn>();
  let scanner: JsonlRowScanner | undefined;
  // The usual row changes no type: where the WebAssembly reader takes it, nothing is noted.
  let fast: FastRows | undefined;
  // Most lines: taken by the reader a block at a time, up to the sample's end.
  const take = (bytes: Buffer, start: number, end: number) => {
    if (!fast || (sampled && !inSample(rows, bytesRead))) return { lines: 0, next: start };
    const taken = fast.readLines(bytes, start, end, sampled ? sampleLeft(rows, bytesRead) : undefined);
    rows += taken.lines;
    bytesRead += taken.bytes;
    return taken;
  };
  // The lines the reader did not take.
  const readLine = (bytes: Buffer, start: number, end: number, line: number) => {
    // Checked before the line is read: past the sample, a huge row is not read for nothing.
    if (sampled && !inSample(rows, bytesRead)) return false;
    if (scanner?.scan(bytes, start, end, undefined, true)) {
      rows++;
      bytesRead += end - start;
      // The byte scanner may have widened a column (a float in a column of ints so far); the reader never does.
      fast?.retype();
      return;
    }
    const text = bytes.toString('utf8', start, end);
    if (isBlank(text)) return;
    const record = parseRow(source.file, text, line);
    rows++;
    bytesRead += end - start;
    let reshaped = false;
    for (const key in record) {
      const type = typeOfValue(record[key]);
      const column = named.get(key);
      if (column) noteType(column, type, source.file, line);
      else {
        const added = { name: key, leaf: -1, list: isList(type), seen: type };
        columns.push(added);
        named.set(key, added);
      }
      reshaped ||= !column || column.list !== isList(column.seen);
    }
    // The scanner is made again only for new columns or a column turned list; otherwise it reads the types noted.
    if (reshaped) {
      columns = columns.map(({ name, seen }) => ({ name, leaf: -1, list: isList(seen), seen }));
      for (const column of columns) named.set(column.name, column);
      scanner = new JsonlRowScanner(columns);
      fast?.close();
      fast = FastRows.open(columns);
    } else fast?.retype();
    // A column of objects or mixed lists declines every row: the scanners would only cost.
    if (columns.some(({ seen }) => seen === 'json')) {
      scanner = undefined;
      fast?.close();
      fast = undefined;
    }
  };
  try {
    await forEachLine(source.file, readLine, { blockSize: sampled ? SAMPLE_BLOCK : READ_BLOCK, sync: sampled, take });
  } finally {
    fast?.close();
  }
  const children = columns.map(({ name, seen }) => fieldFor(name, seen!, source.file));
  return { element: { name: 'schema' }, children, origin: source.file };
}
