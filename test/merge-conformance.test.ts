/**
 * Every file of parquet-testing/data that hyparquet reads, merged with a copy of itself, reads
 * back with twice the rows and the same values. The exceptions are named below with what the
 * merge must do instead.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError } from '../src/core/errors.js';
import { mergeCommitted } from '../src/merge/index.js';
import { commitChunk, makeRun, parquetTesting, plain, readMetadata, readRows, removeDir, tempDir } from './merge-helpers.js';

const dataDir = path.join(parquetTesting, 'data');
const files = existsSync(dataDir)
  ? readdirSync(dataDir)
      .filter((name) => name.endsWith('.parquet'))
      .sort()
  : [];
const EXCEPTIONS: Record<string, RegExp | 'copied'> = {
  // Page checksums deliberately wrong: the merge checks them, so it refuses.
  'datapage_v1-corrupt-checksum.parquet': /fails its CRC checksum/,
  'rle-dict-uncompressed-corrupt-checksum.parquet': /fails its CRC checksum/,
  // hyparquet cannot read it either (a page longer than its column chunk).
  'nation.dict-malformed.parquet': /is corrupt: column name of row group 0: page 1 at byte 421 claims 28 bytes/,
  // A >2 GB string column: hyparquet cannot hold it in a JS string, the byte copy does not need to.
  'large_string_map.brotli.parquet': 'copied',
};

// Skipped where ../shared is absent, except in CI, where a missing checkout would silently run nothing.
describe.skipIf(process.env.CI !== 'true')('in CI the conformance files are there', () => {
  it(`${dataDir} holds Parquet files`, () => {
    expect(
      files.length,
      `${dataDir} is missing or empty: check out parquet-testing next to the repo (../shared/parquet-testing)`,
    ).toBeGreaterThan(0);
  });
});

describe.skipIf(files.length === 0)('conformance over parquet-testing/data (skipped when ../shared is absent, outside CI)', () => {
  let root: string;
  beforeAll(() => {
    root = tempDir('chunkrun-conformance-');
  });
  afterAll(() => removeDir(root));

  // Each file twice: row groups copied as they are, and (the default) small ones re-encoded together.
  it.each(
    files.flatMap((name) => [
      [name, 'copied'],
      [name, 'gathered'],
    ]),
  )('%s, row groups %s', async (name, mode) => {
    const keepRowGroups = mode === 'copied';
    const source = path.join(dataDir, name);
    const outputDir = path.join(root, `${name}-${mode}`);
    makeRun(outputDir, { start: 0, end: 1, frequency: 1 });
    for (const index of [0, 1]) commitChunk(outputDir, 'gpu0', { start: index, end: index }, [{ name: 'out.parquet', from: source }]);
    const exception = EXCEPTIONS[name];
    if (exception instanceof RegExp) {
      const error = await mergeCommitted({ outputDir, keepRowGroups }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(DataError);
      expect((error as Error).message).toMatch(exception);
      return;
    }
    const [outcome] = await mergeCommitted({ outputDir, keepRowGroups });
    if (exception === 'copied') {
      expect(outcome).toMatchObject({ rows: 4, path: 'fast' });
      return;
    }
    const once = (await readRows(source)).map(plain);
    expect(outcome!.rows).toBe(once.length * 2);
    // Coalesced where small row groups were written again together (fewer row groups than the two chunks hold rows in), else copied.
    const withRows = readMetadata(source).row_groups.filter((group) => group.num_rows > 0n).length;
    const gathered = readMetadata(outcome!.file).row_groups.length < 2 * withRows;
    expect(gathered && keepRowGroups).toBe(false);
    expect(outcome!.path).toBe(gathered ? 'coalesced' : 'fast');
    expect((await readRows(outcome!.file)).map(plain)).toEqual([...once, ...once]);
  });
});
