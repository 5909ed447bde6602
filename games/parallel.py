"""Independent tasks spread over worker processes, with the answers in the order asked.

A comparison audits each deal on its own draws, and a long audit splits its draws into
chunks: both are lists of independent tasks whose results do not depend on where they run.
:func:`process_map` runs such a list on ``jobs`` processes. Workers are forked, so they start
with everything the caller has loaded (modules, parsed deals, compiled expressions) and only
an index and the answer cross between processes. Where forking is not the platform's safe
default (anything but Linux), or inside a worker, or for one task, it runs them in turn.

Ctrl-C stops the workers at once and raises :class:`KeyboardInterrupt` in the caller; an
exception in a task stops the tasks after it and is raised again in the caller (the first
failing task's, whichever finished first, as when they run in turn); a worker that dies
(killed, out of memory) raises ``BrokenProcessPool`` instead of leaving the caller waiting.
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import pickle
import select
import signal
import sys
import threading
import time
from contextlib import contextmanager
from collections import deque
from typing import Any, Callable, Iterable, Iterator, Sequence

from games.errors import GameError

__all__ = [
    "available_cores", "jobs_for", "can_fork", "process_map", "process_stream",
    "progress_ticks", "watched",
    "WATCHDOG_SECONDS", "die_with_parent", "call_limited", "result_of", "keep_freed_memory",
]

#: The tasks of the process_map running in this process: set before the workers are forked,
#: so each inherits it and receives only an index.
_RUNNING: tuple[Callable[[Any], Any], Sequence[Any]] | None = None
#: True in a worker process of process_map: a map inside a task runs in turn there.
_IN_WORKER = False
#: Longest wait of the calling thread without a look at its signals (Ctrl-C): a signal the
#: kernel delivers to another thread of the process only marks it, and the main thread runs
#: the handler when it next wakes.
_POLL_SECONDS = 0.2


def available_cores() -> int:
    """The processor cores this process may run on (its affinity where the system says)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def jobs_for(jobs: Any, tasks: int) -> int:
    """How many processes to use: ``jobs`` (0 or None: every core this process may run on),
    never more than those cores (more processes only add memory, not speed) nor than there are
    tasks; 1 runs the tasks in this process.

    >>> jobs_for(1, 8), jobs_for(4, 2), jobs_for(10**6, 10**6) == available_cores()
    (1, 2, True)
    >>> jobs_for(-1, 3)
    Traceback (most recent call last):
    ...
    games.errors.GameError: jobs: expected a whole number >= 0 (0 uses every core), got -1
    """
    if jobs is None:
        jobs = 0
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 0:
        raise GameError(f"jobs: expected a whole number >= 0 (0 uses every core), got {jobs!r}")
    cores = available_cores()
    wanted = cores if jobs == 0 else min(jobs, cores)
    return max(1, min(wanted, tasks))


def can_fork() -> bool:
    """Whether worker processes can be forked here: on Linux, outside a worker process."""
    return (sys.platform.startswith("linux") and not _IN_WORKER
            and "fork" in multiprocessing.get_all_start_methods()
            and not multiprocessing.current_process().daemon)


def process_map(function: Callable[[Any], Any], items: Iterable[Any], jobs: Any = 0, *,
                done: Callable[[int], None] | None = None) -> list[Any]:
    """``[function(item) for item in items]``, computed on up to ``jobs`` processes.

    ``function`` and ``items`` need not pickle (the workers are forked); each answer must.
    ``done(index)`` is called in this process as each task finishes (for a progress bar).

    >>> process_map(abs, [-3, 1, -2], jobs=2)
    [3, 1, 2]
    """
    tasks = list(items)
    workers = jobs_for(jobs, len(tasks))
    if workers == 1 or not can_fork():
        answers = []
        for index, item in enumerate(tasks):
            answers.append(function(item))
            if done is not None:
                done(index)
        return answers
    from concurrent.futures import FIRST_EXCEPTION, wait

    answers: list[Any] = [None] * len(tasks)
    pool, submitted = _forked_pool(workers, function, tasks, range(len(tasks)))
    futures = {future: index for index, future in enumerate(submitted)}
    failed: dict[int, BaseException] = {}
    try:
        pending = set(futures)
        while pending:
            # A timeout, so that this thread wakes to take Ctrl-C: the kernel may hand SIGINT
            # to the pool's own threads, and a wait without one sleeps until a task ends.
            finished, pending = wait(pending, timeout=_POLL_SECONDS,
                                     return_when=FIRST_EXCEPTION)
            for future in sorted(finished, key=futures.__getitem__):
                index = futures[future]
                error = future.exception()
                if error is not None:
                    failed[index] = error
                elif not failed:
                    answers[index] = future.result()
                    if done is not None:
                        done(index)
            if failed:  # the error raised is that of the first failing task, as in turn
                first = min(failed)
                for future in [f for f in pending if futures[f] > first]:
                    future.cancel()
                pending = {f for f in pending if futures[f] < first}
    except BaseException:
        _stop(pool)
        raise
    if failed:
        _stop(pool)
        raise failed[min(failed)]
    pool.shutdown()
    return answers


def process_stream(function: Callable[[Any], Any], items: Iterable[Any], jobs: Any = 0, *,
                   ahead: int | None = None) -> Iterator[Any]:
    """``function(item)`` for each item, yielded in the order of the items, computed on up to
    ``jobs`` forked processes (as :func:`process_map`) with at most ``ahead`` tasks (default
    twice the workers) handed out beyond the one yielded: the answers waiting for the caller
    are bounded by ``ahead``, not by the number of items, so a caller that folds each answer
    into a summary holds a few answers at a time.

    An exception in a task is raised here when its turn comes (the tasks after it are
    stopped); Ctrl-C stops the workers at once; so does closing the generator early (use
    ``contextlib.closing`` or run it to the end).

    >>> list(process_stream(abs, [-3, 1, -2], jobs=2))
    [3, 1, 2]
    """
    tasks = list(items)
    workers = jobs_for(jobs, len(tasks))
    if workers == 1 or not can_fork():
        for item in tasks:
            yield function(item)
        return
    ahead = 2 * workers if ahead is None else max(int(ahead), workers)
    pool, first = _forked_pool(workers, function, tasks, range(min(ahead, len(tasks))))
    futures, handed, ended = deque(first), len(first), False
    try:
        for index in range(len(tasks)):
            answer = result_of(futures.popleft())
            if handed < len(tasks):  # the next task goes out before the caller takes this one
                futures.append(pool.submit(_run, handed))
                handed += 1
            if index == len(tasks) - 1:
                # Every answer is in: the workers end now, not when the caller asks past the
                # last one. A caller that zips the answers with its tasks closes the generator
                # here instead, and stopping the pool then left its manager thread to race the
                # interpreter's exit ("Exception ignored ... Bad file descriptor").
                pool.shutdown()
                ended = True
            yield answer
    except BaseException:  # a task failed, Ctrl-C, or the caller closed the generator early
        if not ended:
            _stop(pool)
        raise


def _forked_pool(workers: int, function: Callable[[Any], Any], tasks: Sequence[Any],
                 first: Iterable[int]) -> tuple[Any, list[Any]]:
    """A pool of ``workers`` forked processes that run ``function(tasks[i])`` given ``i``,
    and the futures of the tasks ``first`` handed out to it (all the workers are forked
    during the first submit, each with a copy of the tasks)."""
    from concurrent.futures import ProcessPoolExecutor

    global _RUNNING
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                               initializer=_start_worker, initargs=(os.getpid(),))
    _RUNNING = (function, tasks)
    # What the caller has made so far is set aside from the collector's passes while the
    # workers are forked (gc.freeze, as Python's documentation advises before a fork): a
    # worker's collections then walk only what it makes itself, not every object it was
    # born with (each of those walks also wrote to the pages the parent shares with it).
    # A caller that froze objects itself keeps its own arrangement.
    freezing = gc.get_freeze_count() == 0
    if freezing:
        gc.freeze()
    try:  # the workers are forked during these submits, each with a copy of _RUNNING
        with _interrupts_held():
            futures = [pool.submit(_run, index) for index in first]
        return pool, futures
    except BaseException:  # Ctrl-C between two forks: the workers already started have
        _stop(pool)        # their tasks and ignore SIGINT, and exit would wait for them
        raise
    finally:
        if freezing:
            gc.unfreeze()  # the caller's objects are collected as before
        _RUNNING = None


@contextmanager
def _interrupts_held() -> Iterator[None]:
    """Ctrl-C during the block is raised when it ends, not where it lands. Python runs the
    handlers registered for a fork (logging's, to release its lock) inside os.fork, and an
    interrupt raised in one of them is only printed ("Exception ignored in ...") and lost:
    the caller went on waiting for its workers. Only in the main thread and over Python's
    own handler (another one is the caller's to keep)."""
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
        yield
        return
    held: list[int] = []
    signal.signal(signal.SIGINT, lambda signum, frame: held.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if held:
        raise KeyboardInterrupt


def result_of(future: Any) -> Any:
    """``future.result()``, waking every :data:`_POLL_SECONDS` so that Ctrl-C is taken at once.

    Any executor's future works (a process pool's, a ``dask.distributed`` client's): while a
    pool's threads run, the kernel may hand SIGINT to one of them, and a thread blocked in
    ``result()`` with no timeout would sleep through it until the task ends.

    >>> from concurrent.futures import ThreadPoolExecutor
    >>> with ThreadPoolExecutor(1) as pool:
    ...     result_of(pool.submit(pow, 2, 5))
    32
    """
    from concurrent.futures import Future, wait

    if isinstance(future, Future):
        while not future.done():
            wait([future], timeout=_POLL_SECONDS)
    elif callable(getattr(future, "done", None)):
        while not future.done():
            time.sleep(_POLL_SECONDS / 4)
    return future.result()


def _stop(pool: Any) -> None:
    """Cancel what has not started and end the workers now (Ctrl-C, or a task failed)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # before shutdown
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14
    if terminate is not None:
        terminate()
    for process in processes:
        process.terminate()
    pool.shutdown(wait=False, cancel_futures=True)


@contextmanager
def progress_ticks(total: int, progress: bool | None, description: str, unit: str
                   ) -> Iterator[Callable[[int], None] | None]:
    """A progress bar to pass as :func:`process_map`'s ``done``: it moves one step per finished
    task. ``progress``: True shows it, False never, None only for two tasks or more that take
    over a second, and only where a person watches (stderr is a terminal, or a notebook):
    a log file or a pipe gets no bar. Yields None when nothing is shown.
    """
    if progress is False or (progress is None and (total < 2 or not watched())):
        yield None
        return
    from tqdm.auto import tqdm

    tqdm.monitor_interval = 0  # no monitor thread: the workers are forked while it shows
    with tqdm(total=total, desc=description, unit=unit, leave=False,
              delay=0.0 if progress else 1.0) as bar:
        yield lambda _index: bar.update()


def watched() -> bool:
    """Whether a person watches this process's progress: stderr is a terminal, or the code
    runs in a notebook kernel (where tqdm draws a widget).

    >>> import contextlib, io
    >>> with contextlib.redirect_stderr(io.StringIO()):
    ...     watched()
    False
    """
    try:
        if sys.stderr is not None and sys.stderr.isatty():
            return True
    except (AttributeError, ValueError):  # a replaced or closed stderr
        pass
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") \
        else None
    return shell is not None and hasattr(shell, "kernel")


def _start_worker(parent: int) -> None:
    global _IN_WORKER
    _IN_WORKER = True
    # Ctrl-C reaches the whole process group: the caller handles it and stops the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent(parent)


#: mallopt(3) options of glibc, and the sizes :func:`keep_freed_memory` sets (bytes): blocks
#: up to 32 MiB (glibc's largest allowed threshold on 64-bit systems) come from the heap, and
#: free memory at its top goes back to the kernel past 128 MiB.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_MMAP_THRESHOLD, _TRIM_THRESHOLD = 32 << 20, 128 << 20


def keep_freed_memory() -> bool:
    """Let this process (and the workers it forks later) reuse the memory it frees.

    NumPy's temporaries of a few MiB (a utility evaluated over a block of draws and
    candidates) are each mapped from the kernel and unmapped again under glibc's default
    settings, so each is zero-filled page by page anew: most of a compare's system time
    was these page faults. Here blocks up to 32 MiB come from the heap, which keeps up to
    128 MiB free for the next one (the peak resident memory rises a little: heap blocks
    are reused rather than returned). Only the allocator changes, never a number computed.
    The command line sets it for its own process; a library caller decides for its own.
    Returns whether it took (glibc only).

    >>> import platform
    >>> keep_freed_memory() == (platform.libc_ver()[0] == "glibc")  # takes wherever glibc runs
    True
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None)
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)
                    and libc.mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD))
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False


#: prctl(2) option: the signal this process gets when its parent dies (Linux).
_PR_SET_PDEATHSIG = 1
#: Seconds between a worker's checks that its parent is still alive (the watchdog fallback).
WATCHDOG_SECONDS = 0.5


def die_with_parent(parent: int) -> None:
    """End this (forked) process when process ``parent`` ends, even by SIGKILL.

    A job scheduler's timeout kills the parent with SIGKILL, which it cannot catch: without
    this its workers would live on, each holding a copy of its memory. On Linux the kernel
    sends SIGKILL when the parent dies (``prctl(PR_SET_PDEATHSIG)``); everywhere a daemon
    thread checks every :data:`WATCHDOG_SECONDS` that the parent is still this process's
    parent (an orphan is adopted by another process) and exits if not.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - no libc prctl: the watchdog
            pass
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(WATCHDOG_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


def call_limited(function: Callable[..., Any], *args: Any, cpu_seconds: int,
                 wall_seconds: float | None = None, what: str = "the task") -> Any:
    """``function(*args)`` in a forked child limited to ``cpu_seconds`` of CPU time (and
    ``wall_seconds`` of real time, default four times that); its answer (which must pickle)
    or its exception comes back here. A child over a limit is killed and a :class:`GameError`
    names ``what`` and the limit. Where there is no fork it runs here, unlimited.

    A server evaluates a visitor's upload this way: however costly the upload, the work of
    every other visitor goes on, and the server process never runs the unbounded part itself.

    >>> call_limited(pow, 2, 10, cpu_seconds=5)
    1024
    """
    if not (sys.platform.startswith("linux") and hasattr(os, "fork")):  # pragma: no cover
        return function(*args)
    import resource

    wall = 4.0 * cpu_seconds if wall_seconds is None else wall_seconds
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 0
        try:
            os.close(read_end)
            die_with_parent(os.getppid())
            resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
            try:
                payload = pickle.dumps((True, function(*args)))
            except BaseException as exc:  # sent to the parent, raised there
                try:
                    sent = pickle.dumps(exc)
                except Exception:
                    sent = None
                payload = pickle.dumps((False, (sent, str(exc), isinstance(exc, GameError))))
            with os.fdopen(write_end, "wb") as out:
                out.write(payload)
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(write_end)
    chunks: list[bytes] = []
    deadline = time.monotonic() + wall
    finished = False
    try:
        with os.fdopen(read_end, "rb", buffering=0) as pipe:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                if not select.select([pipe], [], [], min(left, _POLL_SECONDS))[0]:
                    continue  # wake now and then for Ctrl-C (see _POLL_SECONDS)
                chunk = pipe.read(1 << 16)
                if not chunk:
                    finished = True
                    break
                chunks.append(chunk)
    finally:
        if not finished:
            _kill(pid)
        os.waitpid(pid, 0)
    if not (finished and chunks):
        raise GameError(f"{what} was stopped: it took more than {cpu_seconds} s of CPU time "
                        f"or {wall:g} s in all")
    ok, value = pickle.loads(b"".join(chunks))
    if ok:
        return value
    sent, text, is_game_error = value
    try:
        error = pickle.loads(sent) if sent is not None else None
    except Exception:
        error = None
    if error is not None and str(error) == text:
        raise error
    # an exception whose message does not survive pickling: its words, as our own error
    raise (GameError(text) if is_game_error or error is None else error)


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _run(index: int) -> Any:
    function, tasks = _RUNNING  # type: ignore[misc]
    return function(tasks[index])
