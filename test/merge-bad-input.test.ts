import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataError } from '../src/core/errors.js';
import { mergeCommitted, type VerifyLevel } from '../src/merge/index.js';
import { parquetMetadata } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { commitChunk, fixture, indexedChunk, makeRun, parquetTesting, removeDir, tempDir, toArrayBuffer } from './merge-helpers.js';

const A = fixture('chunk_a.snappy.parquet');
const B = fixture('chunk_b.zstd.parquet');

let dir: string;
beforeEach(() => {
  dir = tempDir();
  makeRun(dir, { start: 0, end: 99, frequency: 50 });
});
afterEach(() => removeDir(dir));

async function mergeError(request: Parameters<typeof mergeCommitted>[0] = { outputDir: dir }): Promise<Error> {
  const error = await mergeCommitted(request).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DataError);
  return error as Error;
}

const leftovers = () => readdirSync(dir).filter((name) => name.startsWith('dataset_') || name.startsWith('.dataset_'));

describe('a chunk output that is not what its marker says is refused, naming the file', () => {
  it('gone', async () => {
    const chunk = commitChunk(dir, 'gpu0', { start: 0, end: 49 }, [{ name: 'out.parquet', from: A }]);
    commitChunk(dir, 'gpu0', { start: 50, end: 99 }, [{ name: 'out.parquet', from: B }]);
    unlinkSync(path.join(chunk, 'out.parquet'));
    const error = await mergeError();
    expect(error.message).toMatch(new RegExp(`^${chunk}/out.parquet is gone \\(its marker .* records \\d+ bytes\\)`));
    expect(error.message).toContain(`delete ${chunk} and run \`launcher --phase 1 --start 0 --end 99 --checkpoint-frequency 50\``);
  });

  it('changed size', async () => {
    const chunk = commitChunk(dir, 'gpu0', { start: 0, end: 49 }, [{ name: 'out.parquet', from: A }]);
    commitChunk(dir, 'gpu0', { start: 50, end: 99 }, [{ name: 'out.parquet', from: B }]);
    writeFileSync(path.join(chunk, 'out.parquet'), readFileSync(B));
    expect((await mergeError()).message).toMatch(
      new RegExp(`^${chunk}/out.parquet changed size since its chunk was committed \\(marker: \\d+ bytes, now \\d+\\)`),
    );
  });

  it('changed after its commit, in a schema the first pass already knows (it reads no more than the schema there): refused all the same', async () => {
    commitChunk(dir, 'gpu0', { start: 0, end: 49 }, [{ name: 'out.parquet', from: A }]);
    const chunk = commitChunk(dir, 'gpu0', { start: 50, end: 99 }, [{ name: 'out.parquet', from: A }]);
    // B has A's schema (same schema bytes) in another codec, so another size.
    writeFileSync(path.join(chunk, 'out.parquet'), readFileSync(B));
    expect((await mergeError()).message).toMatch(
      new RegExp(`^${chunk}/out.parquet changed size since its chunk was committed \\(marker: \\d+ bytes, now \\d+\\)`),
    );
    expect(leftovers()).toEqual([]);
  });

  it('empty', async () => {
    const chunk = commitChunk(dir, 'gpu0', { start: 0, end: 49 }, [{ name: 'out.parquet', content: '' }]);
    commitChunk(dir, 'gpu0', { start: 50, end: 99 }, [{ name: 'out.parquet', from: B }]);
    expect((await mergeError()).message).toMatch(new RegExp(`^${chunk}/out.parquet is empty`));
  });

  it('truncated', async () => {
    const chunk = commitChunk(dir, 'gpu0', { start: 0, end: 49 }, [{ name: 'out.parquet', content: readFileSync(A).subarray(0, 3000) }]);
    commitChunk(dir, 'gpu0', { start: 50, end: 99 }, [{ name: 'out.parquet', from: B }]);
    expect((await mergeError()).message).toBe(`${chunk}/out.parquet is not a valid Parquet file: no PAR1 footer (truncated?)`);
  });

  it('a page payload overwritten under an intact footer: caught by --verify pages (decoding), not claimed by headers', async () => {
    const bytes = Buffer.from(readFileSync(A));
    bytes.fill(0xff, 200, 260);
    const chunk = commitChunk(dir, 'gpu0', { start: 0, end: 49 }, [{ name: 'out.parquet', content: bytes }]);
    commitChunk(dir, 'gpu0', { start: 50, end: 99 }, [{ name: 'out.parquet', from: B }]);
    const error = await mergeError({ outputDir: dir, verify: 'pages' });
    expect(error.message).toMatch(new RegExp(`^${chunk}/out.parquet is corrupt: column \\w+ of row group 0: `));
    expect(leftovers()).toEqual([]);
  });
});

/** The first page header of the file's first column chunk, and where its payload starts. */
function firstPage(bytes: Buffer): { at: number; payload: number; size: number } {
  const metadata = parquetMetadata(toArrayBuffer(bytes));
  const at = Number(
    metadata.row_groups[0]!.columns[0]!.meta_data!.dictionary_page_offset ??
      metadata.row_groups[0]!.columns[0]!.meta_data!.data_page_offset,
  );
  const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: at };
  const header = parquetHeader(reader);
  return { at, payload: reader.offset, size: header.compressed_page_size };
}

describe('the default verification (headers) catches truncation and corruption of the page structure', () => {
  it('a chunk file cut short (committed that way): no footer', async () => {
    const bytes = readFileSync(A);
    const chunk = commitChunk(dir, 'gpu0', { start: 0, end: 49 }, [
      { name: 'out.parquet', content: bytes.subarray(0, bytes.length - 100) },
    ]);
    commitChunk(dir, 'gpu0', { start: 50, end: 99 }, [{ name: 'out.parquet', from: B }]);
    expect((await mergeError()).message).toBe(`${chunk}/out.parquet is not a valid Parquet file: no PAR1 footer (truncated?)`);
  });

  it('a page cut out of the middle, footer intact: the headers no longer tile the column chunk', async () => {
    const bytes = readFileSync(A);
    const page = firstPage(bytes);
    // Same length (the marker agrees), but the first page's bytes are replaced by the next ones.
    const shifted = Buffer.concat([
      bytes.subarray(0, page.at),
      bytes.subarray(page.payload + page.size),
      Buffer.alloc(page.payload + page.size - page.at),
    ]);
    shifted.set(
      bytes.subarray(bytes.length - 8 - bytes.readUInt32LE(bytes.length - 8)),
      shifted.length - 8 - bytes.readUInt32LE(bytes.length - 8),
    );
    const chunk = commitChunk(dir, 'gpu0', { start: 0, end: 49 }, [{ name: 'out.parquet', content: shifted }]);
    commitChunk(dir, 'gpu0', { start: 50, end: 99 }, [{ name: 'out.parquet', from: B }]);
    expect((await mergeError()).message).toMatch(new RegExp(`^${chunk}/out.parquet is corrupt: column \\w+ of row group 0: `));
    expect(leftovers()).toEqual([]);
  });

  it('a flipped byte in a page header (its size)', async () => {
    const bytes = Buffer.from(readFileSync(A));
    const page = firstPage(bytes);
    // The header's fields: type, uncompressed size, compressed size: corrupt the sizes' varints.
    bytes.fill(0x7f, page.at + 2, page.at + 6);
    const chunk = commitChunk(dir, 'gpu0', { start: 0, end: 49 }, [{ name: 'out.parquet', content: bytes }]);
    commitChunk(dir, 'gpu0', { start: 50, end: 99 }, [{ name: 'out.parquet', from: B }]);
    expect((await mergeError()).message).toMatch(new RegExp(`^${chunk}/out.parquet is corrupt: column \\w+ of row group 0: `));
    expect(leftovers()).toEqual([]);
  });

  it('a flipped payload byte under a page CRC fails the CRC', async () => {
    const source = path.join(parquetTesting, 'data', 'datapage_v1-snappy-compressed-checksum.parquet');
    if (!existsSync(source)) return expect(process.env.CI).not.toBe('true');
    const bytes = Buffer.from(readFileSync(source));
    const page = firstPage(bytes);
    bytes[page.payload + 3] = bytes[page.payload + 3]! ^ 0x01;
    makeRun(dir, { start: 0, end: 1, frequency: 1 });
    const chunk = commitChunk(dir, 'gpu0', { start: 0, end: 0 }, [{ name: 'out.parquet', content: bytes }]);
    commitChunk(dir, 'gpu0', { start: 1, end: 1 }, [{ name: 'out.parquet', from: source }]);
    expect((await mergeError()).message).toMatch(new RegExp(`^${chunk}/out.parquet is corrupt: .*fails its CRC checksum`));
  });
});

describe('missing chunks', () => {
  it('are refused, naming the ranges and the command that finishes them', async () => {
    commitChunk(dir, 'gpu0', { start: 0, end: 49 }, [{ name: 'out.parquet', from: A }]);
    expect((await mergeError()).message).toBe(
      '1 of 2 chunks are not committed (items 50-99); `launcher --phase 1 --start 0 --end 99 --checkpoint-frequency 50` finishes them, or pass --allow-partial to merge what is committed',
    );
    expect(leftovers()).toEqual([]);
  });

  it('--allow-partial merges what is committed and reports what is missing', async () => {
    commitChunk(dir, 'gpu0', { start: 0, end: 49 }, [{ name: 'out.parquet', from: A }]);
    const [outcome] = await mergeCommitted({ outputDir: dir, allowPartial: true });
    expect(outcome).toMatchObject({ device: 'gpu0', rows: 50, missing: [{ start: 50, end: 99 }] });
  });
});

describe('the index column check', () => {
  beforeEach(() => makeRun(dir, { start: 0, end: 19, frequency: 10, indexColumn: 'index' }));

  it('passes when every index appears once', async () => {
    commitChunk(dir, 'gpu0', { start: 0, end: 9 }, [{ name: 'o.parquet', content: indexedChunk({ start: 0, end: 9 }) }]);
    commitChunk(dir, 'gpu0', { start: 10, end: 19 }, [{ name: 'o.parquet', content: indexedChunk({ start: 10, end: 19 }) }]);
    expect((await mergeCommitted({ outputDir: dir }))[0]!.rows).toBe(20);
  });

  it('names a duplicated index and the missing ones', async () => {
    commitChunk(dir, 'gpu0', { start: 0, end: 9 }, [{ name: 'o.parquet', content: indexedChunk({ start: 0, end: 9 }) }]);
    commitChunk(dir, 'gpu0', { start: 10, end: 19 }, [{ name: 'o.parquet', content: indexedChunk({ start: 9, end: 15 }) }]);
    const error = await mergeError();
    expect(error.message).toMatch(/failed the "index" index check: index 9 appears more than once \(again in chunk_00010-00019\)/);
    expect(leftovers()).toEqual([]);
  });

  it('refuses an index column that holds no integers, naming the columns there are', async () => {
    const rows = (start: number) => Array.from({ length: 10 }, (_, i) => `{"index": "n${start + i}", "x": ${i}}\n`).join('');
    commitChunk(dir, 'gpu0', { start: 0, end: 9 }, [{ name: 'o.jsonl', content: rows(0) }]);
    commitChunk(dir, 'gpu0', { start: 10, end: 19 }, [{ name: 'o.jsonl', content: rows(10) }]);
    expect((await mergeError()).message).toMatch(
      /the index column "index" \(indexColumn in the config\) is not an integer column of the merged data; columns: index, x$/,
    );
    expect(leftovers()).toEqual([]);
  });

  it('refuses an index column that holds lists of integers (one index a row), naming the top-level columns', async () => {
    const rows = (start: number) => Array.from({ length: 10 }, (_, i) => `{"index": [${start + i}], "x": ${i}}\n`).join('');
    commitChunk(dir, 'gpu0', { start: 0, end: 9 }, [{ name: 'o.jsonl', content: rows(0) }]);
    commitChunk(dir, 'gpu0', { start: 10, end: 19 }, [{ name: 'o.jsonl', content: rows(10) }]);
    expect((await mergeError()).message).toMatch(
      /the index column "index" \(indexColumn in the config\) is not an integer column of the merged data; columns: index, x$/,
    );
    expect(leftovers()).toEqual([]);
  });

  it('names indexes that are absent', async () => {
    commitChunk(dir, 'gpu0', { start: 0, end: 9 }, [{ name: 'o.parquet', content: indexedChunk({ start: 0, end: 9 }) }]);
    commitChunk(dir, 'gpu0', { start: 10, end: 19 }, [{ name: 'o.parquet', content: indexedChunk({ start: 10, end: 15 }) }]);
    expect((await mergeError()).message).toMatch(/4 indexes of the merged chunks are absent: 16-19/);
  });
});

const badData = path.join(parquetTesting, 'bad_data');
const badFiles = existsSync(badData) ? readdirSync(badData).filter((name) => name.endsWith('.parquet')) : [];
// pyarrow 25 and hyparquet both read it: a dictionary index bit width of 0 is what hyparquet-writer
// itself writes for one-value dictionaries, so it is data, not corruption (an old Arrow crashed on it).
const READABLE = new Set(['ARROW-GH-43605.parquet']);
/** The verification level that catches each case (README: Merging); every other case is caught by the default, headers. */
const CAUGHT_BY_PAGES: Record<string, RegExp> = {
  // Levels inside a compressed v1 page: only decoding sees them.
  'ARROW-GH-45185.parquet': /a page starts in the middle of a record/,
};
/** What the default level says about a case, where it is worth pinning. */
const HEADERS_SAY: Record<string, RegExp> = {
  // A required fixed-width column's page too short for its values: its header says so.
  'ARROW-GH-47662.parquet': /100 plain values need 400 bytes, the page has 364/,
};

// Skipped where ../shared is absent, except in CI, where a missing checkout would silently run nothing.
describe.skipIf(process.env.CI !== 'true')('in CI the bad_data files are there', () => {
  it(`${badData} holds Parquet files`, () => {
    expect(badFiles.length, `${badData} is missing or empty: check out parquet-testing next to the repo`).toBeGreaterThan(0);
  });
});

describe.skipIf(badFiles.length === 0)(
  'parquet-testing bad_data: a clear error at the level that claims it, never a crash or a hang',
  () => {
    const corrupt = badFiles.filter((name) => !READABLE.has(name));
    it.each(
      corrupt.flatMap((name) =>
        CAUGHT_BY_PAGES[name]
          ? [[name, 'pages']]
          : [
              [name, 'headers'],
              [name, 'pages'],
            ],
      ),
    )('%s, --verify %s', async (name, verify) => {
      makeRun(dir, { start: 0, end: 1, frequency: 1 });
      const chunk = commitChunk(dir, 'gpu0', { start: 0, end: 0 }, [{ name: 'out.parquet', from: path.join(badData, name) }]);
      commitChunk(dir, 'gpu0', { start: 1, end: 1 }, [{ name: 'out.parquet', from: path.join(badData, name) }]);
      const started = Date.now();
      const error = await mergeError({ outputDir: dir, verify: verify as VerifyLevel });
      expect(Date.now() - started).toBeLessThan(5000);
      expect(error.message.startsWith(`${chunk}/out.parquet is `)).toBe(true);
      const said = CAUGHT_BY_PAGES[name] ?? HEADERS_SAY[name];
      if (said) expect(error.message).toMatch(said);
      expect(leftovers()).toEqual([]);
    });

    it.each([...READABLE])('%s (readable by pyarrow too) merges', async (name) => {
      makeRun(dir, { start: 0, end: 1, frequency: 1 });
      commitChunk(dir, 'gpu0', { start: 0, end: 0 }, [{ name: 'out.parquet', from: path.join(badData, name) }]);
      commitChunk(dir, 'gpu0', { start: 1, end: 1 }, [{ name: 'out.parquet', from: path.join(badData, name) }]);
      expect((await mergeCommitted({ outputDir: dir, verify: 'pages' }))[0]!.path).toBe('fast');
    });
  },
);

function mountSmallTmpfs(where: string, size: string): string | undefined {
  mkdirSync(where, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', where], { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    return String((error as { stderr?: Buffer }).stderr ?? error).trim();
  }
}

const tmpfsProbe = tempDir('chunkrun-tmpfs-probe-');
const cannotMount = mountSmallTmpfs(tmpfsProbe, '64k');
if (!cannotMount) execFileSync('umount', [tmpfsProbe]);
rmSync(tmpfsProbe, { recursive: true, force: true });

describe.skipIf(cannotMount !== undefined)(
  `a full disk (small tmpfs${cannotMount ? `; skipped: mount failed: ${cannotMount}` : ''})`,
  () => {
    it('fails with a clear error, leaves no partial file and loses nothing committed', async () => {
      const mountPoint = tempDir('chunkrun-full-');
      expect(mountSmallTmpfs(mountPoint, '600k')).toBeUndefined();
      try {
        const outputDir = path.join(mountPoint, 'run');
        makeRun(outputDir, { start: 0, end: 1, frequency: 1 });
        const big = indexedChunk({ start: 0, end: 9999 }, (i) => ({ text: `${i} `.repeat(4) }));
        expect(big.length).toBeGreaterThan(150_000);
        const chunks = [0, 1].map((i) => commitChunk(outputDir, 'gpu0', { start: i, end: i }, [{ name: 'o.parquet', content: big }]));
        writeFileSync(path.join(mountPoint, 'filler'), Buffer.alloc(600 * 1024 - 2 * big.length - 100 * 1024));
        const error = await mergeCommitted({ outputDir }).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(DataError);
        expect((error as Error).message).toMatch(
          /^no space left on the device while writing .*dataset_gpu0_.*\.parquet.*; free some space and run the merge again/,
        );
        expect(readdirSync(outputDir).sort()).toEqual(['chunks', 'run.json']);
        for (const chunk of chunks) expect(readFileSync(path.join(chunk, 'o.parquet')).equals(Buffer.from(big))).toBe(true);
      } finally {
        execFileSync('umount', [mountPoint]);
        removeDir(mountPoint);
      }
    });
  },
);
