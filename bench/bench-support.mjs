/** What the runner benchmarks share: flags, the real interpreter, a scratch dir, timing a CLI. */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const benchDir = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(benchDir, '..');
export const dist = path.join(repoRoot, 'dist');
export const launcherBin = path.join(dist, 'launcher', 'main.js');

export function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : fallback;
}

/** A flag without a value (`--keep`): present or not, wherever it stands. */
export function flag(name) {
  return process.argv.includes(`--${name}`);
}

/** The interpreter itself, not a pyenv/asdf shim, whose own start would be charged to every chunk. */
export function realPython() {
  return execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
}

export function scratchDir(prefix) {
  const dir = option('dir') ?? mkdtempSync(path.join(tmpdir(), prefix));
  return {
    dir,
    cleanup: () => option('dir') === undefined && !flag('keep') && rmSync(dir, { recursive: true, force: true }),
  };
}

/** A config with one phase `bench` running `script` with --start/--end/--device (or as `phase` overrides say). */
export function writeBenchConfig(dir, python, script, extra = {}, phase = {}) {
  const file = path.join(dir, 'launcher.config.json');
  writeFileSync(
    file,
    JSON.stringify({
      python,
      retries: 0,
      phases: {
        bench: {
          command: ['{python}', script, '--start', '{start}', '--end', '{end}', '--device', '{device}'],
          outputDirEnv: 'BENCH_OUTPUT_DIR',
          outputDir: 'out',
          outputs: ['dataset_*'],
          ...phase,
        },
      },
      ...extra,
    }),
  );
  return file;
}

/** Runs the launcher in `cwd`; resolves with its wall time (ms) and output, rejects on a non-zero exit. */
export function timeLauncher(args, { cwd, env = {} }) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [launcherBin, ...args], {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (data) => (output += data));
    child.stderr.on('data', (data) => (output += data));
    child.on('close', (code) => {
      const ms = performance.now() - started;
      if (code === 0) resolve({ ms, output });
      else reject(new Error(`launcher ${args.join(' ')} exited ${code}:\n${output.slice(-3000)}`));
    });
  });
}

export const fmt = (value, digits = 2) => value.toFixed(digits);

/** The launcher line every bench runs: the bench phase over 0..items-1, quiet, no merge. */
export function benchLaunchArgs({ items, frequency, devices, extra = [] }) {
  return [
    '--phase',
    'bench',
    '--start',
    '0',
    '--end',
    String(items - 1),
    '--checkpoint-frequency',
    String(frequency),
    '--devices',
    `cpu:${devices}`,
    '--no-merge',
    '--quiet',
    ...extra,
  ];
}
