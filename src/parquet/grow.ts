/** Typed arrays appended to: a full one is replaced by one at least twice as long holding its used part. */

type GrowableArray = Float64Array | Uint8Array | Uint16Array | Uint32Array;

/** `array` if it holds `needed` elements, else a copy of its first `used` in one at least twice as long. */
export function withRoom<T extends GrowableArray>(array: T, used: number, needed: number): T {
  if (needed <= array.length) return array;
  const bigger = new (array.constructor as new (length: number) => T)(Math.max(needed, array.length * 2));
  bigger.set(array.subarray(0, used));
  return bigger;
}
