/**
 * exactDecimal (merge/decimal.ts) gives the double Number() gives for decimal literals of up to 17
 * significant digits, or declines; checked on a few hundred thousand literals of the forms
 * printers write (shortest round trip, 16 and 17 digits, fixed, exponents), near 2^53, and
 * around powers of two.
 */
import { describe, expect, it } from 'vitest';
import { exactDecimal } from '../src/merge/decimal.js';
import { seededRandom } from './support/faults.js';

function check(literals: readonly string[]): { declined: number } {
  let declined = 0;
  for (const literal of literals) {
    const bytes = Buffer.from(literal);
    const value = exactDecimal(bytes, 0, bytes.length);
    if (value === undefined) {
      declined++;
      continue;
    }
    if (!Object.is(value, Number(literal))) expect.fail(`${literal}: ${value}, Number() gives ${Number(literal)}`);
  }
  return { declined };
}

describe('exactDecimal', () => {
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
