/**
 * Merged files read by pyarrow, the reader most users have, agree value for value with what
 * hyparquet reads. Runs where python3 can import pyarrow; skipped elsewhere (CI has none).
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergeCommitted } from '../src/merge/index.js';
import { commitChunk, fixture, makeRun, plain, readRows, removeDir, tempDir } from './merge-helpers.js';

const hasPyarrow = spawnSync('python3', ['-c', 'import pyarrow'], { stdio: 'ignore' }).status === 0;

const READ_AS_JSON = `
import json, sys, pyarrow.parquet as pq
def plain(v):
    if isinstance(v, dict): return {k: plain(x) for k, x in v.items()}
    if isinstance(v, list): return [plain(x) for x in v]
    return v
print(json.dumps([plain(r) for r in pq.read_table(sys.argv[1]).to_pylist()]))
`;

function pyarrowRows(file: string): unknown {
  const result = spawnSync('python3', ['-c', READ_AS_JSON, file], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (result.status !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout);
}

describe.skipIf(!hasPyarrow)('pyarrow reads merged files (skipped without pyarrow)', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
  });
  afterAll(() => removeDir(dir));

  it.each([
    ['fast', ['chunk_a.snappy.parquet', 'chunk_b.zstd.parquet', 'chunk_c.gzip.parquet']],
    ['fast', ['small_ints.parquet', 'small_ints.parquet']],
    ['mixed', ['chunk_a.snappy.parquet', 'odd_null_note.parquet', 'odd_int_score.parquet', 'odd_missing_note_reordered.parquet']],
  ])('%s: %j', async (_path, names) => {
    const outputDir = `${dir}/${names.join('+')}`;
    makeRun(outputDir, { start: 0, end: names.length - 1, frequency: 1 });
    names.forEach((name, i) => commitChunk(outputDir, 'gpu0', { start: i, end: i }, [{ name: 'o.parquet', from: fixture(name) }]));
    const [outcome] = await mergeCommitted({ outputDir });
    expect(outcome!.path).toBe(_path);
    expect(pyarrowRows(outcome!.file)).toEqual((await readRows(outcome!.file)).map(plain));
  });

  it('jsonl', async () => {
    const outputDir = `${dir}/jsonl`;
    makeRun(outputDir, { start: 0, end: 1, frequency: 1 });
    const rows = [
      { index: 0, score: 1, text: 'a', ok: true, emb: [1, 2], maybe: null },
      { index: 1, score: 2.5, text: 'b', ok: null, emb: [], maybe: 'x' },
    ];
    rows.forEach((row, i) =>
      commitChunk(outputDir, 'cpu0', { start: i, end: i }, [{ name: 'o.jsonl', content: `${JSON.stringify(row)}\n` }]),
    );
    const [outcome] = await mergeCommitted({ outputDir });
    expect(pyarrowRows(outcome!.file)).toEqual(rows);
  });
});
