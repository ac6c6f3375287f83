/** Benchmarks are not run by the tests, but every one the README and package.json name must at least parse. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './support/cli.js';

const benchDir = path.join(repoRoot, 'bench');
const scripts = readdirSync(benchDir).filter((name) => name.endsWith('.mjs'));

describe('bench scripts', () => {
  it.each(scripts)('%s parses', async (name) => {
    const result = await execa(process.execPath, ['--check', path.join(benchDir, name)], { reject: false, all: true });
    expect(result.exitCode, result.all).toBe(0);
  });

  it('every bench npm script runs a file that exists', () => {
    const packageJson = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const benches = Object.entries(packageJson.scripts).filter(([name]) => name.startsWith('bench'));
    expect(benches.length).toBeGreaterThan(5);
    for (const [name, command] of benches) {
      const file = /node (bench\/[\w-]+\.mjs)/.exec(command)?.[1];
      expect(file, `${name}: ${command}`).toBeDefined();
      expect(scripts, name).toContain(path.basename(file!));
    }
  });
});
