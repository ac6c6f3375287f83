/** The batcher's ways of gathering rows (row values, leaves, typed leaves) never mix in one row group. */
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { RowBatcher } from '../src/merge/row-batcher.js';
import { fieldTree } from '../src/parquet/index.js';

const schema = [
  { name: 'schema', num_children: 1 },
  { name: 'x', type: 'DOUBLE' as const, repetition_type: 'OPTIONAL' as const },
];

describe('RowBatcher', () => {
  it('typed leaves asked for and left empty (a JSONL file of blank lines), then row values: the rows are written as rows', async () => {
    const out = new ByteWriter();
    const writer = new ParquetWriter({ writer: out, schema: schema as never });
    const batcher = new RowBatcher(writer, fieldTree(schema, 'test'));
    expect(batcher.typedLeavesFit).toBe(true);
    batcher.typedLeafColumns();
    batcher.add([[1.5, null, 2.5]], 3, 24);
    batcher.flush();
    writer.finish();
    const buffer = out.getBuffer();
    expect(parquetMetadata(buffer).row_groups.map((group) => Number(group.num_rows))).toEqual([3]);
    expect(await parquetReadObjects({ file: buffer })).toEqual([{ x: 1.5 }, { x: null }, { x: 2.5 }]);
  });
});
