"""bench/skewed_phase.py as a worker, for the makespan of worker mode in bench/worker.mjs:
the same item costs, the same output and record line per chunk."""

import json
import os
import time

from chunkrun.worker import serve
from skewed_phase import item_cost_ms


def setup(ctx):
    return ctx.device


def run_chunk(device, chunk):
    t0 = time.time()
    deadline = time.monotonic()
    for index in range(chunk.start, chunk.end + 1):
        deadline += item_cost_ms(index, device) / 1000
        delay = deadline - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    with open(os.path.join(chunk.dir, f"dataset_bench_{chunk.start}.jsonl"), "w") as out:
        out.writelines(json.dumps({"index": i}) + "\n" for i in range(chunk.start, chunk.end + 1))
    t1 = time.time()
    line = json.dumps({"device": device, "start": chunk.start, "end": chunk.end, "t0": t0, "t1": t1}) + "\n"
    fd = os.open(os.environ["BENCH_RECORD"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


if __name__ == "__main__":
    serve(setup, run_chunk)
