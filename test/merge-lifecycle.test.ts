/** What happens across merges: deleted chunk data, redone chunks, several files per chunk, leftovers of a killed merge. */
import { readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mergeCommitted } from '../src/merge/index.js';
import { commitChunk, fixture, indexedChunk, makeRun, plain, readRows, removeDir, tempDir } from './merge-helpers.js';

let dir: string;
beforeEach(() => {
  dir = tempDir();
  makeRun(dir, { start: 0, end: 29, frequency: 10, indexColumn: 'index' });
});
afterEach(() => removeDir(dir));

const range = (start: number) => ({ start, end: start + 9 });
const chunkData = (start: number, tag: string) => indexedChunk(range(start), () => ({ tag }));

describe('merge lifecycle', () => {
  it('a rerun with the same commits is a no-op; a chunk committed again (a new marker) is merged again', async () => {
    for (const start of [0, 10, 20]) commitChunk(dir, 'gpu0', range(start), [{ name: 'o.parquet', content: chunkData(start, 'first') }]);
    const [first] = await mergeCommitted({ outputDir: dir });
    expect(first).toMatchObject({ unchanged: false, rows: 30 });
    expect((await mergeCommitted({ outputDir: dir }))[0]).toMatchObject({ unchanged: true, file: first!.file });
    // Redone in place: same name and same bytes, only the marker is new.
    const redone = commitChunk(dir, 'gpu0', range(10), [{ name: 'o.parquet', content: chunkData(10, 'first') }]);
    utimesSync(path.join(redone, '_SUCCESS'), new Date(), new Date(Date.now() + 5000));
    const [again] = await mergeCommitted({ outputDir: dir });
    expect(again).toMatchObject({ unchanged: false, rows: 30 });
  });

  it('after --delete-chunks, a redone chunk is merged with the others taken from the earlier merged file', async () => {
    for (const start of [0, 10, 20]) commitChunk(dir, 'gpu0', range(start), [{ name: 'o.parquet', content: chunkData(start, 'first') }]);
    await mergeCommitted({ outputDir: dir, deleteChunks: true });
    commitChunk(dir, 'gpu0', range(10), [{ name: 'o.parquet', content: chunkData(10, 'redone') }]);
    const [outcome] = await mergeCommitted({ outputDir: dir });
    expect(outcome).toMatchObject({ unchanged: false, rows: 30, path: 'coalesced' });
    const tags = (await readRows(outcome!.file)).map((row) => `${row.index}:${row.tag}`);
    expect(tags.filter((_, i) => i % 10 === 0)).toEqual(['0:first', '10:redone', '20:first']);
    expect(readdirSync(dir).filter((name) => name.startsWith('dataset_'))).toEqual([path.basename(outcome!.file)]);
  });

  it('a chunk with several data files merges them in path order; other files are ignored', async () => {
    makeRun(dir, { start: 0, end: 9, frequency: 10 });
    commitChunk(dir, 'gpu0', range(0), [
      { name: 'part-1.parquet', from: fixture('chunk_b.zstd.parquet') },
      { name: 'part-0.parquet', from: fixture('chunk_a.snappy.parquet') },
      { name: 'notes.txt', content: 'not data' },
    ]);
    const [outcome] = await mergeCommitted({ outputDir: dir });
    const expected = [...(await readRows(fixture('chunk_a.snappy.parquet'))), ...(await readRows(fixture('chunk_b.zstd.parquet')))];
    expect((await readRows(outcome!.file)).map(plain)).toEqual(expected.map(plain));
  });

  it('removes the temp file a killed merge left behind', async () => {
    for (const start of [0, 10, 20]) commitChunk(dir, 'gpu0', range(start), [{ name: 'o.parquet', content: chunkData(start, 'x') }]);
    const deadPid = spawnSync('true').pid;
    const leftover = path.join(dir, `.dataset_gpu0_20261126T000000Z.parquet.tmp-${deadPid}-0badf00d`);
    writeFileSync(leftover, 'half a file');
    utimesSync(leftover, new Date(0), new Date(0));
    await mergeCommitted({ outputDir: dir });
    expect(readdirSync(dir).filter((name) => name.startsWith('.dataset_'))).toEqual([]);
  });
});
