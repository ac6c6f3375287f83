import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { builtInConfigFile, findConfigFile, loadConfig, phaseConfig } from '../src/core/config.js';
import { configDirOnThisHost, expandChunkCommand, expandConfigDir, expandRunCommand, recordedConfigDir } from '../src/core/command.js';
import { parseDuration } from '../src/core/duration.js';
import { globToRegExp } from '../src/core/glob.js';
import { removeDir, tempWorkDir } from './support/cli.js';

let dir: string;
beforeEach(() => {
  dir = tempWorkDir();
});
afterEach(() => removeDir(dir));

describe('config', () => {
  it('falls back to the built-in config, which defines phases 1 and 3.5 in the seed shape, and each as a worker', () => {
    expect(findConfigFile(undefined, dir)).toBe(builtInConfigFile);
    const loaded = loadConfig(undefined, dir);
    expect(Object.keys(loaded.config.phases)).toEqual(['1', '1-worker', '3.5', '3.5-worker']);
    expect(phaseConfig(loaded, '1-worker')).toMatchObject({ worker: true, outputDir: 'data/phase1_worker' });
    expect(phaseConfig(loaded, '1')).toMatchObject({ outputDirEnv: 'PHASE1_OUTPUT_DIR', outputDir: 'data/phase1_0' });
    expect(phaseConfig(loaded, '3.5')).toMatchObject({ outputDirEnv: 'PHASE3_5_OUTPUT_DIR', outputDir: 'data/phase3_5' });
    expect(loaded.config.checkpointFrequency).toBe(50);
  });

  it('prefers launcher.config.json in the working dir and fills defaults', () => {
    writeFileSync(
      path.join(dir, 'launcher.config.json'),
      JSON.stringify({ phases: { x: { command: ['{python}', 'x.py'], outputDirEnv: 'X_DIR', outputDir: 'out', outputs: ['*.parquet'] } } }),
    );
    const loaded = loadConfig(undefined, dir);
    expect(loaded.file).toBe(path.join(dir, 'launcher.config.json'));
    expect(loaded.config).toMatchObject({ checkpointFrequency: 50, python: 'python3', retries: 2, deviceEnv: {} });
  });

  it('names the key path of a wrong value', () => {
    const file = path.join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ phases: { a: { command: [], outputDirEnv: 'A', outputDir: 'o', outputs: ['x'] } } }));
    expect(() => loadConfig(file, dir)).toThrow(/c\.json: phases\.a\.command: /);
    writeFileSync(file, JSON.stringify({ phases: {}, chunkTimeout: 'soon' }));
    expect(() => loadConfig(file, dir)).toThrow(/chunkTimeout: must be a duration like "30m"/);
    writeFileSync(file, JSON.stringify({ phases: {}, deviceEnv: { cuda: { X: 1 } } }));
    expect(() => loadConfig(file, dir)).toThrow(/deviceEnv\.cuda\.X: /);
  });

  it('lists the known phases for an unknown one', () => {
    expect(() => phaseConfig(loadConfig(undefined, dir), '2')).toThrow(/unknown phase "2" .* known phases: 1, 1-worker, 3\.5, 3\.5-worker/);
  });

  it('refuses chunk placeholders in a worker command, and worker keys on a phase that is not a worker', () => {
    const file = path.join(dir, 'c.json');
    const phase = { command: ['{python}', 'w.py', '--dir', '{chunkDir}'], outputDirEnv: 'A', outputDir: 'o', outputs: ['x'] };
    writeFileSync(file, JSON.stringify({ phases: { w: { ...phase, worker: true } } }));
    expect(() => loadConfig(file, dir)).toThrow(/c\.json: phases\.w\.command\.3: \{chunkDir\} cannot be in a worker's command/);
    writeFileSync(file, JSON.stringify({ phases: { w: { ...phase, workerMaxChunks: 10 } } }));
    expect(() => loadConfig(file, dir)).toThrow(
      /phases\.w\.workerMaxChunks: applies to worker phases only; add "worker": true or remove it/,
    );
    writeFileSync(
      file,
      JSON.stringify({ phases: { w: { ...phase, command: ['w.py', '{device}'], worker: true, workerReadyTimeout: 'later' } } }),
    );
    expect(() => loadConfig(file, dir)).toThrow(/phases\.w\.workerReadyTimeout: must be a duration/);
  });
});

describe('command templates', () => {
  const values = { python: 'python3', model: 'm', phase: '1' };

  it('fills run-wide placeholders at launch, {configDir} per host, and chunk ones per chunk, with extra args last', () => {
    const recorded = expandRunCommand(
      ['{python}', '{configDir}/run.py', '--start', '{start}', '--end', '{end}', '--model', '{model}', '--dir', '{chunkDir}'],
      values,
      ['--x', '1'],
      'w',
    );
    expect(recorded[1]).toBe('{configDir}/run.py');
    const run = expandConfigDir(recorded, '/cfg');
    expect(run).toEqual([
      'python3',
      '/cfg/run.py',
      '--start',
      '{start}',
      '--end',
      '{end}',
      '--model',
      'm',
      '--dir',
      '{chunkDir}',
      '--x',
      '1',
    ]);
    expect(expandChunkCommand(run, { start: 50, end: 99, device: 'gpu1', chunkDir: '/o/c' })).toEqual([
      'python3',
      '/cfg/run.py',
      '--start',
      '50',
      '--end',
      '99',
      '--model',
      'm',
      '--dir',
      '/o/c',
      '--x',
      '1',
    ]);
  });

  it('normalizes paths built on {configDir}', () => {
    expect(expandConfigDir(expandRunCommand(['{python}', '{configDir}/../python/p.py'], values, [], 'w'), '/cfg')).toEqual([
      'python3',
      '/python/p.py',
    ]);
  });

  it('records the config folder as "builtin" or relative to the working dir, and resolves it on each host', () => {
    expect(recordedConfigDir('/pkg/config', '/pkg/config', '/work')).toBe('builtin');
    expect(recordedConfigDir('/home/u/cfg', '/pkg/config', '/home/u')).toBe('cfg');
    expect(recordedConfigDir('/work', '/pkg/config', '/work')).toBe('.');
    expect(configDirOnThisHost('builtin', '/other/install/config', '/w2')).toBe('/other/install/config');
    expect(configDirOnThisHost('cfg', '/x', '/w2')).toBe('/w2/cfg');
    expect(configDirOnThisHost(undefined, '/x', '/w2')).toBeUndefined();
  });

  it('refuses unknown placeholders and a {model} with no model', () => {
    expect(() => expandRunCommand(['{pyhton}'], values, [], 'phases.1')).toThrow(/phases\.1: unknown placeholder \{pyhton\}/);
    expect(() => expandRunCommand(['{model}'], { ...values, model: undefined }, [], 'phases.1')).toThrow(/sets no "model"/);
  });
});

describe('durations and globs', () => {
  it('reads durations', () => {
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration(5)).toBe(5_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('soon')).toBeUndefined();
    expect(parseDuration('0s')).toBeUndefined();
  });

  it('matches output globs relative to the chunk dir', () => {
    expect(globToRegExp('dataset_*.parquet').test('dataset_sae_1.parquet')).toBe(true);
    expect(globToRegExp('dataset_*.parquet').test('sub/dataset_1.parquet')).toBe(false);
    expect(globToRegExp('activations/**').test('activations/a/b.npy')).toBe(true);
    expect(globToRegExp('**/*.jsonl').test('x.jsonl')).toBe(true);
    expect(globToRegExp('part-?.json').test('part-1.json')).toBe(true);
    const either = globToRegExp('dataset_*.{parquet,jsonl}');
    expect(['dataset_a.parquet', 'dataset_a.jsonl', 'dataset_a.csv'].map((name) => either.test(name))).toEqual([true, true, false]);
    // An atomic writer's hidden temp file is never an output.
    expect(globToRegExp('dataset_*').test('.dataset_a.parquet.tmp-1')).toBe(false);
    expect(globToRegExp('*').test('.hidden')).toBe(false);
  });
});
