/**
 * decimalValue (merge/decimal.ts) gives the double Number() gives for a decimal literal split as
 * the JSONL scanner splits its digits (an exact mantissa, then up to 8 more digits), or declines;
 * checked on a few hundred thousand literals of the forms printers write (shortest round trip,
 * 16 and 17 digits, fixed, exponents), near 2^53, and around powers of two, each split every way
 * it may be (not just the scanner's).
 */
import { describe, expect, it } from 'vitest';
import { decimalValue } from '../src/merge/decimal.js';
import { seededRandom } from './support/faults.js';

/** An unsigned literal as its significant digits (leading zeros dropped) and the power of ten they are scaled by. */
function digitsOf(literal: string): { digits: string; scale: number } {
  const [number = '', exponent = '0'] = literal.toLowerCase().split('e');
  const [whole = '', fraction = ''] = number.split('.');
  return { digits: `${whole}${fraction}`.replace(/^0+/, ''), scale: Number(exponent) - fraction.length };
}

/** The scanner's split: digits into the mantissa while it may take one more and stay under 2^53, the rest extra. */
function scannerSplit(digits: string): number {
  let mantissa = 0;
  let taken = 0;
  while (taken < digits.length && mantissa <= (2 ** 53 - 10) / 10) mantissa = mantissa * 10 + Number(digits[taken++]);
  return digits.length - taken;
}

function check(literals: readonly string[]): { declined: number } {
  let declined = 0;
  for (const literal of literals) {
    const { digits, scale } = digitsOf(literal);
    const expected = Number(literal);
    const usual = scannerSplit(digits);
    for (let extraDigits = 0; extraDigits <= Math.min(8, digits.length); extraDigits++) {
      const mantissa = Number(digits.slice(0, digits.length - extraDigits) || '0');
      if (mantissa >= 2 ** 53) continue;
      const extra = Number(digits.slice(digits.length - extraDigits) || '0');
      const value = decimalValue(mantissa, extra, extraDigits, scale);
      if (value === undefined) {
        // With no extra digits the scanner divides the mantissa itself (one rounding): only its other splits come here.
        if (extraDigits === usual && usual > 0) declined++;
        continue;
      }
      if (!Object.is(value, expected))
        expect.fail(`${literal} as ${mantissa} then ${extraDigits} digits ${extra}: ${value}, Number() gives ${expected}`);
    }
  }
  return { declined };
}

describe('decimalValue', () => {
  it('300,000 random doubles printed as JavaScript, %.17g and %.16g print them: the same double whenever one is given', () => {
    const next = seededRandom(20261130);
    const literals: string[] = [];
    for (let i = 0; i < 100_000; i++) {
      const x = next() * 10 ** Math.floor(next() * 30 - 15);
      literals.push(String(x), x.toPrecision(17), x.toPrecision(16));
    }
    check(literals);
  });

  it('between 10^-4 and 10^4, where most data lies, almost nothing is declined (past 10^-22 or with an exponent up, Number() decides)', () => {
    const next = seededRandom(11);
    const literals: string[] = [];
    for (let i = 0; i < 50_000; i++) {
      const x = next() * 10 ** Math.floor(next() * 8 - 4);
      literals.push(String(x), x.toPrecision(17));
    }
    const { declined } = check(literals);
    expect(declined).toBeLessThan(literals.length / 100);
  });

  it('embedding-like values (float32 widened, as Python prints them) are taken, not declined', () => {
    const next = seededRandom(7);
    const literals = Array.from({ length: 50_000 }, () => String(Math.fround(next() * 2 - 1)).replace('-', ''));
    const { declined } = check(literals);
    expect(declined).toBeLessThan(literals.length / 1000);
  });

  it('integers around 2^53 round half to even; powers of two and their neighbours; zeros', () => {
    const literals: string[] = [];
    for (let d = -20; d <= 20; d++) literals.push(String(2 ** 53 + d), `${2 ** 53 + d}.0`);
    for (let e = -60; e <= 56; e++) {
      const x = 2 ** e;
      literals.push(x.toPrecision(17), x.toPrecision(16), String(x));
      for (const neighbour of [x * (1 + 2 ** -52), x * (1 - 2 ** -53)]) literals.push(neighbour.toPrecision(17), String(neighbour));
    }
    literals.push('0', '0.0', '0.00000000000000000', '0e5', '100000000000000000', '12345678901234567', '1.2345678901234567e-5');
    check(literals.map((literal) => literal.replace(/^-/, '')));
  });
});
