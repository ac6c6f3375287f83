/**
 * JSONL chunk outputs (what the Python helper writes without pyarrow): column types inferred
 * over every file of the merge, then rows converted and written a row group at a time.
 */
import { open } from 'node:fs/promises';
import type { SchemaElement } from 'hyparquet';
import { DataError, errorMessage } from '../core/errors.js';
import type { JsonlSource } from './chunk-sources.js';
import type { Field } from '../parquet/index.js';
import type { RowBatcher } from './row-batcher.js';
import { describeType, mergeTypes, typeOfValue, type JsonType, type ScalarType } from './jsonl-types.js';

const READ_BLOCK = 1 << 20;

/**
 * Calls `visit` with each line of the file as UTF-8 text and its 1-based number, in time linear in
 * the file's bytes whatever the line length: each read block is decoded once and split, and a line
 * split over reads is kept as a list of pieces, joined once when its newline arrives. A newline byte
 * never occurs inside a multi-byte UTF-8 sequence, so cutting blocks at newlines never splits a character.
 * Each block is awaited, so timers (the merge lock's renewal) keep running during a long file.
 */
async function forEachLine(file: string, visit: (text: string, line: number) => void): Promise<void> {
  const handle = await open(file, 'r');
  try {
    const pieces: Buffer[] = [];
    let line = 0;
    for (;;) {
      // A fresh block each read: pieces keep views of the previous one.
      const block = Buffer.allocUnsafe(READ_BLOCK);
      const { bytesRead } = await handle.read(block, 0, READ_BLOCK, null);
      if (bytesRead === 0) break;
      const last = block.lastIndexOf(0x0a, bytesRead - 1);
      if (last < 0) {
        pieces.push(block.subarray(0, bytesRead));
        continue;
      }
      let from = 0;
      if (pieces.length > 0) {
        const first = block.indexOf(0x0a);
        visit(Buffer.concat([...pieces.splice(0), block.subarray(0, first)]).toString('utf8'), ++line);
        from = first + 1;
      }
      if (from <= last) for (const text of block.toString('utf8', from, last).split('\n')) visit(text, ++line);
      if (last + 1 < bytesRead) pieces.push(block.subarray(last + 1, bytesRead));
    }
    if (pieces.length > 0) visit(Buffer.concat(pieces).toString('utf8'), ++line);
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

/** Calls `visit` with each row of the file (one JSON object a line; blank lines skipped), its line number and its length. */
function forEachRecord(file: string, visit: (record: Record<string, unknown>, line: number, bytes: number) => void): Promise<void> {
  return forEachLine(file, (text, line) => {
    if (!isBlank(text)) visit(parseRow(file, text, line), line, text.length);
  });
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

/** One pass over a JSONL file: its columns (first-seen order) as a schema tree. */
export async function inferJsonlSchema(source: JsonlSource): Promise<Field> {
  const types = new Map<string, JsonType>();
  await forEachRecord(source.file, (record, line) => {
    for (const key in record) {
      const type = typeOfValue(record[key]);
      const seen = types.get(key);
      if (seen === undefined) {
        types.set(key, type);
        continue;
      }
      const merged = mergeTypes(seen, type);
      if (merged === undefined) {
        throw new DataError(
          `${source.file} line ${line}: column "${key}" is ${describeType(type)} here but ${describeType(seen)} on earlier lines; a column must keep one type`,
        );
      }
      if (merged !== seen) types.set(key, merged);
    }
  });
  const children = [...types].map(([name, type]) => fieldFor(name, type, source.file));
  return { element: { name: 'schema' }, children, origin: source.file };
}

type Convert = (value: unknown) => unknown;

function jsonConverter(target: Field): Convert {
  if (target.children.length > 0) {
    const element = jsonConverter(target.children[0]!.children[0] ?? target.children[0]!);
    return (value) => (Array.isArray(value) ? value.map(element) : null);
  }
  const { type, logical_type: logical, converted_type: converted } = target.element;
  if (logical?.type === 'NULL') return () => null;
  if (converted === 'JSON') return (value) => value ?? null;
  if (type === 'INT64') return (value) => (typeof value === 'number' ? BigInt(value) : null);
  if (type === 'INT32' || type === 'DOUBLE' || type === 'FLOAT') return (value) => (typeof value === 'number' ? value : null);
  return (value) => value ?? null;
}

/** Rows handed to the batcher at a time: small enough that a file's rows are never all held at once. */
const JSONL_BATCH_ROWS = 10_000;
const JSONL_BATCH_BYTES = 16 << 20;

/** Adds the file's rows to the batcher, converted to the target schema; returns the rows read. */
export async function writeJsonlRowGroups(batcher: RowBatcher, source: JsonlSource, target: Field): Promise<number> {
  const columns = target.children.map((field) => ({ name: field.element.name, convert: jsonConverter(field) }));
  let batch: Record<string, unknown>[] = [];
  let batchBytes = 0;
  let rows = 0;
  const flush = () => {
    if (batch.length === 0) return;
    const rowsOfBatch = batch;
    batcher.add(
      columns.map(({ name, convert }) => rowsOfBatch.map((record) => convert(record[name]))),
      rowsOfBatch.length,
      batchBytes,
    );
    batch = [];
    batchBytes = 0;
  };
  await forEachRecord(source.file, (record, _line, bytes) => {
    batch.push(record);
    batchBytes += bytes;
    rows++;
    if (batch.length >= JSONL_BATCH_ROWS || batchBytes >= JSONL_BATCH_BYTES) flush();
  });
  flush();
  if (rows !== source.rows) {
    throw new DataError(`${source.file} has ${rows} rows, its marker recorded ${source.rows}: it changed since the chunk was committed`);
  }
  return rows;
}
