/** The end-of-run summary says what stopped a run, from what the runner said, never a guess. */
import { describe, expect, it } from 'vitest';
import { ProgressModel } from '../src/launcher/progress-model.js';
import { stopCause, summaryLines } from '../src/launcher/summary.js';
import type { PreparedLaunch } from '../src/launcher/prepare.js';

const launch = {
  identity: { phase: '1', start: 0, end: 19, checkpointFrequency: 10, command: ['python3', 'phase1.py'] },
  devices: [{ name: 'cpu0' }],
  outputDir: '/data/phase1_0',
} as unknown as PreparedLaunch;

function linesAfter(why: string | undefined, signal?: string): string[] {
  const model = new ProgressModel(0, 20);
  if (why !== undefined) model.apply({ type: 'stopping', how: 'now', why });
  return summaryLines({
    launch,
    model,
    wallMs: 1000,
    missing: [{ start: 10, end: 19 }],
    stoppedBy: stopCause(signal, model),
    merged: [],
    resumeCommand: 'launcher --phase 1 --start 0 --end 19',
    logFile: '/data/phase1_0/logs/launcher.log',
  });
}

describe('what stopped the run', () => {
  it('a runner error is named as the runner said it, not blamed on the output dir', () => {
    const why = "runner error on cpu1: ENOENT: no such file or directory, scandir '/data/phase1_0/chunks/gpu7'";
    const lines = linesAfter(why);
    expect(lines).toContain(`stopped by ${why}; not yet committed: 10-19`);
    expect(lines.join('\n')).not.toMatch(/output dir problem|problem with the output dir/);
  });

  it('a signal the launcher got comes first; nothing stopped: no stop line', () => {
    expect(linesAfter('SIGTERM received', 'SIGINT')).toContain('stopped by SIGINT; not yet committed: 10-19');
    expect(linesAfter(undefined).join('\n')).not.toMatch(/stopped by/);
  });
});
