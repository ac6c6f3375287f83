/** chunk-runner's flags: one definition, used by main and by the README check. */
import { Command } from 'commander';
import { oneLineErrors } from '../core/cli-errors.js';

export interface RunnerOptions {
  outputDir: string;
  phase: string;
  config?: string;
  devices: string[];
  retries?: string;
  chunkTimeout?: string;
  lease?: string;
  blockOffset: string;
  blockCount?: string;
  events: string;
  supervised?: boolean;
}

export function buildProgram(): Command {
  return oneLineErrors(
    new Command('chunk-runner')
      .description("run one host's share of a checkpointed run: claim pending chunks, run them on these devices, commit them")
      .requiredOption('--output-dir <dir>', "the run's output dir (holds run.json, written by launcher)")
      .requiredOption('--phase <name>', 'phase name in the config')
      .requiredOption('--devices <spec...>', 'devices of this host, e.g. cuda:0-3, tpu:0+1, cpu:2')
      .option('--config <file>', 'config file (default: launcher.config.json/.yaml here, else the built-in one)')
      .option('--retries <n>', 'retries per chunk after a failed attempt (config: retries)')
      .option('--chunk-timeout <duration>', 'fail an attempt that runs longer, e.g. 30m (config: chunkTimeout)')
      .option('--lease <duration>', 'claim lease; other hosts take over a claim not renewed for this long (config: lease)')
      .option('--block-offset <n>', "index of this host's first device among all devices of the run", '0')
      .option('--block-count <n>', "number of devices in the whole run (default: this host's)")
      .option('--events <format>', 'events on stdout: text or json', 'text')
      .option('--supervised', 'take commands on stdin and stop when stdin closes (used by launcher)'),
  );
}
