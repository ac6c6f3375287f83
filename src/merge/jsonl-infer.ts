/**
 * A JSONL file's schema: its columns in first-seen order, each typed by every value it holds (or
 * by the file's first rows: see jsonl.ts), read by the byte scanner where it can, JSON.parse
 * where it cannot.
 */
import type { SchemaElement } from 'hyparquet';
import { DataError } from '../core/errors.js';
import type { Field } from '../parquet/index.js';
import type { JsonlSource } from './chunk-sources.js';
import { forEachLine, inSample, isBlank, parseRow, READ_BLOCK, SAMPLE_BLOCK } from './jsonl-lines.js';
import { JsonlRowScanner, type ScannedColumn } from './jsonl-scan.js';
import { describeType, mergeTypes, typeOfValue, type JsonType, type ScalarType } from './jsonl-types.js';

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
