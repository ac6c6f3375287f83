/** Off a terminal: noteworthy events at once, progress lines at most every few seconds. */
import { expect, it } from 'vitest';
import { PlainProgress, PROGRESS_EVERY_MS } from '../src/launcher/plain-progress.js';
import { ProgressModel } from '../src/launcher/progress-model.js';
import type { RunEvent } from '../src/core/events.js';

it('shows the first commit at once, later ones at most every PROGRESS_EVERY_MS, failures always', () => {
  let now = 0;
  const lines: string[] = [];
  const model = new ProgressModel(0, 30);
  const plain = new PlainProgress(
    model,
    (line) => lines.push(line),
    () => now,
  );
  const apply = (event: RunEvent) => {
    model.apply(event);
    plain.onEvent(event);
  };
  const committed = (start: number): RunEvent => ({
    type: 'chunk-committed',
    attempt: 1,
    device: 'cpu0',
    name: `chunk_${start}`,
    start,
    end: start + 9,
    durationMs: 1000,
    rows: 10,
  });

  now = 1000;
  apply(committed(0));
  now = 2000;
  apply(committed(10));
  expect(lines).toEqual([
    expect.stringMatching(/^progress: 10\/30 items, 10\.0 items\/s; chunks: 1 done this run, 0 already committed; elapsed/),
  ]);
  apply({ type: 'warning', message: 'disk nearly full' });
  expect(lines.at(-1)).toBe('warning: disk nearly full');
  now = 1000 + PROGRESS_EVERY_MS;
  apply(committed(20));
  expect(lines.at(-1)).toMatch(/^progress: 30\/30 items, .*chunks: 3 done this run/);
  expect(lines).toHaveLength(3);
});

it('off a terminal, a lost host is printed as it happens, as on the live view', () => {
  const lines: string[] = [];
  const plain = new PlainProgress(
    new ProgressModel(0, 30),
    (line) => lines.push(line),
    () => 0,
  );
  plain.onEvent({ type: 'host-lost', host: 'node2', reason: 'its runner ended early (exit code 1)' });
  expect(lines).toEqual([expect.stringContaining('node2')]);
});
