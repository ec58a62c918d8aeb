import threading
import time

import pytest

from core.compute.pool import InteractivePool, default_slots, waiting_notice
from core.errors import MedLensError


def _doubling(log):
    def compute(items):
        log.append(list(items))
        time.sleep(0.3)
        return [2 * x for x in items]

    return compute


def _many(pool, calls):
    """Start every (group, item, compute) at once in its own thread; the answers in call order."""
    answers, threads = [None] * len(calls), []
    for i, (group, item, compute) in enumerate(calls):

        def one(i=i, group=group, item=item, compute=compute):
            try:
                answers[i] = pool.run(group, item, compute)
            except Exception as error:
                answers[i] = error

        threads.append(threading.Thread(target=one))
    for thread in threads:
        thread.start()
        time.sleep(0.02)
    for thread in threads:
        thread.join(10)
    return answers


def test_waiting_requests_of_one_group_share_one_computation():
    pool, log = InteractivePool(slots=1), []
    compute = _doubling(log)
    answers = _many(pool, [("blocker", 100, compute)] + [("gradcam", x, compute) for x in range(5)])
    assert answers == [200, 0, 2, 4, 6, 8]
    assert log == [[100], [0, 1, 2, 3, 4]]  # the five arrived while the first ran: one batch
    assert (pool.batches_run, pool.requests_served) == (2, 6)


def test_other_groups_and_ungrouped_work_are_never_merged_and_keep_their_order():
    pool, log = InteractivePool(slots=1), []
    compute = _doubling(log)
    answers = _many(pool, [(None, 1, compute), (None, 2, compute), ("a", 3, compute), ("b", 4, compute)])
    assert answers == [2, 4, 6, 8] and log == [[1], [2], [3], [4]]


def test_at_most_slots_computations_run_at_once():
    pool, running, peak = InteractivePool(slots=2), [0], [0]
    lock = threading.Lock()

    def compute(items):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.2)
        with lock:
            running[0] -= 1
        return items

    assert _many(pool, [(None, i, compute) for i in range(6)]) == list(range(6))
    assert peak[0] == 2


def test_a_waiter_sees_its_place_in_line_fall_to_zero():
    pool, places = InteractivePool(slots=1), []
    slow = _doubling([])
    blockers = [threading.Thread(target=pool.run, args=(None, i, slow)) for i in range(2)]
    for thread in blockers:
        thread.start()
        time.sleep(0.05)
    with waiting_notice(places.append):
        assert pool.run(None, 7, slow) == 14
    assert places[0] >= 1 and places[-1] == 0
    assert places[:-1] == sorted(places[:-1], reverse=True)


def test_an_error_reaches_every_member_and_the_pool_goes_on():
    pool = InteractivePool(slots=1)

    def broken(items):
        time.sleep(0.2)
        raise MedLensError("bad settings")

    answers = _many(pool, [("g", 1, broken), ("g", 2, broken)])
    assert all(isinstance(a, MedLensError) for a in answers)
    assert pool.run(None, 3, lambda items: [x + 1 for x in items]) == 4


def test_the_line_is_bounded():
    pool = InteractivePool(slots=1, max_waiting=2)
    answers = _many(pool, [(None, i, _doubling([])) for i in range(5)])
    refused = [a for a in answers if isinstance(a, MedLensError)]
    assert refused and "busy" in str(refused[0])
    assert [a for a in answers if not isinstance(a, Exception)] == [0, 2, 4]


def test_slots_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("MEDLENS_HEAVY_SLOTS", "3")
    assert default_slots() == 3
    monkeypatch.setenv("MEDLENS_HEAVY_SLOTS", "x")
    with pytest.raises(MedLensError):
        default_slots()


def test_a_background_thread_started_inside_a_notice_never_calls_it():
    import contextvars

    pool, places = InteractivePool(slots=1), []
    blocker = threading.Thread(target=pool.run, args=(None, 0, _doubling([])))
    blocker.start()
    time.sleep(0.05)
    with waiting_notice(places.append):
        context = contextvars.copy_context()  # what core.jobs hands a job thread
    job = threading.Thread(target=context.run, args=(pool.run, None, 1, _doubling([])))
    job.start()
    job.join(10)
    blocker.join(10)
    assert places == []
