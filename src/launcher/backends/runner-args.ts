/** The chunk-runner command line every backend starts, and where the runner lives. */
import path from 'node:path';
import { distPath } from '../../core/package-root.js';
import { deviceSpecOf, type Device } from '../../core/devices.js';

export const runnerMain = distPath('chunk-runner', 'main.js');
export const mergeMain = distPath('merge', 'main.js');

/** The output dir as runners are told it: relative to the working dir when inside it, so no host's absolute path leaks in. */
export function outputDirArg(outputDir: string, cwd: string): string {
  const relative = path.relative(cwd, outputDir);
  return relative === '' ? '.' : relative.startsWith('..') || path.isAbsolute(relative) ? outputDir : relative;
}

export interface RunnerArgFacts {
  readonly outputDir: string;
  readonly hostId?: string | undefined;
  readonly hostIndex?: number | undefined;
  /** Given devices; absent: each host detects its own. */
  readonly devices?: readonly Device[] | undefined;
  readonly events: 'json' | 'text';
  readonly supervised: boolean;
}

export function runnerArgs(facts: RunnerArgFacts): string[] {
  const args = ['--output-dir', facts.outputDir];
  if (facts.hostId !== undefined) args.push('--host-id', facts.hostId);
  if (facts.hostIndex !== undefined) args.push('--host-index', String(facts.hostIndex));
  args.push('--events', facts.events);
  if (facts.supervised) args.push('--supervised');
  if (facts.devices !== undefined && facts.devices.length > 0) args.push('--devices', ...facts.devices.map(deviceSpecOf));
  return args;
}
