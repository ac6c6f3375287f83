/** The merged files already in an output dir, what they record, and leftovers of interrupted merges. */
import { isAlive } from '../core/process-info.js';
import { readdirSync, statSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { DataError } from '../core/errors.js';
import {
  MERGE_RECORD_KEY,
  MERGE_SUMMARY_KEY,
  parseMergeRecord,
  parseMergeSummary,
  summaryOf,
  type MergeRecord,
  type MergeSummary,
} from './merge-record.js';
import { readParquetFooter, type ParquetFooter } from '../parquet/index.js';
import { mergedFilesIn } from './merged-file-names.js';

export { mergedFilesIn, type MergedFileName } from './merged-file-names.js';

export interface PreviousMerge {
  readonly file: string;
  readonly target: string;
  readonly footer: ParquetFooter;
  readonly summary: MergeSummary;
  /** The full record, read when first asked for (it lists every chunk: large for many chunks). */
  readonly record: MergeRecord;
}

// One parse per merged file and process: a merge of D devices looks at every merged file once per device.
const seen = new Map<string, { readonly identity: string; readonly merge: PreviousMerge | undefined }>();

/** A file is the same one while its inode, size and mtime are (merged files are written once, then renamed in). */
function identityOf(file: string): string | undefined {
  try {
    const stat = statSync(file);
    return `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
  } catch {
    return undefined;
  }
}

/** Earlier merged files that are readable and carry a merge record; others are treated as absent. */
export function previousMerges(outputDir: string): PreviousMerge[] {
  const found: PreviousMerge[] = [];
  const listed = mergedFilesIn(outputDir);
  const names = new Set(listed.map(({ file }) => file));
  for (const file of seen.keys()) if (path.dirname(file) === outputDir && !names.has(file)) seen.delete(file);
  for (const { file, target } of listed) {
    const identity = identityOf(file);
    if (identity === undefined) continue;
    let known = seen.get(file);
    if (known?.identity !== identity) seen.set(file, (known = { identity, merge: readPreviousMerge(file, target) }));
    if (known.merge) found.push(known.merge);
  }
  return found;
}

function readPreviousMerge(file: string, target: string): PreviousMerge | undefined {
  try {
    const footer = readParquetFooter(file);
    const value = (key: string) => footer.metadata.key_value_metadata?.find((pair) => pair.key === key)?.value;
    const readRecord = () =>
      parseMergeRecord(
        value(MERGE_RECORD_KEY),
        footer.metadata.row_groups.map((group) => Number(group.num_rows)),
      );
    // Files written before the summary existed: the record is read now.
    const eager = value(MERGE_SUMMARY_KEY) === undefined ? readRecord() : undefined;
    const summary = eager ? summaryOf(eager) : parseMergeSummary(value(MERGE_SUMMARY_KEY));
    if (!summary || summary.target !== target || !value(MERGE_RECORD_KEY)) return undefined;
    let record = eager;
    return {
      file,
      target,
      footer,
      summary,
      get record() {
        record ??= readRecord();
        if (!record || record.fingerprint !== summary.fingerprint)
          throw new DataError(`${file} has an unreadable merge record (key ${MERGE_RECORD_KEY}); delete it and merge again`);
        return record;
      },
    };
  } catch {
    // An unreadable merged file is replaced by the next merge like any stale one.
    return undefined;
  }
}

// The names core's tempNameFor gives a merged file's temp copy: .<name>.tmp-<pid>-<hex>.
const TEMP_FILE = /^\.dataset_.+_\d{8}T\d{6}Z\.parquet\.tmp-(\d+)-[0-9a-f]+$/;
const STALE_AFTER_MS = 10 * 60_000;

/** Temp files of merges whose process is gone (killed mid-write): they can be as large as a dataset. */
export function removeAbandonedTempFiles(outputDir: string, now = Date.now()): void {
  let names: string[];
  try {
    names = readdirSync(outputDir);
  } catch {
    return;
  }
  for (const name of names) {
    const match = TEMP_FILE.exec(name);
    if (!match || isAlive(Number(match[1]))) continue;
    const file = path.join(outputDir, name);
    try {
      if (now - statSync(file).mtimeMs > STALE_AFTER_MS) unlinkSync(file);
    } catch {
      // Gone already, or not ours to remove.
    }
  }
}
