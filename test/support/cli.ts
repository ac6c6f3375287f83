/** Driving the real built CLIs against real subprocesses in temp dirs. */
import { mkdtempSync, readFileSync, existsSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const launcherBin = path.join(repoRoot, 'dist', 'launcher', 'main.js');
export const runnerBin = path.join(repoRoot, 'dist', 'chunk-runner', 'main.js');
export const mergeBin = path.join(repoRoot, 'dist', 'merge', 'main.js');

export function tempWorkDir(prefix = 'chunkrun-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export interface CliOptions {
  readonly cwd: string;
  readonly env?: Record<string, string | undefined>;
  readonly timeoutMs?: number;
}

/** The launcher as a user runs it; resolves with exit code and output, never rejects on exit code. */
export function launcher(args: readonly string[], options: CliOptions): ResultPromise<{ reject: false; all: true }> {
  return execa(process.execPath, [launcherBin, ...args], {
    cwd: options.cwd,
    env: { CHUNKRUN_EXAMPLE_DELAY: '0', ...options.env },
    reject: false,
    all: true,
    timeout: options.timeoutMs ?? 120_000,
  }) as ResultPromise<{ reject: false; all: true }>;
}

/** A file the example phases append one JSON line to per invocation (CHUNKRUN_EXAMPLE_RECORD). */
export function readRecord(
  file: string,
): { start: number; end: number; device: string; attempt: number; cuda_visible_devices: string | null; pid: number }[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

/** A config for tests: the built-in phases, pointed at absolute paths so it works from any cwd. */
export function writeTestConfig(
  dir: string,
  overrides: Record<string, unknown> = {},
  phaseOverrides: Record<string, unknown> = {},
): string {
  const builtIn = JSON.parse(readFileSync(path.join(repoRoot, 'config', 'default.json'), 'utf8'));
  const configDir = path.join(repoRoot, 'config');
  for (const phase of Object.values(builtIn.phases) as { command: string[] }[]) {
    phase.command = phase.command.map((arg) => arg.replace('{configDir}', configDir));
  }
  Object.assign(builtIn.phases['1'], phaseOverrides);
  const file = path.join(dir, 'launcher.config.json');
  writeFileSync(file, JSON.stringify({ ...builtIn, ...overrides }, null, 2));
  return file;
}

/**
 * A fresh temp working dir per test, with the example phases' invocation record in it:
 * `const work = useWorkDir();` then `work.dir`, `work.record`, `work.outputDir()`.
 */
export function useWorkDir(hooks: { beforeEach: (fn: () => void) => void; afterEach: (fn: () => void) => void }) {
  const state = { dir: '', record: '', outputDir: () => path.join(state.dir, 'data', 'phase1_0') };
  hooks.beforeEach(() => {
    state.dir = tempWorkDir();
    state.record = path.join(state.dir, 'record.jsonl');
  });
  hooks.afterEach(() => removeDir(state.dir));
  return state;
}
