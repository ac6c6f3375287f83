/** The example worker phase (phase1_worker.py) as phase 1 of a test config. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './cli.js';
import { realPython, writeFaultConfig } from './faults.js';

export const phase1WorkerScript = path.join(repoRoot, 'python', 'examples', 'phase1_worker.py');

/** A config whose phase 1 is the worker variant, with a short simulated model load. */
export function writeWorkerConfig(
  dir: string,
  overrides: Record<string, unknown> = {},
  phaseOverrides: Record<string, unknown> = {},
): string {
  return writeFaultConfig(dir, overrides, {
    command: [realPython(), phase1WorkerScript, '--model', '{model}', '--load', '0.2'],
    worker: true,
    ...phaseOverrides,
  });
}

/** The setups recorded by CHUNKRUN_EXAMPLE_SETUP_RECORD. */
export function readSetups(file: string): { device: string; pid: number }[] {
  return readLines(file) as { device: string; pid: number }[];
}

function readLines(file: string): unknown[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}
