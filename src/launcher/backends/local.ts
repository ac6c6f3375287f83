/** Today's behaviour: one chunk-runner on this host, a child of the launcher, on the chosen devices. */
import type { AttachedBackend, BackendContext } from './backend.js';
import { outputDirArg, runnerArgs, runnerMain } from './runner-args.js';

export function localBackend({ prepared, options }: BackendContext): AttachedBackend {
  return {
    kind: 'attached',
    name: 'local',
    hostCount: 1,
    preflight: () => Promise.resolve(),
    runnerCommands: () => [
      {
        host: options.hostId ?? 'this host',
        file: process.execPath,
        args: [
          runnerMain,
          ...runnerArgs({
            outputDir: outputDirArg(prepared.outputDir, prepared.cwd),
            hostId: options.hostId,
            devices: prepared.devices,
            events: 'json',
            supervised: true,
          }),
        ],
        local: true,
      },
    ],
  };
}
