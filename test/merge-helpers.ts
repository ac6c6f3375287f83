/** Builds committed runs on disk for the merge tests: run.json, chunk dirs, data files, markers. */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { chunkName, nameWidthFor, type ChunkRange } from '../src/core/plan.js';
import { writeMarker } from '../src/core/marker.js';
import { writeRunFile } from '../src/core/run-file.js';
import { chunkDirFor } from '../src/core/layout.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const fixturesDir = path.join(repoRoot, 'test', 'fixtures', 'merge');
export const parquetTesting = path.resolve(repoRoot, '..', 'shared', 'parquet-testing');

export function fixture(name: string): string {
  return path.join(fixturesDir, name);
}

export function tempDir(prefix = 'chunkrun-merge-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export interface RunSpec {
  readonly start: number;
  readonly end: number;
  readonly frequency: number;
  readonly indexColumn?: string;
  readonly phase?: string;
}

export function makeRun(outputDir: string, spec: RunSpec): void {
  mkdirSync(outputDir, { recursive: true });
  writeRunFile(outputDir, {
    version: 1,
    createdAt: '2026-11-26T00:00:00.000Z',
    phase: spec.phase ?? '1',
    start: spec.start,
    end: spec.end,
    checkpointFrequency: spec.frequency,
    command: ['python3', 'run.py'],
    outputs: ['*.parquet'],
    ...(spec.indexColumn ? { indexColumn: spec.indexColumn } : {}),
  });
}

/** A data file of a chunk: copied from `from`, or written from `content`. */
export type ChunkFile = { name: string; from: string } | { name: string; content: string | Uint8Array };

let clock = Date.parse('2026-11-26T10:00:00.000Z');

/** Writes the chunk's files and commits it with a marker recording their sizes and rows. */
export function commitChunk(outputDir: string, device: string, range: ChunkRange, files: ChunkFile[], end = range.end): string {
  const dir = chunkDirFor(outputDir, device, range, nameWidthFor(end));
  mkdirSync(dir, { recursive: true });
  const recorded = files.map((file) => {
    const target = path.join(dir, file.name);
    if ('from' in file) copyFileSync(file.from, target);
    else writeFileSync(target, file.content);
    return { path: file.name, bytes: statSync(target).size, rows: rowCount(target) };
  });
  writeFileSync(path.join(dir, 'run.log'), 'ok\n');
  const finishedAt = new Date((clock += 1000)).toISOString();
  writeMarker(dir, {
    version: 1,
    name: chunkName(range, nameWidthFor(end)),
    start: range.start,
    end: range.end,
    device,
    host: 'test',
    attempt: 1,
    startedAt: finishedAt,
    finishedAt,
    durationMs: 1,
    files: recorded,
  });
  return dir;
}

function rowCount(file: string): number | null {
  if (file.endsWith('.jsonl'))
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '').length;
  if (!file.endsWith('.parquet')) return null;
  try {
    return Number(parquetMetadata(toArrayBuffer(readFileSync(file))).num_rows);
  } catch {
    return null;
  }
}

export function toArrayBuffer(buffer: Buffer): ArrayBuffer {
  return buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.length) as ArrayBuffer;
}

export async function readRows(file: string): Promise<Record<string, unknown>[]> {
  return parquetReadObjects({ file: toArrayBuffer(readFileSync(file)), compressors });
}

export function readMetadata(file: string) {
  return parquetMetadata(toArrayBuffer(readFileSync(file)));
}

/** A small hyparquet-written chunk: `index` int64 over the range plus a string and a float column. */
export function indexedChunk(range: ChunkRange, extra: (i: number) => Record<string, unknown> = () => ({})): Uint8Array {
  const indexes = Array.from({ length: range.end - range.start + 1 }, (_, k) => range.start + k);
  const extras = indexes.map(extra);
  const names = Object.keys(extras[0] ?? {});
  return new Uint8Array(
    parquetWriteBuffer({
      columnData: [
        { name: 'index', data: indexes.map(BigInt), type: 'INT64', nullable: false },
        { name: 'label', data: indexes.map((i) => `row ${i}`), type: 'STRING' },
        ...names.map((name) => ({ name, data: extras.map((row) => row[name]) })),
      ],
    }),
  );
}

/** Values as plain JSON-comparable data (bigints as numbers, typed arrays as arrays). */
export function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<unknown>, plain);
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object' && !(value instanceof Date))
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, plain(inner)]));
  return value ?? null;
}
