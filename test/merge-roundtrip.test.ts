import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mergeCommitted } from '../src/merge/index.js';
import { commitChunk, fixture, makeRun, plain, readMetadata, readRows, removeDir, tempDir } from './merge-helpers.js';

const A = fixture('chunk_a.snappy.parquet');
const B = fixture('chunk_b.zstd.parquet');
const C = fixture('chunk_c.gzip.parquet');

let dir: string;
beforeEach(() => {
  dir = tempDir();
  makeRun(dir, { start: 0, end: 129, frequency: 50, indexColumn: 'index' });
});
afterEach(() => removeDir(dir));

function commitAll(): void {
  commitChunk(dir, 'gpu0', { start: 0, end: 49 }, [{ name: 'dataset_sae_1.parquet', from: A }]);
  commitChunk(dir, 'gpu1', { start: 50, end: 99 }, [{ name: 'dataset_sae_2.parquet', from: B }]);
  commitChunk(dir, 'gpu0', { start: 100, end: 129 }, [{ name: 'dataset_sae_3.parquet', from: C }]);
}

const mergedFiles = () => readdirSync(dir).filter((name) => name.startsWith('dataset_'));

describe('identical pyarrow schemas: big row groups copied byte for byte, small ones gathered', () => {
  it('merges each device in index order, value for value', async () => {
    commitAll();
    const outcomes = await mergeCommitted({ outputDir: dir });
    expect(outcomes.map((o) => [o.device, o.rows, o.path])).toEqual([
      ['gpu0', 80, 'coalesced'],
      ['gpu1', 50, 'coalesced'],
    ]);
    const gpu0 = outcomes[0]!.file;
    expect(path.basename(gpu0)).toMatch(/^dataset_gpu0_\d{8}T\d{6}Z\.parquet$/);
    const expected = [...(await readRows(A)), ...(await readRows(C))].map(plain);
    expect((await readRows(gpu0)).map(plain)).toEqual(expected);
  });

  it('--all --keep-row-groups writes one file over the whole range in index order, keeping the writer footer details', async () => {
    commitAll();
    const [outcome] = await mergeCommitted({ outputDir: dir, all: true, keepRowGroups: true });
    expect(path.basename(outcome!.file)).toMatch(/^dataset_all_/);
    const rows = (await readRows(outcome!.file)).map(plain);
    const expected = [...(await readRows(A)), ...(await readRows(B)), ...(await readRows(C))].map(plain);
    expect(rows).toEqual(expected);
    const metadata = readMetadata(outcome!.file);
    expect(metadata.created_by).toMatch(/parquet-cpp-arrow/);
    const keys = metadata.key_value_metadata!.map((pair) => pair.key);
    expect(keys).toContain('ARROW:schema');
    expect(keys).toContain('chunkrun.merge');
    // Copied row groups: 3 from A (row_group_size 20), 1 from B, 1 from C; no page index or bloom filter left pointing into old files.
    expect(metadata.row_groups.map((group) => Number(group.num_rows))).toEqual([20, 20, 10, 50, 30]);
    for (const column of metadata.row_groups.flatMap((group) => group.columns)) {
      expect(column.offset_index_offset).toBeUndefined();
      expect(column.column_index_offset).toBeUndefined();
      expect(column.meta_data!.bloom_filter_offset).toBeUndefined();
    }
    expect(metadata.row_groups[0]!.columns[0]!.meta_data!.statistics).toBeDefined();
  });

  it('re-merging with nothing changed is a no-op; a changed chunk replaces the file, never two per device', async () => {
    commitAll();
    const [first] = await mergeCommitted({ outputDir: dir, device: 'gpu1' });
    const before = statSync(first!.file).mtimeMs;
    const [again] = await mergeCommitted({ outputDir: dir, device: 'gpu1' });
    expect(again).toMatchObject({ file: first!.file, unchanged: true, rows: 50 });
    expect(statSync(first!.file).mtimeMs).toBe(before);
    // The chunk is redone (new commit time): the merge is redone and the old file goes.
    commitChunk(dir, 'gpu1', { start: 50, end: 99 }, [{ name: 'dataset_sae_2.parquet', from: B }]);
    const [redone] = await mergeCommitted({ outputDir: dir, device: 'gpu1' });
    expect(redone!.unchanged).toBe(false);
    expect(mergedFiles().filter((name) => name.startsWith('dataset_gpu1_'))).toEqual([path.basename(redone!.file)]);
  });

  it('pandas files (RangeIndex metadata) merge fast and keep their pandas metadata', async () => {
    makeRun(dir, { start: 0, end: 19, frequency: 10 });
    commitChunk(dir, 'gpu0', { start: 0, end: 9 }, [{ name: 'a.parquet', from: fixture('pandas_chunk.parquet') }]);
    commitChunk(dir, 'gpu0', { start: 10, end: 19 }, [{ name: 'a.parquet', from: fixture('pandas_chunk.parquet') }]);
    const [outcome] = await mergeCommitted({ outputDir: dir });
    expect(outcome).toMatchObject({ rows: 20, path: 'coalesced' });
    expect(readMetadata(outcome!.file).key_value_metadata!.some((pair) => pair.key === 'pandas')).toBe(true);
    expect(readFileSync(outcome!.file).subarray(0, 4).toString()).toBe('PAR1');
  });
});
