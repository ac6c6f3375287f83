"""Knobs of the example phases, all through the environment, so the runner's tests can drive
the real phases into trouble:

  CHUNKRUN_EXAMPLE_DELAY=SECONDS     work per item (simulated GPU time; default 0.005);
                                     the --delay argument overrides it
  CHUNKRUN_EXAMPLE_RECORD=PATH       at start, append one JSON line per invocation:
                                     {"phase", "start", "end", "device", "attempt",
                                      "cuda_visible_devices", "pid"} (O_APPEND, one write)
  CHUNKRUN_EXAMPLE_FAIL_ATTEMPTS=N   exit 3 at start while CHUNK_ATTEMPT <= N (unless an
                                     index knob below is set: then it limits that one)
                                     (no CHUNK_ATTEMPT, as with --no-checkpoint, counts as 1)
  CHUNKRUN_EXAMPLE_FAIL_INDEX=I      exit 3 on reaching index I, after the items before it;
                                     with FAIL_ATTEMPTS also set, only on those attempts
  CHUNKRUN_EXAMPLE_HANG_INDEX=I      sleep forever on reaching index I; with FAIL_ATTEMPTS
                                     also set, only on those attempts
  CHUNKRUN_EXAMPLE_CRASH_INDEX=I     kill -9 its own process on reaching index I; with
                                     FAIL_ATTEMPTS also set, only on those attempts
  CHUNKRUN_EXAMPLE_GARBAGE_INDEX=I   a worker writes a line that is not a protocol message
                                     on its protocol socket on reaching index I; with
                                     FAIL_ATTEMPTS also set, only on those attempts

Worker variants only (setup runs once per worker process):
  CHUNKRUN_EXAMPLE_LOAD=SECONDS      simulated model load in setup (default 2); the
                                     --load argument overrides it
  CHUNKRUN_EXAMPLE_SETUP_RECORD=PATH append {"phase", "device", "pid"} per setup
  CHUNKRUN_EXAMPLE_SETUP_FAIL=1      setup raises an error
  CHUNKRUN_EXAMPLE_SETUP_HANG=1      setup never finishes

Failures print one line naming the knob to stderr and write no dataset file.
"""

import argparse
import json
import os
import signal
import sys
import time
from typing import Mapping, Optional

DEFAULT_DELAY_S = 0.005
DEFAULT_LOAD_S = 2.0
SIMULATED_FAILURE_EXIT = 3


def _env_int(env: Mapping[str, str], name: str) -> Optional[int]:
    text = env.get(name)
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        print(f"{name}={text} is not an integer", file=sys.stderr)
        sys.exit(2)


def default_delay(env: Mapping[str, str] = os.environ) -> float:
    text = env.get("CHUNKRUN_EXAMPLE_DELAY")
    if not text:
        return DEFAULT_DELAY_S
    try:
        return float(text)
    except ValueError:
        print(f"CHUNKRUN_EXAMPLE_DELAY={text} is not a number of seconds", file=sys.stderr)
        sys.exit(2)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text} is not a number of seconds") from None
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"{text} must be 0 or more seconds")
    return value


def add_delay_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--delay", type=_seconds, default=default_delay(),
                        help="seconds of simulated work per item (default: $CHUNKRUN_EXAMPLE_DELAY or 0.005)")


def add_load_argument(parser: argparse.ArgumentParser) -> None:
    load = os.environ.get("CHUNKRUN_EXAMPLE_LOAD")
    parser.add_argument("--load", type=_seconds, default=_seconds(load) if load else DEFAULT_LOAD_S,
                        help="seconds of simulated model load in setup (default: $CHUNKRUN_EXAMPLE_LOAD or 2)")


def _append_line(path: str, entry: dict) -> None:
    # One write() on O_APPEND: concurrent phases never interleave their lines.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (json.dumps(entry) + "\n").encode())
    finally:
        os.close(fd)


class ExampleKnobs:
    def __init__(self, phase: str, env: Mapping[str, str] = os.environ):
        self.phase = phase
        self.env = env
        self.attempt = _env_int(env, "CHUNK_ATTEMPT") or 1
        self.fail_attempts = _env_int(env, "CHUNKRUN_EXAMPLE_FAIL_ATTEMPTS")
        self.fail_index = _env_int(env, "CHUNKRUN_EXAMPLE_FAIL_INDEX")
        self.hang_index = _env_int(env, "CHUNKRUN_EXAMPLE_HANG_INDEX")
        self.crash_index = _env_int(env, "CHUNKRUN_EXAMPLE_CRASH_INDEX")
        self.garbage_index = _env_int(env, "CHUNKRUN_EXAMPLE_GARBAGE_INDEX")

    def _failing_attempt(self) -> bool:
        return self.fail_attempts is None or self.attempt <= self.fail_attempts

    def _fail(self, why: str) -> None:
        print(f"phase{self.phase}: simulated failure {why}", file=sys.stderr)
        sys.exit(SIMULATED_FAILURE_EXIT)

    def at_start(self, start: int, end: int) -> None:
        """Records the invocation, then fails it when FAIL_ATTEMPTS alone says so."""
        self._record(start, end)
        index_knobs = (self.fail_index, self.hang_index, self.crash_index, self.garbage_index)
        if self.fail_attempts is not None and all(knob is None for knob in index_knobs) and self._failing_attempt():
            self._fail(f"on attempt {self.attempt} (CHUNKRUN_EXAMPLE_FAIL_ATTEMPTS={self.fail_attempts})")

    def at_setup(self) -> None:
        """Records the setup, then fails or hangs it when the SETUP knobs say so."""
        path = self.env.get("CHUNKRUN_EXAMPLE_SETUP_RECORD")
        if path:
            _append_line(path, {"phase": self.phase, "device": self.env.get("CHUNK_DEVICE"), "pid": os.getpid()})
        if self.env.get("CHUNKRUN_EXAMPLE_SETUP_FAIL"):
            raise RuntimeError("simulated setup failure (CHUNKRUN_EXAMPLE_SETUP_FAIL)")
        if self.env.get("CHUNKRUN_EXAMPLE_SETUP_HANG"):
            print(f"phase{self.phase}: setup hanging (CHUNKRUN_EXAMPLE_SETUP_HANG)", file=sys.stderr, flush=True)
            while True:
                time.sleep(3600)

    def at_index(self, index: int) -> None:
        if index == self.crash_index and self._failing_attempt():
            print(f"phase{self.phase}: killing itself at index {index} (CHUNKRUN_EXAMPLE_CRASH_INDEX={index})", file=sys.stderr, flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
        if index == self.garbage_index and self._failing_attempt():
            os.write(int(self.env["CHUNKRUN_WORKER_FD"]), b"this is not a protocol message\n")
        if index == self.fail_index and self._failing_attempt():
            self._fail(f"at index {index} (CHUNKRUN_EXAMPLE_FAIL_INDEX={self.fail_index})")
        if index == self.hang_index and self._failing_attempt():
            print(f"phase{self.phase}: hanging at index {index} (CHUNKRUN_EXAMPLE_HANG_INDEX={index})", file=sys.stderr, flush=True)
            while True:
                time.sleep(3600)

    def _record(self, start: int, end: int) -> None:
        path = self.env.get("CHUNKRUN_EXAMPLE_RECORD")
        if not path:
            return
        entry = {
            "phase": self.phase,
            "start": start,
            "end": end,
            "device": self.env.get("CHUNK_DEVICE"),
            "attempt": _env_int(self.env, "CHUNK_ATTEMPT"),
            "cuda_visible_devices": self.env.get("CUDA_VISIBLE_DEVICES"),
            "pid": os.getpid(),
        }
        _append_line(path, entry)
