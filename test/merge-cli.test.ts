import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { commitChunk, fixture, makeRun, plain, readRows, removeDir, repoRoot, tempDir } from './merge-helpers.js';

const bin = path.join(repoRoot, 'dist', 'merge', 'main.js');
const A = fixture('chunk_a.snappy.parquet');
const B = fixture('chunk_b.zstd.parquet');

beforeAll(() => {
  // tsc emits even when another module does not type-check; the merge CLI is what matters here.
  spawnSync('npm', ['run', 'build'], { cwd: repoRoot, stdio: 'ignore' });
  expect(existsSync(bin)).toBe(true);
}, 120_000);

let cwd: string;
let outputDir: string;
beforeEach(() => {
  cwd = tempDir('chunkrun-cli-');
  outputDir = path.join(cwd, 'data', 'phase1_0');
  makeRun(outputDir, { start: 0, end: 99, frequency: 50 });
  writeFileSync(
    path.join(cwd, 'launcher.config.json'),
    JSON.stringify({
      phases: {
        '1': { command: ['python3', 'run.py'], outputDirEnv: 'PHASE1_OUTPUT_DIR', outputDir: 'data/phase1_0', outputs: ['*.parquet'] },
      },
    }),
  );
});
afterEach(() => removeDir(cwd));

function mergeChunks(...args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const commitBoth = () => {
  commitChunk(outputDir, 'gpu0', { start: 0, end: 49 }, [{ name: 'out.parquet', from: A }]);
  commitChunk(outputDir, 'gpu1', { start: 50, end: 99 }, [{ name: 'out.parquet', from: B }]);
};

describe('merge-chunks', () => {
  it('--phase resolves the output dir from the config and prints each merged file with its rows', () => {
    commitBoth();
    const run = mergeChunks('--phase', '1');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^data\/phase1_0\/dataset_gpu0_\d{8}T\d{6}Z\.parquet {2}50 rows {2}\(coalesced path\)\ndata\/phase1_0\/dataset_gpu1_\d{8}T\d{6}Z\.parquet {2}50 rows {2}\(coalesced path\)\n$/,
    );
    expect(mergeChunks('--phase', '1', '--device', 'gpu1').stdout).toMatch(/dataset_gpu1_.*50 rows {2}\(unchanged\)/);
  });

  it('usage errors: one line, exit 2', () => {
    expect(mergeChunks()).toMatchObject({
      code: 2,
      stderr: 'merge-chunks: say which run to merge: --phase P (its outputDir from the config) or --output-dir DIR\n',
    });
    expect(mergeChunks('--phase', '1', '--bogus')).toMatchObject({
      code: 2,
      stderr: "merge-chunks: unknown option '--bogus' (see merge-chunks --help)\n",
    });
    expect(mergeChunks('--phase', '1', '--device', 'gpu0', '--all').code).toBe(2);
    expect(mergeChunks('--phase', '7').stderr).toMatch(/^merge-chunks: unknown phase "7" in .*launcher.config.json; known phases: 1\n$/);
    expect(mergeChunks('--phase', '1', '--device', 'gpu9').stderr).toMatch(
      /^merge-chunks: no device folder "gpu9" under chunks\/; devices here: \(none\)\n$/,
    );
    expect(mergeChunks('--output-dir', cwd)).toMatchObject({ code: 2 });
  });

  it('missing chunks: exit 1 naming them; --allow-partial merges and says what is missing', () => {
    commitChunk(outputDir, 'gpu0', { start: 0, end: 49 }, [{ name: 'out.parquet', from: A }]);
    const refused = mergeChunks('--phase', '1');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      'merge-chunks: 1 of 2 chunks are not committed (items 50-99); `launcher --phase 1 --start 0 --end 99 --checkpoint-frequency 50` finishes them, or pass --allow-partial to merge what is committed\n',
    );
    // The hint finds the same run again: it keeps --config and --output-dir.
    expect(mergeChunks('--config', 'launcher.config.json', '--output-dir', 'data/phase1_0').stderr).toContain(
      '`launcher --phase 1 --start 0 --end 99 --checkpoint-frequency 50 --config launcher.config.json --output-dir data/phase1_0` finishes them',
    );
    const partial = mergeChunks('--output-dir', outputDir, '--allow-partial');
    expect(partial.code).toBe(0);
    expect(partial.stdout).toMatch(/dataset_gpu0_.*50 rows/);
    expect(partial.stderr).toMatch(/^merge-chunks: partial merge: 1 of 2 chunks are not committed \(items 50-99\)/);
  });

  it('--delete-chunks keeps markers and logs; later merges take the rows from the merged files', async () => {
    commitBoth();
    expect(mergeChunks('--phase', '1', '--delete-chunks').code).toBe(0);
    const chunkDir = path.join(outputDir, 'chunks', 'gpu0', 'chunk_00000-00049');
    expect(readdirSync(chunkDir).sort()).toEqual(['_SUCCESS', 'run.log']);
    expect(mergeChunks('--phase', '1').stdout).toMatch(/\(unchanged\)\n.*\(unchanged\)\n$/);
    const all = mergeChunks('--phase', '1', '--all');
    expect(all.stderr).toBe('');
    const file = path.join(cwd, all.stdout.split('  ')[0]!);
    expect((await readRows(file)).map(plain)).toEqual([...(await readRows(A)), ...(await readRows(B))].map(plain));
  });

  it('a config with deleteChunksAfterMerge deletes without the flag', () => {
    commitBoth();
    writeFileSync(
      path.join(cwd, 'launcher.config.json'),
      JSON.stringify({
        deleteChunksAfterMerge: true,
        phases: { '1': { command: ['x'], outputDirEnv: 'X', outputDir: 'data/phase1_0', outputs: ['*.parquet'] } },
      }),
    );
    expect(mergeChunks('--phase', '1').code).toBe(0);
    expect(existsSync(path.join(outputDir, 'chunks', 'gpu1', 'chunk_00050-00099', 'out.parquet'))).toBe(false);
  });

  it('data errors: exit 1, one line naming the file', () => {
    commitBoth();
    execFileSync('truncate', ['-s', '100', path.join(outputDir, 'chunks', 'gpu1', 'chunk_00050-00099', 'out.parquet')]);
    const run = mergeChunks('--phase', '1');
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n')).toHaveLength(2);
    expect(run.stderr).toMatch(/^merge-chunks: .*chunk_00050-00099\/out.parquet changed size since its chunk was committed/);
  });

  it('--verify pages: corrupt pages are caught by the page-check worker threads: exit 1, nothing left behind', () => {
    const bytes = Buffer.from(readFileSync(A));
    bytes.fill(0xff, 200, 260);
    commitChunk(outputDir, 'gpu0', { start: 0, end: 49 }, [{ name: 'out.parquet', content: bytes }]);
    commitChunk(outputDir, 'gpu1', { start: 50, end: 99 }, [{ name: 'out.parquet', from: B }]);
    const run = mergeChunks('--phase', '1', '--all', '--verify', 'pages');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^merge-chunks: .*chunk_00000-00049\/out.parquet is corrupt: column text of row group 0: /);
    expect(readdirSync(outputDir).sort()).toEqual(['chunks', 'run.json']);
  });
});
