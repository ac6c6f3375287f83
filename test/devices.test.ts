import { describe, expect, it } from 'vitest';
import { DEFAULT_DEVICE_ENV, deviceEnvFor, deviceSpecOf, parseDeviceSpec, parseDeviceSpecs, selectGpus } from '../src/core/devices.js';

describe('--devices specs', () => {
  it('expands ranges and lists into one device each', () => {
    expect(parseDeviceSpec('cuda:0-3').map((d) => d.name)).toEqual(['gpu0', 'gpu1', 'gpu2', 'gpu3']);
    expect(parseDeviceSpec('tpu:0,2').map((d) => d.name)).toEqual(['tpu0', 'tpu2']);
    expect(parseDeviceSpec('rocm:1').map((d) => [d.kind, d.name])).toEqual([['rocm', 'gpu1']]);
  });

  it('reads cpu:N as N CPU slots', () => {
    expect(parseDeviceSpec('cpu:3').map((d) => d.name)).toEqual(['cpu0', 'cpu1', 'cpu2']);
  });

  it('groups chips joined by + into one device', () => {
    const [device, ...rest] = parseDeviceSpec('tpu:0+1');
    expect(rest).toEqual([]);
    expect(device).toEqual({ kind: 'tpu', ids: ['0', '1'], name: 'tpu0_1' });
  });

  it('round-trips every device through deviceSpecOf', () => {
    for (const spec of ['cuda:0-3', 'cpu:3', 'tpu:0+1,2+3', 'rocm:4']) {
      for (const device of parseDeviceSpec(spec)) expect(parseDeviceSpec(deviceSpecOf(device))).toEqual([device]);
    }
  });

  it('refuses unknown kinds, bad ids, backwards ranges and repeats, naming them', () => {
    expect(() => parseDeviceSpec('npu:0')).toThrow(/unknown device kind "npu".*cuda, rocm, tpu, cpu/);
    expect(() => parseDeviceSpec('cuda')).toThrow(/expected kind:ids/);
    expect(() => parseDeviceSpec('cuda:3-1')).toThrow(/runs backwards/);
    expect(() => parseDeviceSpec('cuda:a b')).toThrow(/not a device id/);
    expect(() => parseDeviceSpecs(['cuda:0-1', 'cuda:1'])).toThrow(/names gpu1 twice/);
    expect(() => parseDeviceSpec('cpu:0')).toThrow(/at least one CPU slot/);
  });
});

describe('--gpus', () => {
  it('selects existing GPUs', () => {
    expect(selectGpus('0,2', ['0', '1', '2'], 'nvidia-smi').map((d) => d.name)).toEqual(['gpu0', 'gpu2']);
  });

  it('refuses a GPU that does not exist, listing those that do', () => {
    expect(() => selectGpus('0,5', ['0', '1'], 'nvidia-smi')).toThrow('--gpus 0,5: GPU 5 does not exist; GPUs found (nvidia-smi): 0, 1');
    expect(() => selectGpus('0', [], 'no nvidia-smi')).toThrow(/no GPU found/);
  });
});

describe('device env', () => {
  it('gives cuda and rocm their visible-devices variable', () => {
    expect(deviceEnvFor(parseDeviceSpec('cuda:2')[0]!, {})).toEqual({ CUDA_VISIBLE_DEVICES: '2' });
    expect(deviceEnvFor(parseDeviceSpec('rocm:1')[0]!, {})).toEqual({ HIP_VISIBLE_DEVICES: '1' });
    expect(deviceEnvFor(parseDeviceSpec('cpu:1')[0]!, {})).toEqual({});
  });

  it('gives each TPU chip its own process bounds and a unique port', () => {
    const env = deviceEnvFor(parseDeviceSpec('tpu:3')[0]!, {});
    expect(env).toEqual({
      TPU_VISIBLE_CHIPS: '3',
      TPU_CHIPS_PER_PROCESS_BOUNDS: '1,1,1',
      TPU_PROCESS_BOUNDS: '1,1,1',
      TPU_PROCESS_PORT: '8479',
      TPU_MESH_CONTROLLER_PORT: '8479',
      TPU_MESH_CONTROLLER_ADDRESS: 'localhost:8479',
    });
    const ports = parseDeviceSpec('tpu:0-3').map((d) => deviceEnvFor(d, {}).TPU_PROCESS_PORT);
    expect(new Set(ports).size).toBe(4);
  });

  it('lets the config replace a kind, and joins grouped ids', () => {
    const configured = { cuda: { CUDA_VISIBLE_DEVICES: '{id}', MY_GPU: 'gpu-{id}' } };
    expect(deviceEnvFor(parseDeviceSpec('cuda:1')[0]!, configured)).toEqual({ CUDA_VISIBLE_DEVICES: '1', MY_GPU: 'gpu-1' });
    expect(deviceEnvFor(parseDeviceSpec('tpu:0+1')[0]!, {}).TPU_VISIBLE_CHIPS).toBe('0,1');
    expect(Object.keys(DEFAULT_DEVICE_ENV)).toEqual(['cuda', 'rocm', 'tpu', 'cpu']);
  });
});
