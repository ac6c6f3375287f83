"""Shared test fixtures: clean environments, temp folders, the example phases as
subprocesses, and pyarrow hidden or real."""

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
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


PYARROW_SKIP_REASON = (
    "pyarrow is not installed: the Parquet path of write_rows/read_rows is tested where it is "
    "(pip install pyarrow); the JSONL path is tested here"
)
_skip_reason_printed = False


def requires_pyarrow(test_class):
    """Tests of the Parquet path use the real pyarrow writer; without it they are skipped,
    and the reason is printed once (a quiet unittest run shows only an 's')."""
    if HAS_PYARROW:
        return test_class

    def set_up_class(cls):
        global _skip_reason_printed
        if not _skip_reason_printed:
            sys.stderr.write(f"\nskipping the Parquet-path tests: {PYARROW_SKIP_REASON}\n")
            _skip_reason_printed = True
        raise unittest.SkipTest(PYARROW_SKIP_REASON)

    test_class.setUpClass = classmethod(set_up_class)
    return test_class


def read_jsonl(path: Path) -> List[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
