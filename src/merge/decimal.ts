/**
 * Pure: the double nearest a decimal number given as the JSONL scanner reads its digits, for
 * the 16 and 17 digits a shortest round-trip print of a double uses (Python's `repr`,
 * `json.dumps` of a float: real embeddings are mostly such numbers), without making a string
 * for `Number()`.
 *
 * The decimal M x 10^-k (M exact as a sum of two doubles, 10^k exact for k <= 22) is divided in
 * double-double arithmetic: q = M / 10^k rounded, then the remainder M - q x 10^k computed
 * exactly (Dekker's product) says on which side of q the true quotient lies and how far. Where
 * it lies too near the middle between q and its neighbour for that to be certain, or where q is
 * a power of two (its neighbours are not equally far), the answer is undefined and the caller
 * asks `Number()`.
 */

const TWO_TO_27_PLUS_1 = 134217729;
/** Powers of ten a double holds exactly (10^22 is the last): a decimal under 2^53 scaled by one of them rounds once. */
export const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => 10 ** k);
/** Digits past an exact mantissa (under 2^53) taken here: M stays under 2^80, its parts exact integers. */
const EXTRA_DIGITS_AT_MOST = 8;
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
 * The double nearest M x 10^scale, where M = mantissa x 10^extraDigits + extra (the scanner's
 * digits: those that fit an exact mantissa, then the rest), or undefined where this cannot be
 * sure of it: more than EXTRA_DIGITS_AT_MOST extra digits, a scale other than -22..-1, or a
 * quotient too near a rounding boundary.
 */
export function decimalValue(mantissa: number, extra: number, extraDigits: number, scale: number): number | undefined {
  if (extraDigits > EXTRA_DIGITS_AT_MOST || scale >= 0 || scale < -22) return undefined;
  if (mantissa === 0 && extra === 0) return 0;
  // M = mHigh + mLow exactly, mHigh being M rounded once: the product's error by Dekker's product
  // joins the extra digits (small integers: exact) before one rounded sum, whose error Knuth's two-sum gives.
  const power = POWERS_OF_TEN[extraDigits]!;
  const product = mantissa * power;
  const low = twoProductError(mantissa, power, product) + extra;
  const mHigh = product + low;
  const added = mHigh - product;
  const mLow = product - (mHigh - added) + (low - added);
  const divisor = POWERS_OF_TEN[-scale]!;
  const q = mHigh / divisor;
  // M - q x divisor: mHigh - q x divisor rounded is exact (they are within a factor of two), the rest is tiny.
  const p = q * divisor;
  const remainder = mHigh - p - twoProductError(q, divisor, p) + mLow;
  const ulp = ulpUnlessPowerOfTwo(q);
  if (ulp === 0) return undefined;
  const offset = Math.abs(remainder / divisor) / ulp;
  if (Math.abs(offset - 0.5) < MIDDLE_MARGIN || offset > 1.5) return undefined;
  return q + remainder / divisor;
}

/** a x b - product exactly, where product is a x b rounded (Dekker: both split into halves of 26 bits). */
function twoProductError(a: number, b: number, product: number): number {
  const aSplit = TWO_TO_27_PLUS_1 * a;
  const aHigh = aSplit - (aSplit - a);
  const aLow = a - aHigh;
  const bSplit = TWO_TO_27_PLUS_1 * b;
  const bHigh = bSplit - (bSplit - b);
  const bLow = b - bHigh;
  return aHigh * bHigh - product + aHigh * bLow + aLow * bHigh + aLow * bLow;
}
