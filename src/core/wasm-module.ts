/**
 * The WebAssembly modules `npm run build` compiles from assembly/ into dist/wasm/, each compiled
 * once per thread. Where one cannot be had (the TypeScript sources run before a build, a CPU
 * without what the module needs, such as 128-bit SIMD, or no memory for an instance),
 * `wasmInstance` says undefined and its caller does the same work in JavaScript: only slower.
 */
import { readFileSync } from 'node:fs';
import { distPath } from './package-root.js';

const compiled = new Map<string, WebAssembly.Module | null>();

type WasmName = 'jsonl-rows' | 'levels';

export function wasmModule(name: WasmName): WebAssembly.Module | undefined {
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

/** A new instance of the module `name`, its exports as `T`; or undefined (see the top). */
export function wasmInstance<T>(name: WasmName): T | undefined {
  const module = wasmModule(name);
  if (!module) return undefined;
  try {
    return new WebAssembly.Instance(module, {}).exports as unknown as T;
  } catch (error) {
    // No memory for its instance (a RangeError): the caller's JavaScript does the work.
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}
