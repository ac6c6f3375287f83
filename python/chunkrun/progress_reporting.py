"""Per-item progress for the runner: JSON lines {"done": n, "total": m} appended to the file
named by CHUNKRUN_PROGRESS_FILE, which the runner tails. Without that variable (a phase run
by hand, or --no-checkpoint) reporting does nothing."""

import atexit
import json
import os
import sys
import time
from typing import Callable, Iterator, Optional

PROGRESS_FILE_ENV = "CHUNKRUN_PROGRESS_FILE"
# A few lines a second keep the runner's view live without a write per item of a fast loop.
MIN_INTERVAL_S = 0.25


class ProgressReporter:
    """Appends progress lines to one file, at most one per min_interval_s, except that the
    first report, a report of done == total, and the last report before exit (flush) are
    always written."""

    def __init__(self, path: str, min_interval_s: float = MIN_INTERVAL_S, clock: Callable[[], float] = time.monotonic):
        self.path = path
        self.min_interval_s = min_interval_s
        self.clock = clock
        self._last_write: Optional[float] = None
        self._unwritten: Optional[dict] = None
        self._broken = False

    def report(self, done: int, total: Optional[int] = None) -> None:
        entry = {"done": done, "total": total}
        now = self.clock()
        finished = total is not None and done >= total
        if finished or self._last_write is None or now - self._last_write >= self.min_interval_s:
            self._append(entry)
            self._last_write = now
            self._unwritten = None
        else:
            self._unwritten = entry

    def flush(self) -> None:
        if self._unwritten is not None:
            self._append(self._unwritten)
            self._unwritten = None

    def _append(self, entry: dict) -> None:
        if self._broken:
            return
        line = (json.dumps(entry) + "\n").encode()
        try:
            # One write() on an O_APPEND descriptor: the reader never sees two lines interleaved.
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, line)
            finally:
                os.close(fd)
        except OSError as error:
            # Progress is a view; losing it must not fail the work it describes.
            self._broken = True
            print(f"chunkrun: cannot write progress to {self.path}: {error}; progress reporting is off", file=sys.stderr)


_reporter: Optional[ProgressReporter] = None


def _reporter_for_env() -> Optional[ProgressReporter]:
    global _reporter
    path = os.environ.get(PROGRESS_FILE_ENV)
    if not path:
        return None
    if _reporter is None or _reporter.path != path:
        if _reporter is not None:
            _reporter.flush()
        _reporter = ProgressReporter(path)
    return _reporter


def flush_progress() -> None:
    """Writes the last throttled report, if any (a worker calls this at the end of each chunk)."""
    if _reporter is not None:
        _reporter.flush()


atexit.register(flush_progress)


def progress(done: int, total: Optional[int] = None) -> None:
    """Reports that done items (of total, when known) of this chunk are finished."""
    reporter = _reporter_for_env()
    if reporter is not None:
        reporter.report(done, total)


def items(start: int, end: int) -> Iterator[int]:
    """The indices start..end inclusive, reporting progress as each one's loop body finishes."""
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    return _indices_reporting_progress(start, end)


def _indices_reporting_progress(start: int, end: int) -> Iterator[int]:
    total = end - start + 1
    progress(0, total)
    for done, index in enumerate(range(start, end + 1), 1):
        yield index
        # Reached when the caller asks for the next index, i.e. once this one's work is done.
        progress(done, total)
