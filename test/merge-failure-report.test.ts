/**
 * When the merge at the end of a run fails, the summary says why and how to retry it with
 * the same --config and --output-dir; the chunks stay committed and the exit code is 1.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { launcher, removeDir, tempWorkDir, writeTestConfig } from './support/cli.js';
import { committedNames, realPython } from './support/faults.js';

let work: string;
beforeEach(() => {
  work = tempWorkDir('chunkrun-merge-fail-');
});
afterEach(() => removeDir(work));

it('names the merge failure in the summary, with a retry hint that keeps --config and --output-dir', async () => {
  // Chunk 0-9 writes `value` as a number, chunk 10-19 as text: the chunks commit, their merge cannot.
  const phase = path.join(work, 'conflicting_phase.py');
  writeFileSync(
    phase,
    [
      'import json, os, sys',
      'start, end = int(sys.argv[1]), int(sys.argv[2])',
      "out = os.environ['PHASE1_OUTPUT_DIR']",
      "with open(os.path.join(out, 'dataset_values.jsonl'), 'w') as f:",
      '    for i in range(start, end + 1):',
      "        f.write(json.dumps({'index': i, 'value': i if start == 0 else f'text {i}'}) + '\\n')",
      '',
    ].join('\n'),
  );
  writeTestConfig(path.join(work), {}, { command: [realPython(), phase, '{start}', '{end}'] });
  const config = 'launcher.config.json';
  const args = ['--phase', '1', '--start', '0', '--end', '19', '--checkpoint-frequency', '10', '--devices', 'cpu:1'];
  const result = await launcher([...args, '--config', config, '--output-dir', 'out dir', '--quiet'], { cwd: work });

  expect(result.exitCode, result.all).toBe(1);
  expect(committedNames(path.join(work, 'out dir'))).toHaveLength(2);
  const line = result.stdout.split('\n').find((l) => l.startsWith('merge failed: '));
  expect(line, result.all).toBeDefined();
  expect(line).toMatch(/value/);
  expect(line).toContain("merge-chunks --phase 1 --config launcher.config.json --output-dir 'out dir'");
});
