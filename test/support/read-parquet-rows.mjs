// Prints the rows of each Parquet file named on the command line, as one JSON array of row
// arrays, read by hyparquet (an independent reader). Run as a child so test helpers stay sync.
import { readFileSync } from 'node:fs';
import { parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';

const files = process.argv.slice(2);
const tables = [];
for (const file of files) {
  const bytes = readFileSync(file);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  tables.push(await parquetReadObjects({ file: buffer, compressors }));
}
process.stdout.write(JSON.stringify(tables, (_key, value) => (typeof value === 'bigint' ? Number(value) : value)));
