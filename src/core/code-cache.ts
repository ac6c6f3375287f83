/**
 * A worker thread's bundle is cached once the worker has done a piece of work: V8's code cache
 * then holds the functions that work compiled (most of what a worker runs), not only the
 * bundle's top level, which is all it holds right after the bundle loads. The loader
 * (bundle-loader.ts, outside the bundle) offers the write; the worker's request loop (inside it)
 * asks for it after its first reply. They share it through the global symbol registry, since
 * each holds its own copy of this module.
 */
const KEY = Symbol.for('chunkrun.writeCodeCache');

type Holder = { [KEY]?: () => void };

/** Called by the loader: `write` is run once, at the first codeCacheWanted. */
export function offerCodeCacheWrite(write: () => void): void {
  (globalThis as Holder)[KEY] = write;
}

/** Writes the offered code cache, if one is offered and not written yet. */
export function codeCacheWanted(): void {
  const write = (globalThis as Holder)[KEY];
  delete (globalThis as Holder)[KEY];
  write?.();
}
