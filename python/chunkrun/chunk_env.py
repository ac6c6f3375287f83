"""What the runner tells a phase through its environment: the chunk it runs and where its
outputs go."""

import os
from dataclasses import dataclass
from typing import Iterator, Mapping, Optional

from .progress_reporting import items


@dataclass(frozen=True)
class Chunk:
    """One checkpointed chunk: indices start..end inclusive, written into dir."""

    start: int
    end: int
    dir: str
    device: Optional[str]
    attempt: int

    @property
    def size(self) -> int:
        return self.end - self.start + 1

    def items(self) -> Iterator[int]:
        """The indices start..end, reporting progress as each one's loop body finishes."""
        return items(self.start, self.end)


def _int_var(env: Mapping[str, str], name: str, minimum: int) -> int:
    text = env[name]
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{name}={text!r} is not an integer") from None
    if value < minimum:
        raise ValueError(f"{name}={value} is below {minimum}")
    return value


def current_chunk(env: Optional[Mapping[str, str]] = None) -> Optional[Chunk]:
    """The chunk this process runs, or None outside checkpoint mode (no CHUNK_* variables)."""
    env = os.environ if env is None else env
    required = ("CHUNK_START", "CHUNK_END", "CHUNK_DIR")
    present = [name for name in required if env.get(name)]
    if not present:
        return None
    missing = [name for name in required if name not in present]
    if missing:
        raise ValueError(
            f"{', '.join(present)} set but {', '.join(missing)} missing: "
            "set all of CHUNK_START, CHUNK_END, CHUNK_DIR, or none of them"
        )
    start = _int_var(env, "CHUNK_START", 0)
    end = _int_var(env, "CHUNK_END", 0)
    if end < start:
        raise ValueError(f"CHUNK_END={end} is before CHUNK_START={start}")
    # A phase started by hand with only the range set still counts as a first attempt.
    attempt = _int_var(env, "CHUNK_ATTEMPT", 1) if env.get("CHUNK_ATTEMPT") else 1
    return Chunk(start, end, env["CHUNK_DIR"], env.get("CHUNK_DEVICE") or None, attempt)


def output_dir(env_var: str, default: str) -> str:
    """The phase's output folder, created if missing: the runner's env_var when set (the
    chunk dir in checkpoint mode), else the configured default, relative to the working dir."""
    path = os.environ.get(env_var) or default
    os.makedirs(path, exist_ok=True)
    return path
