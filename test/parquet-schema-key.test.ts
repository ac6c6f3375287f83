/**
 * The merge's first pass tells schemas apart by their footer's schema bytes, without parsing the
 * row groups: over every file of parquet-testing that parses, equal keys must mean equal schemas
 * and different schemas different keys; damaged footers give no key (the full parse reports them).
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFooterBytes } from '../src/core/parquet-footer-bytes.js';
import { readParquetFooter } from '../src/parquet/footer.js';
import { schemaKeyOf } from '../src/parquet/schema-key.js';
import { parquetTesting } from './merge-helpers.js';

const dataDir = path.join(parquetTesting, 'data');
const files = existsSync(dataDir)
  ? readdirSync(dataDir)
      .filter((name) => name.endsWith('.parquet'))
      .map((name) => path.join(dataDir, name))
  : [];

const schemaText = (file: string) =>
  JSON.stringify(readParquetFooter(file).metadata.schema, (_, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value));

function parses(file: string): boolean {
  try {
    readParquetFooter(file);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(files.length === 0)('schema keys over parquet-testing/data (skipped when ../shared is absent)', () => {
  it('equal keys exactly where the parsed schemas are equal', () => {
    const readable = files.filter(parses);
    expect(readable.length).toBeGreaterThan(50);
    const byKey = new Map<string, string>();
    const bySchema = new Map<string, string>();
    for (const file of readable) {
      const key = readParquetFooter(file).schemaKey;
      expect(key, file).toBeDefined();
      const schema = schemaText(file);
      expect(byKey.get(key!) ?? schema, `${file}: same key as another file, different schema`).toBe(schema);
      expect(bySchema.get(schema) ?? key, `${file}: same schema as another file, different key`).toBe(key);
      byKey.set(key!, schema);
      bySchema.set(schema, key!);
    }
    // The corpus has files of the same schema (e.g. one table in several codecs) and many different ones.
    expect(byKey.size).toBeGreaterThan(20);
    expect(byKey.size).toBeLessThan(readable.length);
  });
});

describe('schema keys of damaged footers', () => {
  const file = files.find((candidate) => parses(candidate) && candidate.endsWith('alltypes_plain.parquet'));

  it.skipIf(file === undefined)('a footer cut short anywhere gives no key or the same key, never a throw', () => {
    const { metadataLength, buffer } = readFooterBytes(file!);
    const whole = new Uint8Array(buffer, 0, metadataLength);
    const key = schemaKeyOf(whole);
    expect(key).toBeDefined();
    for (let length = 0; length < metadataLength; length++) {
      const cut = schemaKeyOf(whole.subarray(0, length));
      if (cut !== undefined) expect(cut).toBe(key);
    }
  });

  it('garbage gives no key', () => {
    expect(schemaKeyOf(new Uint8Array([0x19, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))).toBeUndefined();
    expect(schemaKeyOf(new Uint8Array([]))).toBeUndefined();
    // A struct whose only field is not the schema list.
    expect(schemaKeyOf(new Uint8Array([0x15, 0x02, 0x00]))).toBeUndefined();
  });
});
