"""Synthetic phase for bench/schedule.mjs: sleeps each item's cost, writes one row per item.

Cost of item i on device d, in ms: BENCH_BASE_MS, times BENCH_SLOW_FACTOR when i is one of the
slow items (BENCH_SLOW_EVERY-th index below BENCH_SLOW_BELOW), times 2 on BENCH_SLOW_DEVICE.
Sleeps to deadlines, so per-item timer slack does not add up. Appends one JSON line
{"device", "start", "end", "t0", "t1"} (wall-clock seconds) to BENCH_RECORD.
"""

import argparse
import json
import os
import time


def item_cost_ms(index: int, device: str, env=os.environ) -> float:
    cost = float(env["BENCH_BASE_MS"])
    if index < int(env["BENCH_SLOW_BELOW"]) and index % int(env["BENCH_SLOW_EVERY"]) == 0:
        cost *= float(env["BENCH_SLOW_FACTOR"])
    if device == env.get("BENCH_SLOW_DEVICE"):
        cost *= 2
    return cost


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--start", type=int, required=True)
    parser.add_argument("--end", type=int, required=True)
    parser.add_argument("--device", required=True)
    args = parser.parse_args()

    t0 = time.time()
    deadline = time.monotonic()
    for index in range(args.start, args.end + 1):
        deadline += item_cost_ms(index, args.device) / 1000
        delay = deadline - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    out_dir = os.environ.get("BENCH_OUTPUT_DIR")
    if out_dir:
        with open(os.path.join(out_dir, f"dataset_bench_{args.start}.jsonl"), "w") as out:
            out.writelines(json.dumps({"index": i}) + "\n" for i in range(args.start, args.end + 1))
    t1 = time.time()

    line = json.dumps({"device": args.device, "start": args.start, "end": args.end, "t0": t0, "t1": t1}) + "\n"
    fd = os.open(os.environ["BENCH_RECORD"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


if __name__ == "__main__":
    main()
