#!/usr/bin/env node
/**
 * After tsc: each command's main.js becomes one bundled file with its dependencies. Node then
 * loads one module instead of several hundred (zod, yaml, hyparquet... each many files), which
 * takes about 0.2 s off every launcher, status, runner and merge-chunks start. The other compiled
 * modules stay as tsc wrote them (tests import them; the page-check worker loads its own).
 */
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist');
// Bundled CommonJS dependencies (yaml) call require(); an ES module has none of its own.
const requireShim = "import { createRequire as __chunkrunRequire } from 'node:module'; const require = __chunkrunRequire(import.meta.url);";

for (const command of ['launcher', 'chunk-runner', 'merge']) {
  const main = path.join(dist, command, 'main.js');
  await build({
    entryPoints: [main],
    outfile: main,
    allowOverwrite: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    banner: { js: requireShim },
    sourcemap: 'linked',
    minify: true,
    keepNames: true,
    logLevel: 'warning',
  });
}
