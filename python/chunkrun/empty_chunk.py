"""mark_empty: a phase's explicit word that its chunk has no rows. Without it, a chunk whose
outputs hold no rows is a failed attempt: silence is not success."""

import json
import os
from typing import Optional

from .atomic_file import atomic_path
from .chunk_env import current_chunk

EMPTY_FILE = "_EMPTY"


def mark_empty(reason: str = "", chunk_dir: Optional[str] = None) -> str:
    """Declares the current chunk (or chunk_dir) empty, with a reason for the record; returns
    the marker's path. The runner then commits the chunk with 0 rows and no outputs required."""
    if chunk_dir is None:
        chunk = current_chunk()
        if chunk is None:
            raise RuntimeError("mark_empty() outside a chunk: no CHUNK_DIR in the environment; pass chunk_dir=")
        chunk_dir = chunk.dir
    os.makedirs(chunk_dir, exist_ok=True)
    path = os.path.join(chunk_dir, EMPTY_FILE)
    with atomic_path(path) as temp:
        with open(temp, "w", encoding="utf-8") as out:
            json.dump({"reason": reason}, out)
    return path
