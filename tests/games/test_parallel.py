"""games.parallel: the answers of process_map are those of a plain loop, in order, and its
failures reach the caller instead of a hang."""

import os
import signal
import time
from concurrent.futures.process import BrokenProcessPool

import numpy as np
import pytest

from games.errors import GameError
from games.parallel import can_fork, jobs_for, process_map

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


@pytest.mark.parametrize("jobs", [-1, 1.5, True, "2"])
def test_bad_jobs_are_refused(jobs):
    with pytest.raises(GameError, match="jobs"):
        jobs_for(jobs, 3)


def test_never_more_jobs_than_tasks():
    assert jobs_for(0, 1) == 1 and jobs_for(8, 3) == 3
