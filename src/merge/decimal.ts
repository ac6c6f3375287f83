/**
 * Pure: the double nearest a decimal literal of up to 17 significant digits, the digits a
 * shortest round-trip print of a double uses (Python's `repr`, `json.dumps` of a float: real
 * embeddings are mostly such numbers), without making a string for `Number()`.
 *
 * The decimal M x 10^-k (M < 10^17 exact as a sum of two doubles, 10^k exact for k <= 22) is
 * divided in double-double arithmetic: q = M / 10^k rounded, then the remainder M - q x 10^k
 * computed exactly (Dekker's product) says on which side of q the true quotient lies and how
 * far. Where it lies too near the middle between q and its neighbour for that to be certain, or
 * where q is a power of two (its neighbours are not equally far), the answer is undefined and
 * the caller asks `Number()`.
 */

const TWO_TO_27_PLUS_1 = 134217729;
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => 10 ** k);
const POWERS_OF_FIVE = Array.from({ length: 9 }, (_, k) => 5 ** k);
const POWERS_OF_TWO = Array.from({ length: 9 }, (_, k) => 2 ** k);
/** How near half an ulp the remainder may come before the rounding is not certain (the error of r is about 2^-50 of an ulp). */
const MIDDLE_MARGIN = 1e-9;

const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);

/** The gap to the next double away from zero, for a finite positive normal q; 0 where q is a power of two. */
function ulpUnlessPowerOfTwo(q: number): number {
  bits[0] = q;
  // Little-endian: words[0] holds the low 32 bits of the fraction, words[1] the sign, exponent and high 20 bits.
  if (words[0] === 0 && (words[1]! & 0xfffff) === 0) return 0;
  if (words[0] === 0xffffffff) {
    words[0] = 0;
    words[1]!++;
  } else words[0]!++;
  return bits[0]! - q;
}

/**
 * The literal in bytes[start, end) (unsigned, JSON's grammar, already checked by the scanner)
 * as the nearest double, or undefined where this cannot be sure of it.
 */
export function exactDecimal(bytes: Uint8Array, start: number, end: number): number | undefined {
  let high = 0;
  let low = 0;
  let lowDigits = 0;
  let significant = 0;
  let scale = 0;
  let fraction = false;
  let at = start;
  for (; at < end; at++) {
    const byte = bytes[at]!;
    if (byte === 0x2e) {
      fraction = true;
      continue;
    }
    if (byte === 0x65 || byte === 0x45) break;
    const digit = byte - 0x30;
    if (fraction) scale--;
    if (significant === 0 && digit === 0) continue;
    if (++significant > 17) return undefined;
    if (significant <= 9) high = high * 10 + digit;
    else {
      low = low * 10 + digit;
      lowDigits++;
    }
  }
  if (at < end) {
    at++;
    let sign = 1;
    if (bytes[at] === 0x2d || bytes[at] === 0x2b) sign = bytes[at++] === 0x2d ? -1 : 1;
    let exponent = 0;
    for (; at < end && exponent < 1000; at++) exponent = exponent * 10 + (bytes[at]! - 0x30);
    if (at < end) return undefined;
    scale += sign * exponent;
  }
  if (significant === 0) return 0;
  // M = high x 10^lowDigits + low: high x 5^lowDigits < 10^9 x 5^8 < 2^53, and x 2^lowDigits is exact.
  const shifted = high * POWERS_OF_FIVE[lowDigits]! * POWERS_OF_TWO[lowDigits]!;
  const mHigh = shifted + low;
  const mLow = low - (mHigh - shifted);
  if (scale === 0) return mHigh;
  if (scale > 0 || scale < -22) return undefined;
  const divisor = POWERS_OF_TEN[-scale]!;
  const q = mHigh / divisor;
  // q x divisor = p + e exactly (Dekker: split both into halves of 26 bits).
  const p = q * divisor;
  const qSplit = TWO_TO_27_PLUS_1 * q;
  const qHigh = qSplit - (qSplit - q);
  const qLow = q - qHigh;
  const dSplit = TWO_TO_27_PLUS_1 * divisor;
  const dHigh = dSplit - (dSplit - divisor);
  const dLow = divisor - dHigh;
  const e = qHigh * dHigh - p + qHigh * dLow + qLow * dHigh + qLow * dLow;
  // M - q x divisor: mHigh - p is exact (they are within a factor of two), the rest is tiny.
  const remainder = mHigh - p - e + mLow;
  const ulp = ulpUnlessPowerOfTwo(q);
  if (ulp === 0) return undefined;
  const offset = Math.abs(remainder / divisor) / ulp;
  if (Math.abs(offset - 0.5) < MIDDLE_MARGIN || offset > 1.5) return undefined;
  return q + remainder / divisor;
}
