/**
 * A merge's first pass keeps the footer reads of small chunk files for its second, up to a
 * budget, each given back once: the files are opened and read once, not twice.
 */
import { parquetWriteBuffer } from 'hyparquet-writer';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeptFooterBytes } from '../src/core/parquet-footer-bytes.js';
import { removeDir, tempDir } from './merge-helpers.js';

let dir: string;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => removeDir(dir));

function smallFile(name: string, first: number): string {
  const file = path.join(dir, name);
  const bytes = parquetWriteBuffer({ columnData: [{ name: 'index', data: [BigInt(first), BigInt(first + 1)], type: 'INT64' }] });
  writeFileSync(file, new Uint8Array(bytes));
  return file;
}

describe('KeptFooterBytes', () => {
  it('gives back what its first read kept, once; past its budget it keeps nothing more', () => {
    const files = Array.from({ length: 6 }, (_, n) => smallFile(`f${n}.parquet`, n * 10));
    const cost = (file: string) => {
      const bytes = new KeptFooterBytes().read(file);
      return bytes.buffer.byteLength + bytes.whole!.byteLength + 256;
    };
    // Room for the first three files' reads, not a fourth.
    const kept = new KeptFooterBytes(cost(files[0]!) + cost(files[1]!) + cost(files[2]!));
    const first = files.map((file) => kept.read(file));
    expect(files.map((file) => kept.sizeOf(file))).toEqual([
      ...first.slice(0, 3).map((bytes) => bytes.size),
      undefined,
      undefined,
      undefined,
    ]);
    // The files change on disk: what was kept is what the first pass saw; the rest are read again.
    for (const [n, file] of files.entries()) smallFile(path.basename(file), 1000 + n);
    const again = files.map((file) => kept.take(file));
    expect(again.slice(0, 3)).toEqual(first.slice(0, 3));
    for (const n of [3, 4, 5]) expect(Buffer.from(again[n]!.whole!).equals(Buffer.from(first[n]!.whole!))).toBe(false);
    // Each given back once: a second take reads the file as it is now.
    expect(kept.sizeOf(files[0]!)).toBeUndefined();
    expect(Buffer.from(kept.take(files[0]!).whole!).equals(Buffer.from(first[0]!.whole!))).toBe(false);
    // Taken, the budget is free again.
    expect(kept.read(files[3]!)).toBeDefined();
    expect(kept.sizeOf(files[3]!)).toBeDefined();
  });
});
