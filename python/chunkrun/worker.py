"""Worker mode: load the model once per device, then take chunks as messages.

    from chunkrun.worker import serve

    def setup(ctx):                 # once per worker process: ctx.model, ctx.device, ctx.phase, ctx.args
        return load_model(ctx.model)

    def run_chunk(model, chunk):    # chunk.start, chunk.end (inclusive), chunk.dir, chunk.device, chunk.attempt
        rows = [process(model, i) for i in chunk.items()]
        write_rows(rows, chunk.dir, "sae")

    if __name__ == "__main__":
        serve(setup, run_chunk)

Under chunk-runner with "worker": true on the phase, serve() says "ready" after setup and
then runs every chunk the runner sends, on a socket whose fd is in CHUNKRUN_WORKER_FD (never
stdout: the phase prints freely). For each chunk, os.environ gets the chunk's variables
(CHUNK_*, the output-dir variable) and fd 1/2 go to the chunk's run.log; between chunks they
go to the device's worker log. An exception in run_chunk fails that chunk only; an
exception in setup ends the worker, and the runner fails the device with the log's tail.

Run any other way (by hand, or as a process-mode phase) serve() runs setup and one chunk
from --start/--end, so the same file is still a plain command-line program.
"""

import argparse
import json
import os
import queue
import signal
import sys
import threading
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional

from .chunk_env import Chunk, current_chunk
from .phase_args import PhaseArgumentParser
from .progress_reporting import flush_progress

WORKER_FD_ENV = "CHUNKRUN_WORKER_FD"
PHASE_ENV = "CHUNKRUN_PHASE"


@dataclass(frozen=True)
class WorkerContext:
    """What setup gets: the run's --model, the device, the phase, and the command's other arguments."""

    model: Optional[str]
    device: Optional[str]
    phase: Optional[str]
    args: List[str] = field(default_factory=list)


Setup = Callable[[WorkerContext], Any]
RunChunk = Callable[[Any, Chunk], None]


def serve(setup: Setup, run_chunk: RunChunk, *, argv: Optional[List[str]] = None, default_dir: str = ".") -> None:
    """Runs setup once, then run_chunk(state, chunk) for each chunk the runner sends; without a
    runner (no CHUNKRUN_WORKER_FD), for the one chunk --start/--end names, written to
    $CHUNK_DIR or else default_dir."""
    argv = sys.argv[1:] if argv is None else argv
    fd_text = os.environ.get(WORKER_FD_ENV)
    if not fd_text:
        _serve_once(setup, run_chunk, argv, default_dir)
        return
    try:
        fd = int(fd_text)
        os.fstat(fd)
    except (ValueError, OSError):
        _usage_error(f"{WORKER_FD_ENV}={fd_text} is not an open file descriptor; a worker is started by chunk-runner, "
                     f"run by hand it needs --start and --end and no {WORKER_FD_ENV}")
    _WorkerLoop(fd, setup, run_chunk, _worker_context(argv)).run()


def _usage_error(message: str) -> None:
    print(f"{os.path.basename(sys.argv[0]) or 'worker'}: error: {message}", file=sys.stderr)
    sys.exit(2)


def _worker_context(argv: List[str]) -> WorkerContext:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--model", default=None)
    known, rest = parser.parse_known_args(argv)
    return WorkerContext(known.model or None, os.environ.get("CHUNK_DEVICE") or None, os.environ.get(PHASE_ENV) or None, rest)


def _serve_once(setup: Setup, run_chunk: RunChunk, argv: List[str], default_dir: str) -> None:
    if not any(arg == "--start" or arg.startswith("--start=") for arg in argv):
        _usage_error(f"not started as a chunkrun worker ({WORKER_FD_ENV} is not set), so it runs one range: "
                     "give --start N --end M, or run it with the launcher on a phase with \"worker\": true")
    parser = PhaseArgumentParser(prog=os.path.basename(sys.argv[0]) or None)
    args, rest = parser.parse_known_args(argv)
    chunk = current_chunk()
    if chunk is None or (chunk.start, chunk.end) != (args.start, args.end):
        os.makedirs(default_dir, exist_ok=True)
        chunk = Chunk(args.start, args.end, default_dir, os.environ.get("CHUNK_DEVICE") or None, 1)
    ctx = WorkerContext(args.model or None, chunk.device, os.environ.get(PHASE_ENV) or None, rest)
    run_chunk(setup(ctx), chunk)
    flush_progress()


class _WorkerLoop:
    def __init__(self, fd: int, setup: Setup, run_chunk: RunChunk, ctx: WorkerContext):
        self.fd = fd
        self.setup = setup
        self.run_chunk = run_chunk
        self.ctx = ctx
        self.inbox: "queue.Queue[Optional[dict]]" = queue.Queue()
        # Where fd 1/2 point between chunks: the worker log the runner opened for us.
        self.worker_out = os.dup(1)
        self.worker_err = os.dup(2)
        os.set_inheritable(fd, False)

    def run(self) -> None:
        threading.Thread(target=self._read_messages, name="chunkrun-worker-reader", daemon=True).start()
        state = self.setup(self.ctx)
        _flush_std()
        self._send({"type": "ready"})
        while True:
            message = self.inbox.get()
            if message is None:
                return
            self._send(self._run_one(state, message))

    def _read_messages(self) -> None:
        pending = b""
        while True:
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                data = b""
            if not data:
                self._runner_gone()
                return
            pending += data
            *lines, pending = pending.split(b"\n")
            for line in lines:
                if line.strip():
                    self.inbox.put(_decode(line))

    def _runner_gone(self) -> None:
        """The socket closed: the runner is gone, and nobody will take this worker's results.
        A chunk still running stops now, with anything it started."""
        if os.getpgrp() == os.getpid():
            os.killpg(os.getpid(), signal.SIGKILL)
        os._exit(1)

    def _send(self, message: dict) -> None:
        data = (json.dumps(message) + "\n").encode()
        while data:
            data = data[os.write(self.fd, data):]

    def _run_one(self, state: Any, message: Dict[str, Any]) -> dict:
        if message.get("type") != "chunk":
            return {"type": "error", "message": f"the worker cannot read the runner's message: {message.get('line', message)!r}"}
        chunk_env: Dict[str, str] = message["env"]
        saved_env = {key: os.environ.get(key) for key in chunk_env}
        os.environ.update(chunk_env)
        chunk = Chunk(message["start"], message["end"], message["dir"], message["device"], message["attempt"])
        self._output_to(_open_log(message["log"]))
        try:
            self.run_chunk(state, chunk)
            reply = {"type": "done"}
        except SystemExit as exit:
            reply = {"type": "done"} if exit.code in (None, 0) else {"type": "error", "message": f"run_chunk exited with {exit.code}"}
        except Exception as error:
            traceback.print_exc()
            first_line = (str(error).splitlines() or [""])[0]
            reply = {"type": "error", "message": f"{type(error).__name__}: {first_line}" if first_line else type(error).__name__}
        finally:
            flush_progress()
            self._output_to(None)
            for key, value in saved_env.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        return reply

    def _output_to(self, log_fd: Optional[int]) -> None:
        """fd 1 and 2 onto the chunk's log (log_fd, closed here), or back onto the worker log."""
        _flush_std()
        os.dup2(self.worker_out if log_fd is None else log_fd, 1)
        os.dup2(self.worker_err if log_fd is None else log_fd, 2)
        if log_fd is not None:
            os.close(log_fd)


def _decode(line: bytes) -> dict:
    try:
        message = json.loads(line)
    except ValueError:
        message = None
    # Answered with an error, so the runner fails the attempt instead of waiting for a reply.
    return message if isinstance(message, dict) else {"type": "unreadable", "line": line.decode(errors="replace")[:200]}


def _open_log(path: str) -> int:
    return os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)


def _flush_std() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
