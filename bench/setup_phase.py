"""A phase with a model to load, for bench/worker.mjs: setup sleeps BENCH_SETUP_S, each item
BENCH_ITEM_MS; one row per item. The same file runs as a worker or, with --start/--end, as a
process-mode phase that loads its model for every chunk."""

import json
import os
import time

from chunkrun.worker import serve


def setup(ctx):
    time.sleep(float(os.environ["BENCH_SETUP_S"]))
    return float(os.environ["BENCH_ITEM_MS"]) / 1000


def run_chunk(item_seconds, chunk):
    deadline = time.monotonic()
    for _ in chunk.items():
        deadline += item_seconds
        time.sleep(max(0.0, deadline - time.monotonic()))
    with open(os.path.join(chunk.dir, f"dataset_bench_{chunk.start}.jsonl"), "w") as out:
        out.writelines(json.dumps({"index": i}) + "\n" for i in range(chunk.start, chunk.end + 1))


if __name__ == "__main__":
    serve(setup, run_chunk)
