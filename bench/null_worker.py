"""Null worker phase for bench/worker.mjs: no setup, no work, one tiny output file per chunk
(so a chunk can commit). Run with --start/--end it is the same null phase in process mode."""

import os

from chunkrun.worker import serve


def setup(ctx):
    return None


def run_chunk(state, chunk):
    with open(os.path.join(chunk.dir, f"dataset_null_{chunk.start}.jsonl"), "w") as out:
        out.write('{"index": %d}\n' % chunk.start)


if __name__ == "__main__":
    serve(setup, run_chunk)
