"""games.parallel: the answers of process_map and process_stream are those of a plain loop,
in order, and their failures reach the caller instead of a hang."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from concurrent.futures.process import BrokenProcessPool

import numpy as np
import pytest

from games.errors import GameError
from games.parallel import available_cores, can_fork, jobs_for, process_map, process_stream

needs_fork = pytest.mark.skipif(not can_fork(), reason="worker processes are forked on Linux")


def _square_after(item):
    index, pause = item
    # Later items finish first, so the answers arrive out of order.
    np.linalg.eigvals(np.random.default_rng(index).random((pause, pause)))
    return index * index, os.getpid()


@pytest.mark.slow  # starts worker processes
@needs_fork
def test_answers_in_the_order_asked_and_from_other_processes():
    items = [(k, 200 - 20 * k) for k in range(8)]
    answers = process_map(_square_after, items, jobs=2)
    assert [a for a, _ in answers] == [k * k for k in range(8)]
    assert os.getpid() not in {pid for _, pid in answers}


def test_one_job_runs_in_this_process_and_calls_done_in_order():
    seen = []
    answers = process_map(_square_after, [(k, 5) for k in range(3)], jobs=1, done=seen.append)
    assert [a for a, _ in answers] == [0, 1, 4] and seen == [0, 1, 2]
    assert {pid for _, pid in answers} == {os.getpid()}


def _closure_over(local):  # not picklable: the workers must inherit it
    return lambda x: x + local


@pytest.mark.slow  # starts worker processes
@needs_fork
def test_tasks_need_not_pickle():
    assert process_map(_closure_over(10), [1, 2, 3], jobs=2) == [11, 12, 13]


def _fails_on_three(x):
    if x == 3:
        raise GameError(f"bad item {x}")
    return x


@pytest.mark.slow  # starts worker processes
@needs_fork
def test_an_exception_in_a_task_is_raised_in_the_caller():
    with pytest.raises(GameError, match="bad item 3"):
        process_map(_fails_on_three, range(6), jobs=2)


def _second_fails_slowly(x):
    if x == 1:
        time.sleep(0.5)
        raise GameError("the second task")
    if x == 3:
        raise GameError("the fourth task")
    return x


@pytest.mark.slow  # starts worker processes
@needs_fork
def test_the_error_raised_is_the_first_failing_tasks_as_in_turn():
    for jobs in (1, 2):
        with pytest.raises(GameError, match="the second task"):
            process_map(_second_fails_slowly, range(5), jobs=jobs)


def _dies(x):
    if x == 1:
        os.kill(os.getpid(), signal.SIGKILL)
    return x


@pytest.mark.slow  # starts worker processes
@needs_fork
def test_a_worker_that_dies_raises_instead_of_hanging():
    with pytest.raises(BrokenProcessPool):
        process_map(_dies, range(4), jobs=2)


def _nested(x):
    return os.getpid(), process_map(lambda y: (abs(y), os.getpid()), [-x, x], jobs=2)


@pytest.mark.slow  # starts worker processes
@needs_fork
def test_a_map_inside_a_worker_runs_in_turn_in_that_worker():
    for worker, inner in process_map(_nested, [1, 2], jobs=2):
        assert worker != os.getpid()
        assert [pid for _, pid in inner] == [worker, worker]


@pytest.mark.slow  # starts worker processes
@needs_fork
def test_a_stream_yields_the_answers_in_order_from_other_processes():
    items = [(k, 200 - 20 * k) for k in range(8)]
    answers = list(process_stream(_square_after, items, jobs=2))
    assert [a for a, _ in answers] == [k * k for k in range(8)]
    assert os.getpid() not in {pid for _, pid in answers}
    assert list(process_stream(_closure_over(10), [1, 2, 3], jobs=2)) == [11, 12, 13]


def test_a_stream_of_one_job_runs_in_this_process_one_task_at_a_time():
    started = []

    def task(x):
        started.append(x)
        return x, os.getpid()

    for x, (y, pid) in zip(range(4), process_stream(task, range(4), jobs=1)):
        assert y == x and pid == os.getpid() and started == list(range(x + 1))


@pytest.mark.slow  # starts worker processes
@needs_fork
def test_a_stream_hands_out_at_most_ahead_tasks_beyond_the_one_taken():
    # Quick tasks and a slow caller: handed out all at once, every task would have started
    # by the time the caller takes the second answer.
    import multiprocessing

    started = multiprocessing.get_context("fork").Value("i", 0)  # inherited by the workers

    def task(x):
        with started.get_lock():
            started.value += 1
        return x

    for index, x in enumerate(process_stream(task, range(20), jobs=2, ahead=3)):
        assert x == index
        with started.get_lock():
            assert started.value <= index + 1 + 3, (index, started.value)
        time.sleep(0.05)
    assert started.value == 20


@pytest.mark.slow  # starts worker processes
@needs_fork
def test_a_streams_error_is_raised_in_its_turn_after_the_answers_before_it():
    for jobs in (1, 2):
        got = []
        with pytest.raises(GameError, match="the second task"):
            for x in process_stream(_second_fails_slowly, range(5), jobs=jobs):
                got.append(x)
        assert got == [0], jobs


def _quick_then_sleep(x):
    if x:
        time.sleep(600)
    return x


@pytest.mark.slow  # starts worker processes
@needs_fork
def test_closing_a_stream_early_stops_its_workers():
    import multiprocessing
    from contextlib import closing

    with closing(process_stream(_quick_then_sleep, range(4), jobs=2)) as answers:
        assert next(answers) == 0
    for _ in range(300):  # a guard against a hang, not a speed limit: the workers are killed
        if not multiprocessing.active_children():
            break
        time.sleep(0.1)
    assert not multiprocessing.active_children()


@pytest.mark.slow  # starts worker processes
@needs_fork
def test_a_stream_zipped_with_its_tasks_ends_its_pool_in_the_normal_way(monkeypatch):
    """zip(tasks, stream) stops at the last task and leaves the stream at its last answer; the
    caller's close came as an early stop (the workers killed, the pool's manager thread left
    to race the interpreter's exit: 'Exception ignored ... Bad file descriptor' on stderr of
    one portfolio run in a few)."""
    import games.parallel as parallel
    from contextlib import closing

    stopped = []
    monkeypatch.setattr(parallel, "_stop", lambda pool: stopped.append(pool))
    tasks = list(range(6))
    with closing(process_stream(abs, tasks, jobs=2)) as answers:
        assert [a for _, a in zip(tasks, answers)] == tasks
    assert stopped == []


@pytest.mark.parametrize("jobs", [-1, 1.5, True, "2"])
def test_bad_jobs_are_refused(jobs):
    with pytest.raises(GameError, match="jobs"):
        jobs_for(jobs, 3)


def test_never_more_jobs_than_tasks_or_than_the_cores_this_process_may_use(monkeypatch):
    assert jobs_for(0, 1) == 1 and jobs_for(8, 3) == min(3, available_cores())
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert available_cores() == 2
    assert jobs_for(0, 100) == 2 and jobs_for(12, 100) == 2 and jobs_for(1, 100) == 1


# A parent that forks workers, prints their ids, then waits: the test kills it with SIGKILL,
# as a job scheduler's timeout does, and its workers must go too.
_PARENT = textwrap.dedent("""
    import os, sys, time
    from games.parallel import process_map
    def task(i):
        os.write(1, f"{os.getpid()}\\n".encode())  # one write: two workers' lines never mix
        time.sleep(600)
    process_map(task, range(2), jobs=2)
""")


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
@needs_fork
def test_workers_die_when_their_parent_is_killed():
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    parent = subprocess.Popen([sys.executable, "-c", _PARENT], stdout=subprocess.PIPE,
                              text=True, env=env)
    workers = []
    try:
        while len(workers) < 2:  # each worker's pid on a line of its own
            line = parent.stdout.readline()
            assert line, "the parent ended before both workers started"
            workers += [int(word) for word in line.split()]
        assert all(_alive(w) for w in workers)
        parent.kill()
        parent.wait()
        for _ in range(500):  # up to about 5 s: the kernel's signal is immediate
            if not any(_alive(w) for w in workers):
                break
            time.sleep(0.01)
        assert not any(_alive(w) for w in workers)
    finally:
        if parent.poll() is None:
            parent.kill()
        for w in workers:
            try:
                os.kill(w, signal.SIGKILL)
            except ProcessLookupError:
                pass


def _spin():
    while True:
        pass


@pytest.mark.slow
@needs_fork
def test_call_limited_stops_a_task_over_its_cpu_limit_and_returns_answers_and_errors():
    from games.parallel import call_limited

    start = time.process_time()
    with pytest.raises(GameError, match="the upload was stopped: it took more than 1 s"):
        call_limited(_spin, cpu_seconds=1, what="the upload")
    assert time.process_time() - start < 0.5  # the work was the child's, not ours
    assert call_limited(sorted, [3, 1, 2], cpu_seconds=5) == [1, 2, 3]
    with pytest.raises(GameError, match="jobs"):
        call_limited(jobs_for, -1, 2, cpu_seconds=5)


def test_a_progress_bar_only_where_a_person_watches(monkeypatch):
    from games import parallel
    from games.parallel import progress_ticks

    monkeypatch.setattr(parallel, "watched", lambda: False)   # a pipe or a log file
    with progress_ticks(10, None, "draws", "chunk") as tick:
        assert tick is None
    with progress_ticks(10, True, "draws", "chunk") as tick:  # asked for: shown anyway
        assert tick is not None
    monkeypatch.setattr(parallel, "watched", lambda: True)
    with progress_ticks(10, None, "draws", "chunk") as tick:
        assert tick is not None
    with progress_ticks(10, False, "draws", "chunk") as tick:
        assert tick is None


def _sleep_then(item):
    time.sleep(item)
    return item


@pytest.mark.slow  # starts worker processes
@needs_fork
def test_ctrl_c_between_two_forks_stops_the_workers_already_started(monkeypatch):
    # Ctrl-C landed while the tasks were being handed out: the workers forked for the first
    # tasks ignore SIGINT and had their work, and the caller's exit waited for them (a compare
    # of 200,000 draws then ran on for minutes after Ctrl-C).
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    real = ProcessPoolExecutor.submit
    calls = []

    def submit(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(self, *args, **kwargs)

    monkeypatch.setattr(ProcessPoolExecutor, "submit", submit)
    with pytest.raises(KeyboardInterrupt):
        process_map(_sleep_then, [600, 600, 600], jobs=2)
    for _ in range(300):  # a guard against a hang, not a speed limit: the workers are killed
        if not multiprocessing.active_children():
            break
        time.sleep(0.1)
    assert not multiprocessing.active_children()


_SIGNAL_TO_ANOTHER_THREAD = textwrap.dedent("""
    import signal, sys, threading, time
    from games.parallel import process_map, process_stream, result_of

    def to_a_side_thread():  # the kernel's choice when SIGINT reaches the process: any thread
        time.sleep(1.0)
        signal.pthread_kill(threading.get_ident(), signal.SIGINT)

    threading.Thread(target=to_a_side_thread, daemon=True).start()
    try:
        if sys.argv[1] == "map":
            process_map(time.sleep, [600, 600], jobs=2)
        elif sys.argv[1] == "stream":
            list(process_stream(time.sleep, [600, 600, 600], jobs=2))
        else:
            from concurrent.futures import ThreadPoolExecutor
            pool = ThreadPoolExecutor(1)
            result_of(pool.submit(time.sleep, 600))
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        import os
        os._exit(0)  # not waiting for the thread pool's sleeping task
""")


@pytest.mark.slow
@needs_fork
@pytest.mark.parametrize("how", ["map", "stream", "result"])
def test_ctrl_c_taken_by_another_thread_still_stops_the_wait(how):
    # A compare of 200,000 draws ran on after Ctrl-C in CI: SIGINT had gone to one of the
    # pool's threads, and the main thread slept in its wait until a task ended (minutes).
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    child = subprocess.Popen([sys.executable, "-c", _SIGNAL_TO_ANOTHER_THREAD, how],
                             stdout=subprocess.PIPE, text=True, env=env)
    try:
        out, _ = child.communicate(timeout=120)  # a guard against a hang: the tasks take 600 s
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert out.strip() == "interrupted"


_INTERRUPT_IN_A_FORK_HANDLER = textwrap.dedent("""
    import os, signal, sys, time
    from games.parallel import process_map, process_stream

    # Python runs the handlers registered for a fork inside os.fork (logging registers one):
    # Ctrl-C landing there was printed as "Exception ignored" and lost.
    os.register_at_fork(after_in_parent=lambda: os.kill(os.getpid(), signal.SIGINT))
    try:
        if sys.argv[1] == "map":
            process_map(time.sleep, [600, 600], jobs=2)
        else:
            list(process_stream(time.sleep, [600, 600, 600], jobs=2))
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        os._exit(0)
""")


@pytest.mark.slow
@needs_fork
@pytest.mark.parametrize("how", ["map", "stream"])
def test_ctrl_c_inside_a_fork_handler_is_raised_after_the_forks(how):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    child = subprocess.Popen([sys.executable, "-c", _INTERRUPT_IN_A_FORK_HANDLER, how],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        out, err = child.communicate(timeout=120)  # a guard against a hang: tasks take 600 s
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert out.strip() == "interrupted" and "Exception ignored" not in err


def test_interrupts_are_held_only_over_pythons_own_handler():
    import signal

    from games import parallel

    def mine(signum, frame):
        pass

    previous = signal.signal(signal.SIGINT, mine)
    try:
        with parallel._interrupts_held():
            assert signal.getsignal(signal.SIGINT) is mine  # the caller's handler stays
    finally:
        signal.signal(signal.SIGINT, previous)
    with pytest.raises(KeyboardInterrupt):
        with parallel._interrupts_held():
            signal.raise_signal(signal.SIGINT)  # taken, then raised when the block ends
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


_FAULTS = """
import resource, sys
import numpy as np
if sys.argv[1] == "kept":
    from games.parallel import keep_freed_memory
    assert keep_freed_memory()
x = np.ones(1 << 20)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):  # three 8 MiB temporaries a round, all freed, as an evaluation makes
    a = np.ones(1 << 20); b = a * 2.0; c = b + a; del a, b, c
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_kept_freed_memory_is_reused_without_page_faults():
    """glibc's defaults hand the temporaries back to the kernel and fault them in anew
    (a page fault per 4 KiB: about 2,000 per temporary); kept, they are reused."""
    def faults(mode: str) -> int:
        root = str(Path(__file__).resolve().parents[2])
        out = subprocess.run([sys.executable, "-c", _FAULTS, mode], capture_output=True,
                             text=True, check=True, env={**os.environ, "PYTHONPATH": root})
        return int(out.stdout.split()[-1])

    default, kept = faults("default"), faults("kept")
    assert kept < 60 * 2048 / 10 < default


def _collector_state(_):
    import gc

    return gc.get_freeze_count() > 0, gc.isenabled()


def test_workers_start_with_the_callers_objects_frozen_and_the_caller_as_it_was():
    import gc

    if gc.get_freeze_count():
        pytest.skip("objects of this process are already frozen")
    frozen, enabled = zip(*process_map(_collector_state, range(4), jobs=2))
    assert all(frozen) and all(enabled)  # forked with the caller's objects set aside
    assert gc.get_freeze_count() == 0  # and the caller's own are collected again


def test_a_caller_that_froze_objects_keeps_them_frozen():
    import gc

    gc.freeze()
    try:
        before = gc.get_freeze_count()
        process_map(abs, [-1, 2, -3], jobs=2)
        assert gc.get_freeze_count() >= before > 0
    finally:
        gc.unfreeze()
