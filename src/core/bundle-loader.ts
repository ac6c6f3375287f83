/**
 * Runs a command's bundle (one CommonJS file, see scripts/bundle-commands.mjs) through V8's code
 * cache: compiling the bundle is most of a command's start after node's own, and the cache
 * skips it. The cache sits beside the bundle; when it is missing or V8 rejects it (another node
 * version or flags), it is rewritten as the command exits (a worker thread's, after its first
 * piece of work: code-cache.ts).
 */
import { readFileSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';
import { isMainThread } from 'node:worker_threads';
import { writeTempFileFor } from './atomic-file.js';
import { offerCodeCacheWrite } from './code-cache.js';

/** The parameters the bundle's code sees, as CommonJS modules do, plus its own URL for import.meta.url. */
const WRAPPER_PARAMETERS = ['exports', 'require', 'module', '__filename', '__dirname', '__chunkrunBundleUrl'];

function readCache(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    // None yet (or unreadable): the bundle is compiled without one, and one is written as it exits.
    return undefined;
  }
}

/**
 * The cache is only a speed-up: where the install is read-only or the disk full, commands run
 * as fast as without it, so a failed write is dropped on purpose.
 */
function writeCache(file: string, data: Buffer): void {
  try {
    // A temp name unique to this process, renamed over: hosts sharing an install never see half a cache.
    renameSync(writeTempFileFor(file, data), file);
  } catch {
    // Not written: the next start compiles the bundle again.
  }
}

export function runBundle(bundleFile: string): void {
  // One cache per node build: hosts of a shared install with different nodes do not rewrite each other's.
  const cacheFile = `${bundleFile}.${process.version}-${process.arch}.v8-cache`;
  const cachedData = readCache(cacheFile);
  const script = new vm.Script(`(function (${WRAPPER_PARAMETERS.join(', ')}) {${readFileSync(bundleFile, 'utf8')}\n})`, {
    filename: bundleFile,
    cachedData,
  });
  const rebuild = cachedData === undefined || script.cachedDataRejected;
  // After a command's run, the cache also holds the functions it compiled, not just the top level.
  // A worker thread is ended without its process' exit event: its cache is written after its first piece of work.
  if (rebuild) {
    const write = () => writeCache(cacheFile, script.createCachedData());
    if (isMainThread) process.once('exit', write);
    else offerCodeCacheWrite(write);
  }
  const module = { exports: {} };
  const run = script.runInThisContext() as (...parameters: unknown[]) => void;
  run(module.exports, createRequire(bundleFile), module, bundleFile, path.dirname(bundleFile), pathToFileURL(bundleFile).href);
}
