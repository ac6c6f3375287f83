/** The merged footer is re-serialized from raw thrift: what readers are strict about must survive. */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../src/core/errors.js';
import { lockMergeTarget } from '../src/merge/merge-lock.js';
import { thisProcess } from '../src/core/holder.js';
import { mergeCommitted } from '../src/merge/index.js';
import { deserializeTCompactProtocol } from 'hyparquet/src/thrift.js';
import { serializeRawStruct, ThriftByte } from '../src/parquet/thrift.js';
import { commitChunk, fixture, makeRun, plain, readMetadata, readRows, removeDir, tempDir } from './merge-helpers.js';

let dir: string;
beforeEach(() => {
  dir = tempDir();
  makeRun(dir, { start: 0, end: 19, frequency: 10, indexColumn: 'index' });
});
afterEach(() => removeDir(dir));

describe('footer serialization', () => {
  it('writes i8 fields as i8, fields in id order, and empty lists that read back empty', () => {
    expect([...serializeRawStruct({ field_1: new ThriftByte(8), field_2: true })]).toEqual([0x13, 0x08, 0x11, 0x00]);
    expect([...serializeRawStruct({ field_2: false, field_1: 3 })]).toEqual([0x15, 0x06, 0x12, 0x00]);
    const empty = serializeRawStruct({ field_1: [], field_2: 1 });
    expect(deserializeTCompactProtocol({ view: new DataView(empty.buffer, empty.byteOffset, empty.byteLength), offset: 0 })).toEqual({
      field_1: [],
      field_2: 1,
    });
    expect([...serializeRawStruct({ field_1: -1, field_20: 5n })]).toEqual([0x15, 0x01, 0x06, 0x28, 0x0a, 0x00]);
  });

  it('keeps INTEGER(8) logical types readable: bitWidth is an i8 (Arrow rejects an i32 there)', async () => {
    const source = fixture('small_ints.parquet');
    commitChunk(dir, 'gpu0', { start: 0, end: 9 }, [{ name: 'o.parquet', from: source }]);
    makeRun(dir, { start: 0, end: 9, frequency: 10, indexColumn: 'index' });
    const [outcome] = await mergeCommitted({ outputDir: dir });
    const merged = readFileSync(outcome!.file);
    const footer = merged.subarray(merged.length - 8 - merged.readUInt32LE(merged.length - 8));
    expect(footer.includes(Buffer.from([0x13, 0x08, 0x11, 0x00]))).toBe(true); // IntType{bitWidth: i8 8, isSigned: true}
    expect(footer.includes(Buffer.from([0x15, 0x10, 0x11, 0x00]))).toBe(false);
    expect(readMetadata(outcome!.file).schema.find((element) => element.name === 'tiny')?.logical_type).toEqual({
      type: 'INTEGER',
      bitWidth: 8,
      isSigned: true,
    });
    expect((await readRows(outcome!.file)).map(plain)).toEqual((await readRows(source)).map(plain));
  });
});

describe('the merge lock', () => {
  it('refuses a second merge of the same target while the first holds it, and takes over a dead one', async () => {
    commitChunk(dir, 'gpu0', { start: 0, end: 9 }, [{ name: 'o.parquet', from: fixture('small_ints.parquet') }]);
    commitChunk(dir, 'gpu0', { start: 10, end: 19 }, [{ name: 'o.parquet', from: fixture('small_ints.parquet') }]);
    makeRun(dir, { start: 0, end: 19, frequency: 10 });
    const release = lockMergeTarget(dir, 'gpu0');
    await expect(mergeCommitted({ outputDir: dir })).rejects.toThrow(UsageError);
    await expect(mergeCommitted({ outputDir: dir })).rejects.toThrow(/another merge of gpu0 is running/);
    release();
    const deadPid = spawnSync('true').pid;
    const deadHolder = { ...thisProcess(), pid: deadPid, pidStart: undefined, leaseMs: 120_000, target: 'gpu0', token: 'dead' };
    writeFileSync(path.join(dir, '.merge-gpu0.lock'), JSON.stringify(deadHolder));
    expect((await mergeCommitted({ outputDir: dir }))[0]!.rows).toBe(20);
    expect(existsSync(path.join(dir, '.merge-gpu0.lock'))).toBe(false);
  });
});
