"""Files that appear whole or not at all: the runner may list the chunk dir at any moment,
and a crash must never leave a half-written file under the final name."""

import os
from contextlib import contextmanager
from typing import Iterator


def temp_path_for(final_path: str) -> str:
    """A hidden sibling of final_path: same filesystem (so rename is atomic) and matched by
    no output glob such as `dataset_*`."""
    directory, name = os.path.split(final_path)
    return os.path.join(directory, f".{name}.{os.getpid()}.tmp")


def _fsync_path(path: str, flags: int) -> None:
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_path(final_path: str) -> Iterator[str]:
    """Yields a temp path to write; on success it is fsynced and renamed to final_path,
    on any error it is removed."""
    temp = temp_path_for(final_path)
    try:
        yield temp
        # Writers such as pyarrow take a path, not our file handle, so sync by reopening.
        _fsync_path(temp, os.O_RDWR)
        os.replace(temp, final_path)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise
    if hasattr(os, "O_DIRECTORY"):
        # The rename is only durable once the directory entry is on disk. Some network and
        # bucket filesystems refuse to sync a directory; the file is in place regardless.
        try:
            _fsync_path(os.path.dirname(final_path) or ".", os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            pass
