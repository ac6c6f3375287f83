/**
 * The WebAssembly modules `npm run build` compiles from assembly/ into dist/wasm/, each compiled
 * once per thread. Where one cannot be had (the TypeScript sources run before a build, or a CPU
 * without what the module needs, such as 128-bit SIMD), `wasmModule` says undefined and its
 * caller does the same work in JavaScript: only slower.
 */
import { readFileSync } from 'node:fs';
import { distPath } from './package-root.js';

const compiled = new Map<string, WebAssembly.Module | null>();

export function wasmModule(name: 'jsonl-rows' | 'levels'): WebAssembly.Module | undefined {
  let module = compiled.get(name);
  if (module === undefined) {
    try {
      module = new WebAssembly.Module(readFileSync(distPath('wasm', `${name}.wasm`)));
    } catch {
      // Not built, or not compilable here (see the top): the caller's JavaScript does the work.
      module = null;
    }
    compiled.set(name, module);
  }
  return module ?? undefined;
}
