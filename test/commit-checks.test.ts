/**
 * A chunk commits only when its outputs tell the truth: readable, holding rows, and with an
 * index column, each index of the chunk exactly once. A phase with no rows says so.
 */
import path from 'node:path';
import { chmodSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { markerOf, scanDisk } from '../src/core/scan.js';
import { launcher, repoRoot } from './support/cli.js';
import { committedProblems, faultWorkDirs, realPython, wrapperCommand, writeFaultConfig } from './support/faults.js';

const workDir = faultWorkDirs('chunkrun-commit-');

/** A phase that is a shell script of its own (it gets CHUNK_* and PHASE1_OUTPUT_DIR). */
function shellPhase(cwd: string, body: string): string[] {
  const script = path.join(cwd, 'phase.sh');
  writeFileSync(script, `#!/bin/sh\nset -e\n${body}\n`);
  chmodSync(script, 0o755);
  return [script];
}

const args = [
  '--phase',
  '1',
  '--start',
  '0',
  '--end',
  '29',
  '--checkpoint-frequency',
  '10',
  '--devices',
  'cpu:1',
  '--retries',
  '0',
  '--no-merge',
];

describe('what a chunk must hold to commit', () => {
  it('refuses a chunk whose index column misses half its indexes, naming them', async () => {
    const { cwd, outputDir } = workDir();
    // The chunk 10-19 writes rows for 10-14 only.
    const command = wrapperCommand(cwd, 'half', 'if [ "$CHUNK_START" = 10 ]; then set -- --start 10 --end 14; fi');
    writeFaultConfig(cwd, {}, { command });
    const result = await launcher(args, { cwd });
    expect(result.exitCode, result.all).toBe(1);
    expect(result.stdout).toMatch(
      /FAILED 10-19 on cpu0 after 1 attempt\(s\): index column "index" does not hold each index of 10-19 exactly once: 5 missing \(15, 16, 17, 18, 19\)/,
    );
    expect([...scanDisk(outputDir).committed.keys()].sort()).toEqual(['0-9', '20-29']);
  });

  it('refuses outputs that hold no rows, and commits a chunk the phase declared empty', async () => {
    const { cwd, outputDir } = workDir();
    const command = shellPhase(
      cwd,
      [
        'if [ "$CHUNK_START" = 0 ]; then printf "\\n\\n" > "$PHASE1_OUTPUT_DIR/dataset_none.jsonl"; exit 0; fi',
        `if [ "$CHUNK_START" = 10 ]; then PYTHONPATH="${path.join(repoRoot, 'python')}" "${realPython()}" -c 'import chunkrun; chunkrun.mark_empty("no problems in this range")'; exit 0; fi`,
        'i=$CHUNK_START; while [ $i -le $CHUNK_END ]; do echo "{\\"index\\": $i}" >> "$PHASE1_OUTPUT_DIR/dataset_rows.jsonl"; i=$((i+1)); done',
      ].join('\n'),
    );
    writeFaultConfig(cwd, {}, { command, indexColumn: undefined });
    const result = await launcher(args, { cwd });
    expect(result.exitCode, result.all).toBe(1);
    expect(result.stdout).toMatch(
      /FAILED 0-9 .*outputs hold 0 rows \(dataset_none\.jsonl\); a phase with no rows for a chunk says so with chunkrun\.mark_empty\(\)/,
    );
    const committed = scanDisk(outputDir).committed;
    expect([...committed.keys()].sort()).toEqual(['10-19', '20-29']);
    expect(markerOf(committed.get('10-19')!)).toMatchObject({ rows: 0, files: [], empty: { reason: 'no problems in this range' } });
    expect(markerOf(committed.get('20-29')!)).toMatchObject({ rows: 10 });
  });

  it('merges a run with a chunk declared empty: it adds no rows', async () => {
    const { cwd } = workDir();
    const command = shellPhase(
      cwd,
      [
        `if [ "$CHUNK_START" = 10 ]; then PYTHONPATH="${path.join(repoRoot, 'python')}" "${realPython()}" -c 'import chunkrun; chunkrun.mark_empty("none here")'; exit 0; fi`,
        'i=$CHUNK_START; while [ $i -le $CHUNK_END ]; do echo "{\\"index\\": $i}" >> "$PHASE1_OUTPUT_DIR/dataset_rows.jsonl"; i=$((i+1)); done',
      ].join('\n'),
    );
    writeFaultConfig(cwd, {}, { command, indexColumn: undefined });
    const result = await launcher(
      args.filter((arg) => arg !== '--no-merge'),
      { cwd },
    );
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toMatch(/merged: .*dataset_cpu0_.*\.parquet \(20 rows\)/);
  });

  it('fails the attempt of a phase that wrote a corrupt Parquet file, and goes on with the other chunks', async () => {
    const { cwd, outputDir } = workDir();
    const command = wrapperCommand(
      cwd,
      'corrupt',
      'if [ "$CHUNK_START" = 10 ]; then printf "PAR1 this is not parquet" > "$PHASE1_OUTPUT_DIR/dataset_x.parquet"; exit 0; fi',
    );
    writeFaultConfig(cwd, {}, { command, indexColumn: undefined, outputs: ['dataset_*'] });
    const result = await launcher(
      ['--phase', '1', '--start', '0', '--end', '29', '--checkpoint-frequency', '10', '--devices', 'cpu:2', '--retries', '0', '--no-merge'],
      { cwd },
    );
    expect(result.exitCode, result.all).toBe(1);
    expect(result.stdout).toMatch(/FAILED 10-19 .*output dataset_x\.parquet is unreadable/);
    expect(result.all).not.toMatch(/output dir/);
    expect([...scanDisk(outputDir).committed.keys()].sort()).toEqual(['0-9', '20-29']);
    expect(committedProblems(outputDir, { complete: false })).toEqual([]);
  });
});
