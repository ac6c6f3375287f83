/** Every command line the README shows still parses, and every launcher flag it lists exists. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { buildLaunchProgram } from '../src/launcher/cli.js';
import { buildStatusProgram } from '../src/launcher/status-cli.js';
import { buildProgram as buildRunnerProgram } from '../src/chunk-runner/cli.js';
import { buildMergeProgram } from '../src/merge/cli.js';
import { repoRoot } from './support/cli.js';

const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');

/** Lines inside ``` blocks that run one of our commands, without comments and `npx `. */
function commandLines(): string[] {
  const blocks = [...readme.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].map((match) => match[1]!);
  return blocks
    .flatMap((block) => block.split('\n'))
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .map((line) => line.replace(/^npx /, ''))
    .filter((line) => /^(launcher|merge-chunks|chunk-runner)\b/.test(line));
}

function programFor(words: string[]): { program: Command; args: string[] } {
  if (words[0] === 'launcher' && words[1] === 'status') return { program: buildStatusProgram(), args: words.slice(2) };
  if (words[0] === 'launcher') {
    const dashDash = words.indexOf('--');
    return { program: buildLaunchProgram(), args: dashDash === -1 ? words.slice(1) : words.slice(1, dashDash) };
  }
  if (words[0] === 'merge-chunks') return { program: buildMergeProgram(), args: words.slice(1) };
  return { program: buildRunnerProgram(), args: words.slice(1) };
}

describe('README', () => {
  const lines = commandLines();

  it('shows the two set-up commands and the test command', () => {
    expect(readme).toMatch(/```sh\nnpm install\nnpx launcher --phase 1 --start 0 --end 488\n```/);
    expect(readme).toMatch(/```sh\nnpm test\n```/);
    expect(lines.length).toBeGreaterThan(8);
  });

  it.each(commandLines())('%s parses', (line) => {
    const { program, args } = programFor(line.split(/\s+/));
    program.exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
    program.action(() => {});
    expect(() => program.parse(args, { from: 'user' })).not.toThrow();
  });

  it('lists exactly the launcher flags that exist', () => {
    const table = readme.slice(readme.indexOf('### `launcher` flags'), readme.indexOf('Exit codes'));
    const documented = new Set([...table.matchAll(/`(--[a-z-]+)/g)].map((m) => m[1]!));
    const real = new Set(buildLaunchProgram().options.map((option) => option.long!));
    real.delete('--checkpoint');
    real.delete('--merge');
    expect([...documented].sort()).toEqual([...real].sort());
  });
});
