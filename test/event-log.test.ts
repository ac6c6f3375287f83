/** The launcher's event log never takes the run down: a log that cannot be written is said once and dropped. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { logEvent, openEventLog } from '../src/launcher/event-log.js';
import { removeDir, tempWorkDir } from './support/cli.js';

let dir: string;
beforeEach(() => {
  dir = tempWorkDir('chunkrun-eventlog-');
});
afterEach(() => removeDir(dir));

describe('the event log', () => {
  it('writes one JSON line per event', () => {
    const file = path.join(dir, 'launcher.log');
    const logger = openEventLog(file, () => {
      throw new Error('no failure expected');
    });
    logEvent(logger, { type: 'warning', message: 'hello' });
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ event: 'warning', message: 'hello', level: 40 });
  });

  it('on a full disk (/dev/full): no throw, one line about it, and nothing more tried', () => {
    const failures: string[] = [];
    const logger = openEventLog('/dev/full', (message) => failures.push(message));
    for (let i = 0; i < 3; i++) logEvent(logger, { type: 'warning', message: `event ${i}` });
    logger.line('info', { event: 'summary' }, 'summary');
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/^cannot write the event log \/dev\/full \(.*(ENOSPC|no space).*\); the run goes on without it$/i);
  });
});
