"""pyarrow is optional: looked up at call time, so tests can hide it or swap in a fake."""

from types import ModuleType
from typing import Optional, Tuple


def load_pyarrow() -> Optional[Tuple[ModuleType, ModuleType]]:
    """(pyarrow, pyarrow.parquet) when importable, else None."""
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        return None
    return pyarrow, pyarrow.parquet
