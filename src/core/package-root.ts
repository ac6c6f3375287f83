/**
 * The package's own folder (package.json, config/, python/, dist/), found by walking up from
 * this code: the same answer from a compiled module, a bundled command or the TypeScript source.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function folderWithPackageJson(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json in or above ${from}: the chunkrun install is incomplete; reinstall it`);
  }
}

export const packageRoot = folderWithPackageJson(path.dirname(fileURLToPath(import.meta.url)));

/** A compiled module or command under dist/, e.g. distPath('chunk-runner', 'main.js'). */
export function distPath(...parts: string[]): string {
  return path.join(packageRoot, 'dist', ...parts);
}
