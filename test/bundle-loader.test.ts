/**
 * The commands run as bundles through V8's code cache: a missing or unusable cache is rebuilt
 * and never stops a command; an accepted one is kept as it is.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { removeDir, repoRoot, tempWorkDir } from './support/cli.js';

const loader = path.join(repoRoot, 'dist', 'core', 'bundle-loader.js');
const version = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

describe('bundled commands and their code cache', () => {
  let dir: string;
  let bundle: string;
  let cache: string;
  // A copy of the merge-chunks bundle in a package of its own, so the shared dist/ cache is left alone.
  beforeEach(() => {
    dir = tempWorkDir('chunkrun-bundle-');
    copyFileSync(path.join(repoRoot, 'package.json'), path.join(dir, 'package.json'));
    mkdirSync(path.join(dir, 'dist', 'merge'), { recursive: true });
    bundle = path.join(dir, 'dist', 'merge', 'main.bundle.cjs');
    copyFileSync(path.join(repoRoot, 'dist', 'merge', 'main.bundle.cjs'), bundle);
    cache = `${bundle}.${process.version}-${process.arch}.v8-cache`;
    writeFileSync(
      path.join(dir, 'dist', 'merge', 'main.js'),
      `import { runBundle } from ${JSON.stringify(loader)};\nrunBundle(${JSON.stringify(bundle)});\n`,
    );
  });
  afterEach(() => removeDir(dir));

  const mergeChunks = (...args: string[]) =>
    execa(process.execPath, [path.join(dir, 'dist', 'merge', 'main.js'), ...args], { cwd: dir, reject: false, all: true });

  it('runs without a cache, writes one, and keeps it when V8 accepts it', async () => {
    expect(existsSync(cache)).toBe(false);
    const first = await mergeChunks('--version');
    expect(first.exitCode).toBe(0);
    expect(first.stdout.trim()).toBe(version);
    expect(statSync(cache).size).toBeGreaterThan(0);
    const written = statSync(cache);
    const second = await mergeChunks('--version');
    expect(second.stdout.trim()).toBe(version);
    // Rewritten caches are renamed into place: the same inode and mtime mean it was used, not rebuilt.
    expect(statSync(cache).ino).toBe(written.ino);
    expect(statSync(cache).mtimeMs).toBe(written.mtimeMs);
  });

  it('rebuilds a cache V8 rejects, and the command still runs', async () => {
    writeFileSync(cache, 'not a V8 code cache');
    const result = await mergeChunks('--version');
    expect(result.exitCode).toBe(0);
    expect(result.stdout.trim()).toBe(version);
    expect(readFileSync(cache, 'utf8')).not.toBe('not a V8 code cache');
  });

  it('finds the package from the bundle: a usage error still names the fix', async () => {
    const result = await mergeChunks('--output-dir', path.join(dir, 'nowhere'));
    expect(result.exitCode).not.toBe(0);
    expect(result.all).toMatch(/nowhere/);
  });

  it("a merge's worker threads run bundled too, and a worker writes its bundle's cache after its first reply", async () => {
    const workerBundle = path.join(dir, 'dist', 'merge', 'segment-worker.bundle.cjs');
    copyFileSync(path.join(repoRoot, 'dist', 'merge', 'segment-worker.bundle.cjs'), workerBundle);
    const workerCache = `${workerBundle}.${process.version}-${process.arch}.v8-cache`;
    // The worker answers a request it cannot serve with an error reply: it loaded and runs.
    const script = [
      "import { Worker } from 'node:worker_threads';",
      `const worker = new Worker(${JSON.stringify(`import { runBundle } from ${JSON.stringify(loader)}; runBundle(${JSON.stringify(workerBundle)});`)}, { eval: true });`,
      "import { existsSync } from 'node:fs';",
      // Written just after the reply is sent: waited for (at most 10 s) before the worker is ended.
      `const cached = () => existsSync(${JSON.stringify(workerCache)});`,
      "worker.once('message', async (reply) => {",
      '  console.log(JSON.stringify(reply).slice(0, 300));',
      '  for (let waited = 0; !cached() && waited < 10000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));',
      '  void worker.terminate();',
      '});',
      "worker.postMessage({ id: 1, request: { kind: 'infer', source: { file: '/nowhere/rows.jsonl' } } });",
    ].join('\n');
    expect(existsSync(workerCache)).toBe(false);
    const result = await execa(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, reject: false, all: true });
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toMatch(/nowhere/);
    expect(statSync(workerCache).size).toBeGreaterThan(0);
  });

  it("each command's generated stub is executable, as npx and a global install's links run it", () => {
    const packageJson = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    for (const [name, stub] of Object.entries(packageJson.bin)) {
      expect(statSync(path.join(repoRoot, stub)).mode & 0o111, name).toBe(0o111);
      expect(readFileSync(path.join(repoRoot, stub), 'utf8').startsWith('#!/usr/bin/env node\n'), name).toBe(true);
    }
  });

  it('the generated command runs from an install path with a space in it', async () => {
    const spaced = path.join(dir, 'with space');
    for (const file of ['merge/main.js', 'merge/main.bundle.cjs', 'core/bundle-loader.js', 'core/atomic-file.js', 'core/code-cache.js']) {
      mkdirSync(path.dirname(path.join(spaced, 'dist', file)), { recursive: true });
      copyFileSync(path.join(repoRoot, 'dist', file), path.join(spaced, 'dist', file));
    }
    copyFileSync(path.join(repoRoot, 'package.json'), path.join(spaced, 'package.json'));
    const result = await execa(process.execPath, [path.join(spaced, 'dist', 'merge', 'main.js'), '--version'], {
      reject: false,
      all: true,
    });
    expect(result.all).toBe(version);
    expect(result.exitCode).toBe(0);
  });
});
