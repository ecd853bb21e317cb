"""Where documents are made: worker processes the press can stop.

A template, a stylesheet or an image can make Python or WeasyPrint work for
hours inside one C call, or ask for gigabytes, and no exception handler or
signal inside the process can stop that. So every document, with ``--jobs 1``
and in ``check`` as well, is made in a child process with a ceiling on its
memory, and the parent kills it when it runs past its time. The document
fails with a message naming the limit; a fresh worker takes the next one.

Workers are forked from the process that planned the build, after it has
imported WeasyPrint, so they start warm and share the loaded project. Each
keeps its renderer and typesetter for up to ``DOCUMENTS_PER_WORKER``
documents; then it is replaced, because Pango keeps a little native memory
per document and a fresh process is the only way to give it back.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Protocol

from .errors import LimitError

DOCUMENTS_PER_WORKER = 100


@dataclass(frozen=True)
class Limits:
    """What one document may use before it is stopped."""

    seconds: float = 60.0
    memory_mib: int = 1024
    """How much the worker's address space may grow while it makes documents."""

    def time_exceeded(self) -> LimitError:
        return LimitError(f"stopped after {self.seconds:g} s, the time limit for one document (--timeout)")

    def memory_exceeded(self) -> LimitError:
        return LimitError(f"needed more than {self.memory_mib} MiB, the memory limit for one document (--memory-limit)")


class Builder(Protocol):
    def build(self, job: Any) -> Any: ...


def run_documents(
    jobs: Sequence[Any],
    make_builder: Callable[[], Builder],
    failed: Callable[[Any, LimitError], Any],
    workers: int,
    limits: Limits,
    stop_early: Callable[[Any], bool] = lambda result: False,
) -> Iterator[Any]:
    """Make every job in a worker process; yield each result as it arrives.

    ``failed(job, error)`` makes the result for a job whose worker was
    stopped or died. After a result for which ``stop_early`` is true, no new
    job is started; those in flight finish.
    """
    if not jobs:
        return
    context = multiprocessing.get_context("fork")
    pending = deque(range(len(jobs)))
    idle: list[_Worker] = []
    busy: list[_Worker] = []
    size = max(1, min(workers, len(jobs)))
    stopping = False
    try:
        while True:
            while not stopping and pending and len(busy) < size:
                worker = idle.pop() if idle else _Worker.start(context, jobs, make_builder, limits, idle + busy)
                worker.assign(pending.popleft(), limits)
                busy.append(worker)
            if not busy:
                return
            timeout = max(0.0, min(worker.deadline for worker in busy) - time.monotonic())
            ready = set(wait([c for w in busy for c in (w.connection, w.process.sentinel)], timeout))
            for worker in list(busy):
                result = None
                if worker.connection in ready:
                    result = worker.receive()
                if result is None and (worker.connection in ready or worker.process.sentinel in ready):
                    result = failed(jobs[worker.job], _died(worker, limits))
                    worker.dead = True
                elif result is None and time.monotonic() >= worker.deadline:
                    worker.kill()
                    result = failed(jobs[worker.job], limits.time_exceeded())
                if result is None:
                    continue
                busy.remove(worker)
                worker.job = None
                if worker.dead or worker.done >= DOCUMENTS_PER_WORKER or getattr(result, "fatal", False):
                    worker.stop()
                else:
                    idle.append(worker)
                if stop_early(result):
                    stopping = True
                yield result
    finally:
        for worker in idle + busy:
            worker.stop()


class _Worker:
    def __init__(self, process: multiprocessing.process.BaseProcess, connection: Connection):
        self.process = process
        self.connection = connection
        self.job: int | None = None
        self.deadline = 0.0
        self.done = 0
        self.dead = False

    @classmethod
    def start(
        cls, context, jobs: Sequence[Any], make_builder: Callable[[], Builder], limits: Limits, others: list[_Worker]
    ) -> _Worker:
        parent_end, child_end = context.Pipe()
        inherited = [parent_end] + [worker.connection for worker in others]
        process = context.Process(target=_serve, args=(child_end, inherited, jobs, make_builder, limits), daemon=True)
        process.start()
        child_end.close()
        return cls(process, parent_end)

    def assign(self, job: int, limits: Limits) -> None:
        self.job = job
        self.deadline = time.monotonic() + limits.seconds
        self.connection.send(job)

    def receive(self) -> Any:
        try:
            result = self.connection.recv()
        except (EOFError, OSError):
            return None
        self.done += 1
        return result

    def kill(self) -> None:
        self.dead = True
        if self.process.is_alive():
            self.process.kill()

    def stop(self) -> None:
        try:
            if not self.dead and self.process.is_alive():
                self.connection.send(None)
        except OSError:
            pass
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.connection.close()


def _died(worker: _Worker, limits: Limits) -> LimitError:
    worker.process.join(timeout=5)
    code = worker.process.exitcode
    how = f"with status {code}" if code is None or code >= 0 else f"by signal {signal.Signals(-code).name}"
    return LimitError(
        f"the process making it ended {how}; it may have needed more than {limits.memory_mib} MiB, "
        "the memory limit for one document (--memory-limit)"
    )


def _serve(
    connection: Connection,
    inherited: list[Connection],
    jobs: Sequence[Any],
    make_builder: Callable[[], Builder],
    limits: Limits,
) -> None:
    """The worker's loop: a job index in, a result out, until told to stop.

    The worker closes the parent's ends of every pipe it inherited, so that
    each worker sees the end of its pipe when the parent goes, and it dies
    with the parent, so that a killed build leaves no worker holding the
    output folder's lock.
    """
    _die_with_parent()
    for other in inherited:
        other.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    _limit_memory(limits.memory_mib)
    builder = make_builder()
    while True:
        try:
            index = connection.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if index is None:
            return
        result = builder.build(jobs[index])
        connection.send(result)
        if getattr(result, "fatal", False):
            return


def _die_with_parent() -> None:
    """On Linux, ask the kernel to kill this worker when the process that started it dies."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the worker still ends when its pipe closes
        pass
    parent = multiprocessing.parent_process()
    if parent is not None and os.getppid() != parent.pid:  # the parent died before the request was made
        os._exit(1)


def _limit_memory(mib: int) -> None:
    """Let the address space grow by ``mib`` from where it is now; beyond that, allocations fail."""
    try:
        import resource
    except ImportError:  # not on every platform; the time limit still holds
        return
    allowance = mib * 1024 * 1024
    ceiling = _address_space_bytes() + allowance
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        ceiling = min(ceiling, hard)
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, hard))


def _address_space_bytes() -> int:
    try:
        with open(f"/proc/{os.getpid()}/statm") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0
