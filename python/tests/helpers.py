"""Shared test fixtures: clean environments, temp folders, the example phases as
subprocesses, and pyarrow hidden, faked or real."""

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, List, Optional
from unittest import mock

PYTHON_DIR = Path(__file__).resolve().parent.parent
EXAMPLES_DIR = PYTHON_DIR / "examples"
HAS_PYARROW = importlib.util.find_spec("pyarrow") is not None

# Variables the runner or the example knobs set; a test starts with none of them.
RUNNER_VARS = (
    "CHUNK_START", "CHUNK_END", "CHUNK_DIR", "CHUNK_DEVICE", "CHUNK_ATTEMPT",
    "CHUNKRUN_PROGRESS_FILE", "PHASE1_OUTPUT_DIR", "PHASE3_5_OUTPUT_DIR", "CUDA_VISIBLE_DEVICES",
    "CHUNKRUN_EXAMPLE_DELAY", "CHUNKRUN_EXAMPLE_RECORD", "CHUNKRUN_EXAMPLE_FAIL_INDEX",
    "CHUNKRUN_EXAMPLE_FAIL_ATTEMPTS", "CHUNKRUN_EXAMPLE_HANG_INDEX", "CHUNKRUN_EXAMPLE_CRASH_INDEX",
    "CHUNKRUN_EXAMPLE_GARBAGE_INDEX", "CHUNKRUN_EXAMPLE_LOAD", "CHUNKRUN_EXAMPLE_SETUP_RECORD",
    "CHUNKRUN_EXAMPLE_SETUP_FAIL", "CHUNKRUN_EXAMPLE_SETUP_HANG", "CHUNKRUN_WORKER_FD", "CHUNKRUN_PHASE",
)


def clean_env(**extra: str) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in RUNNER_VARS}
    env.update(extra)
    return env


def chunk_vars(start: int, end: int, directory: str, device: str = "gpu0", attempt: int = 1) -> Dict[str, str]:
    return {
        "CHUNK_START": str(start), "CHUNK_END": str(end), "CHUNK_DIR": directory,
        "CHUNK_DEVICE": device, "CHUNK_ATTEMPT": str(attempt),
    }


class TempDirTestCase(unittest.TestCase):
    """Runs each test in a fresh temp dir (also the working dir) with no runner variables set."""

    def setUp(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="chunkrun-test-"))
        self.addCleanup(self._remove_tmp)
        cwd = os.getcwd()
        os.chdir(self.tmp)
        self.addCleanup(os.chdir, cwd)
        env_patch = mock.patch.dict(os.environ, clean_env(), clear=True)
        env_patch.start()
        self.addCleanup(env_patch.stop)

    def _remove_tmp(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


def run_example(script: str, args: List[str], cwd: Path, extra_env: Optional[Dict[str, str]] = None,
                python_path: Optional[List[Path]] = None, timeout: float = 60) -> subprocess.CompletedProcess:
    """Runs an example phase as the runner would: PYTHONPATH has python/ first."""
    path = os.pathsep.join(str(p) for p in (python_path or []) + [PYTHON_DIR])
    env = clean_env(PYTHONPATH=path, CHUNKRUN_EXAMPLE_DELAY="0", PYTHONDONTWRITEBYTECODE="1")
    env.update(extra_env or {})
    return subprocess.run([sys.executable, str(EXAMPLES_DIR / script), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def dataset_files(directory: Path) -> List[Path]:
    return sorted(p for p in directory.iterdir() if p.name.startswith("dataset_"))


@contextmanager
def pyarrow_hidden() -> Iterator[None]:
    """`import pyarrow` fails inside, as on a machine without it."""
    with mock.patch.dict(sys.modules, {"pyarrow": None, "pyarrow.parquet": None, "pyarrow.compute": None}):
        yield


FAKE_PYARROW = {
    "__init__.py": '''
        """A stand-in for pyarrow that only records what it is asked to write."""


        class Table:
            def __init__(self, columns):
                self.columns = columns

            @classmethod
            def from_pydict(cls, columns):
                return cls(dict(columns))

            @classmethod
            def from_pylist(cls, rows):
                raise AssertionError("from_pylist drops keys missing from the first row")

        from . import parquet
    ''',
    "parquet.py": '''
        import json
        import os

        WRITES = []


        def write_table(table, where, compression=None, **kwargs):
            call = {"where": str(where), "compression": compression, "columns": table.columns, "kwargs": kwargs}
            WRITES.append(call)
            log = os.environ.get("FAKE_PYARROW_LOG")
            if log:
                with open(log, "a") as out:
                    out.write(json.dumps(call) + "\\n")
            with open(where, "wb") as out:
                out.write(b"PAR1" + json.dumps(table.columns).encode() + b"PAR1")
    ''',
}


def make_fake_pyarrow(parent: Path) -> Path:
    """Writes the fake package under parent; returns the folder to put on sys.path."""
    package = parent / "fake_site" / "pyarrow"
    package.mkdir(parents=True)
    for name, source in FAKE_PYARROW.items():
        (package / name).write_text(textwrap.dedent(source))
    return package.parent


@contextmanager
def fake_pyarrow(parent: Path) -> Iterator[object]:
    """The fake package importable as pyarrow (ahead of a real one); yields pyarrow.parquet."""
    site = make_fake_pyarrow(parent)
    with mock.patch.dict(sys.modules), mock.patch.object(sys, "path", [str(site), *sys.path]):
        for name in [n for n in sys.modules if n == "pyarrow" or n.startswith("pyarrow.")]:
            del sys.modules[name]
        import pyarrow.parquet
        yield pyarrow.parquet


def read_jsonl(path: Path) -> List[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
