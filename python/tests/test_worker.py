"""chunkrun.worker.serve as the runner drives it: a real worker process, a real socket at
the fd named by CHUNKRUN_WORKER_FD, real log files."""

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Optional

from tests.helpers import PYTHON_DIR, TempDirTestCase, clean_env

WORKER_SOURCE = '''
import os, sys
from chunkrun.worker import serve

def setup(ctx):
    print("setting up", ctx.model, ctx.device, ctx.phase, ctx.args)
    if os.environ.get("FAIL_SETUP"):
        raise RuntimeError("no such model")
    return {"setups": 1}

def run_chunk(state, chunk):
    print("chunk", chunk.start, chunk.end, chunk.dir, chunk.device, chunk.attempt, os.environ.get("CHUNK_DIR"))
    print("to stderr", file=sys.stderr)
    for index in chunk.items():
        if index == 13:
            raise ValueError("index 13 is unlucky")
        if index == 66:
            sys.exit(4)
    with open(os.path.join(chunk.dir, "out.txt"), "w") as out:
        out.write(f"{chunk.start}-{chunk.end}")

if __name__ == "__main__":
    serve(setup, run_chunk)
'''


class RunningWorker:
    """A worker started as chunk-runner starts one: stdout/stderr on the worker log, a socket at fd 3."""

    def __init__(self, tmp: Path, script: Path, extra_env: Optional[dict] = None):
        self.ours, theirs = socket.socketpair()
        self.log = tmp / "worker.log"
        env = clean_env(PYTHONPATH=str(PYTHON_DIR), CHUNKRUN_WORKER_FD=str(theirs.fileno()), CHUNKRUN_PHASE="7",
                        CHUNK_DEVICE="gpu3", PYTHONUNBUFFERED="1", **(extra_env or {}))
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen([sys.executable, str(script), "--model", "tiny", "--beam", "4"], env=env,
                                            stdout=log, stderr=log, pass_fds=(theirs.fileno(),), start_new_session=True)
        theirs.close()
        self.reader = self.ours.makefile("rb")

    def receive(self) -> Optional[dict]:
        line = self.reader.readline()
        return json.loads(line) if line else None

    def send_chunk(self, start: int, end: int, directory: Path, log: Path, attempt: int = 1, env: Optional[dict] = None) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        if env is None:
            env = {"CHUNK_START": str(start), "CHUNK_END": str(end), "CHUNK_DIR": str(directory),
                   "CHUNKRUN_PROGRESS_FILE": str(directory / ".progress")}
        message = {"type": "chunk", "start": start, "end": end, "dir": str(directory), "device": "gpu3",
                   "attempt": attempt, "log": str(log), "env": env}
        self.ours.sendall((json.dumps(message) + "\n").encode())

    def close_socket(self) -> None:
        self.reader.close()
        self.ours.close()

    def stop(self) -> None:
        self.close_socket()
        self.process.wait(timeout=10)


class WorkerServeTest(TempDirTestCase):
    def setUp(self):
        super().setUp()
        self.script = self.tmp / "my_worker.py"
        self.script.write_text(textwrap.dedent(WORKER_SOURCE))

    def start(self, **env) -> RunningWorker:
        worker = RunningWorker(self.tmp, self.script, env)
        self.addCleanup(worker.close_socket)
        self.addCleanup(lambda: worker.process.poll() is None and worker.process.kill())
        return worker

    def test_ready_after_setup_then_chunks_with_their_own_env_and_log(self):
        worker = self.start()
        self.assertEqual(worker.receive(), {"type": "ready"})
        self.assertIn("setting up tiny gpu3 7 ['--beam', '4']", worker.log.read_text())
        for start, end in ((0, 9), (20, 29)):
            chunk_dir = self.tmp / f"c{start}"
            worker.send_chunk(start, end, chunk_dir, chunk_dir / "run.log")
            self.assertEqual(worker.receive(), {"type": "done"})
            self.assertEqual((chunk_dir / "out.txt").read_text(), f"{start}-{end}")
            self.assertEqual((chunk_dir / "run.log").read_text(),
                             f"chunk {start} {end} {chunk_dir} gpu3 1 {chunk_dir}\nto stderr\n")
            progress = [json.loads(line) for line in (chunk_dir / ".progress").read_text().splitlines()]
            self.assertEqual(progress[-1], {"done": 10, "total": 10})
        self.assertNotIn("chunk ", worker.log.read_text())
        # A chunk's variables are gone after it: the next chunk without them does not see them.
        worker.send_chunk(40, 41, self.tmp / "bare", self.tmp / "bare" / "run.log", attempt=2, env={})
        self.assertEqual(worker.receive(), {"type": "done"})
        self.assertEqual((self.tmp / "bare" / "run.log").read_text(), f"chunk 40 41 {self.tmp / 'bare'} gpu3 2 None\nto stderr\n")
        worker.stop()

    def test_an_exception_fails_the_chunk_and_the_worker_goes_on(self):
        worker = self.start()
        self.assertEqual(worker.receive(), {"type": "ready"})
        worker.send_chunk(10, 19, self.tmp / "bad", self.tmp / "bad" / "run.log")
        self.assertEqual(worker.receive(), {"type": "error", "message": "ValueError: index 13 is unlucky"})
        self.assertIn("Traceback", (self.tmp / "bad" / "run.log").read_text())
        worker.send_chunk(60, 69, self.tmp / "exit", self.tmp / "exit" / "run.log")
        self.assertEqual(worker.receive(), {"type": "error", "message": "run_chunk exited with 4"})
        worker.send_chunk(0, 5, self.tmp / "good", self.tmp / "good" / "run.log")
        self.assertEqual(worker.receive(), {"type": "done"})
        worker.stop()

    def test_an_unreadable_message_is_answered_with_an_error(self):
        worker = self.start()
        self.assertEqual(worker.receive(), {"type": "ready"})
        worker.ours.sendall(b"not json\n")
        reply = worker.receive()
        self.assertEqual(reply["type"], "error")
        self.assertIn("cannot read the runner's message: 'not json'", reply["message"])
        worker.send_chunk(0, 1, self.tmp / "after", self.tmp / "after" / "run.log")
        self.assertEqual(worker.receive(), {"type": "done"})
        worker.stop()

    def test_a_failing_setup_ends_the_worker_without_ready(self):
        worker = self.start(FAIL_SETUP="1")
        self.assertIsNone(worker.receive())
        self.assertNotEqual(worker.process.wait(timeout=10), 0)
        self.assertIn("RuntimeError: no such model", worker.log.read_text())

    def test_the_runner_gone_ends_the_worker_even_mid_chunk(self):
        self.script.write_text(textwrap.dedent(WORKER_SOURCE).replace(
            'print("to stderr", file=sys.stderr)', 'import time; time.sleep(3600)'))
        worker = self.start()
        self.assertEqual(worker.receive(), {"type": "ready"})
        worker.send_chunk(0, 9, self.tmp / "slow", self.tmp / "slow" / "run.log")
        time.sleep(0.3)
        worker.close_socket()
        self.assertEqual(worker.process.wait(timeout=10), -9)


class ServeWithoutRunnerTest(TempDirTestCase):
    def run_script(self, *args: str, **env: str) -> subprocess.CompletedProcess:
        script = self.tmp / "my_worker.py"
        script.write_text(textwrap.dedent(WORKER_SOURCE))
        return subprocess.run([sys.executable, str(script), *args], cwd=self.tmp, capture_output=True, text=True,
                              env=clean_env(PYTHONPATH=str(PYTHON_DIR), **env), timeout=60)

    def test_runs_one_range_as_a_plain_command(self):
        result = self.run_script("--start", "0", "--end", "4", "--model", "tiny", "--beam", "2")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("setting up tiny None None ['--beam', '2']", result.stdout)
        self.assertIn("chunk 0 4 . None 1", result.stdout)
        self.assertEqual((self.tmp / "out.txt").read_text(), "0-4")

    def test_as_a_process_mode_phase_it_takes_the_chunk_from_the_env(self):
        chunk_dir = self.tmp / "chunk"
        chunk_dir.mkdir()
        result = self.run_script("--start", "5", "--end", "9", CHUNK_START="5", CHUNK_END="9", CHUNK_DIR=str(chunk_dir),
                                 CHUNK_DEVICE="cpu1", CHUNK_ATTEMPT="2")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn(f"chunk 5 9 {chunk_dir} cpu1 2", result.stdout)
        self.assertEqual((chunk_dir / "out.txt").read_text(), "5-9")

    def test_without_a_range_one_line_says_how_to_run_it(self):
        result = self.run_script("--model", "tiny")
        self.assertEqual(result.returncode, 2)
        self.assertEqual(len(result.stderr.strip().splitlines()), 1, result.stderr)
        self.assertIn("not started as a chunkrun worker (CHUNKRUN_WORKER_FD is not set)", result.stderr)
        self.assertIn("give --start N --end M", result.stderr)

    def test_a_bad_worker_fd_is_one_line(self):
        result = self.run_script(CHUNKRUN_WORKER_FD="97")
        self.assertEqual(result.returncode, 2)
        self.assertEqual(len(result.stderr.strip().splitlines()), 1, result.stderr)
        self.assertIn("CHUNKRUN_WORKER_FD=97 is not an open file descriptor", result.stderr)
