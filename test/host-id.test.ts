/** Host identity and the layout that follows from it (SPEC §9). */
import { describe, expect, it } from 'vitest';
import { hostDevice, hostOfDeviceFolder, resolveHostId } from '../src/core/host-id.js';
import { deviceOf } from '../src/core/devices.js';
import { parseRunEventLine } from '../src/core/events.js';
import { expandTemplate, splitTemplate } from '../src/launcher/backends/ssh-template.js';

describe('host id', () => {
  const env = { TPU_WORKER_ID: '3', WORKER_ID: '7', SLURM_ARRAY_TASK_ID: '1', SLURM_PROCID: '0' };
  it('comes from --host-id, else TPU_WORKER_ID, WORKER_ID, SLURM_ARRAY_TASK_ID, SLURM_PROCID, else the hostname', () => {
    expect(resolveHostId('node9', env, 'box')).toEqual({ id: 'node9', source: '--host-id' });
    expect(resolveHostId(undefined, env, 'box').source).toBe('TPU_WORKER_ID');
    expect(resolveHostId(undefined, { ...env, TPU_WORKER_ID: undefined }, 'box')).toEqual({ id: '7', source: 'WORKER_ID' });
    expect(resolveHostId(undefined, { SLURM_ARRAY_TASK_ID: '1', SLURM_PROCID: '0' }, 'box').source).toBe('SLURM_ARRAY_TASK_ID');
    expect(resolveHostId(undefined, { SLURM_PROCID: '4' }, 'box')).toEqual({ id: '4', source: 'SLURM_PROCID' });
    expect(resolveHostId(undefined, {}, 'box')).toEqual({ id: 'box', source: 'hostname' });
  });

  it('refuses a slash, a leading dot and whitespace, naming where the id came from', () => {
    expect(() => resolveHostId('a/b', {}, 'box')).toThrow(/host id "a\/b" \(from --host-id\) contains a slash/);
    expect(() => resolveHostId(undefined, { WORKER_ID: '.x' }, 'box')).toThrow(/from WORKER_ID\) is empty or starts with a dot/);
    expect(() => resolveHostId('a b', {}, 'box')).toThrow(/whitespace/);
  });

  it('qualifies device folders only with several hosts, and never so that two hosts collide', () => {
    const gpu0 = deviceOf('cuda', ['0']);
    expect(hostDevice(gpu0, 'node1', false).name).toBe('gpu0');
    expect(hostDevice(gpu0, 'node1', true).name).toBe('node1.gpu0');
    const folders = ['a.b', 'a'].flatMap((host) =>
      [deviceOf('cuda', ['0']), deviceOf('cuda', ['GPU-1'])].map((d) => hostDevice(d, host, true).name),
    );
    expect(new Set(folders).size).toBe(folders.length);
    expect(hostOfDeviceFolder('node1.example.org.gpu0')).toBe('node1.example.org');
    expect(hostOfDeviceFolder('gpu0')).toBeUndefined();
  });
});

describe('run events across a process or host boundary', () => {
  it('parse against the zod union; a line that only looks like an event is named, not trusted', () => {
    const line = JSON.stringify({ type: 'chunk-progress', device: 'w1.gpu0', name: 'chunk_00000-00049', done: 3, total: 50 });
    expect(parseRunEventLine(line)).toEqual({ event: JSON.parse(line) });
    expect(parseRunEventLine('{"type":"chunk-progress","device":"gpu0"}')).toMatchObject({
      problem: expect.stringMatching(/not a run event \(name/),
    });
    expect(parseRunEventLine('{"type":"nonsense"}')).toMatchObject({ problem: expect.stringMatching(/not a run event/) });
    expect(parseRunEventLine('Warning: Permanently added host')).toEqual({ problem: 'not JSON' });
  });
});

describe('ssh command template', () => {
  it('splits like a shell, keeps quoted words whole, fills values after splitting', () => {
    const template = 'gcloud compute tpus tpu-vm ssh {host} --zone=z --worker={worker} --command "cd {cwd} && {runner}"';
    expect(splitTemplate(template)).toHaveLength(10);
    const argv = expandTemplate(template, {
      host: 'tpu-a',
      hostId: 'w3',
      worker: '3',
      cwd: "'/a b'",
      runner: 'node main.js --x',
    });
    expect(argv.slice(-3)).toEqual(['--worker=3', '--command', "cd '/a b' && node main.js --x"]);
  });
});
