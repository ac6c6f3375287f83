/** Binary search over values sorted ascending, given by index (an array, a typed array, a field of records). */

/** The last index whose value is <= `target`; 0 when none is (callers check the first value themselves). */
export function lastIndexAtOrBelow(count: number, valueAt: (index: number) => number, target: number): number {
  let low = 0;
  let high = count - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (valueAt(middle) <= target) low = middle;
    else high = middle - 1;
  }
  return low;
}
