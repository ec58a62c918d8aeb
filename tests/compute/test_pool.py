import threading
import time

import pytest

from core.compute.pool import InteractivePool, background_work, default_slots, waiting_notice
from core.errors import MedLensError


def _doubling(log):
    def compute(items):
        log.append(list(items))
        return [2 * x for x in items]

    return compute


def _wait_until(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def _queued(pool, calls):
    """Hold every slot, queue ``calls`` one after another (each in its own thread, in this order), then let the
    pool go: the answers in call order (an exception where one was raised). No timing assumptions."""
    gate, answers, threads = threading.Event(), [None] * len(calls), []
    holders = [threading.Thread(target=pool.run, args=(None, i, lambda items: gate.wait(30) and items))
               for i in range(pool.slots)]  # fmt: skip
    for holder in holders:
        holder.start()
    _wait_until(lambda: pool._running == pool.slots)
    for i, (group, item, compute, *background) in enumerate(calls):

        def one(i=i, group=group, item=item, compute=compute, background=bool(background)):
            try:
                if background:
                    with background_work():
                        answers[i] = pool.run(group, item, compute)
                else:
                    answers[i] = pool.run(group, item, compute)
            except Exception as error:
                answers[i] = error

        before = pool.waiting
        thread = threading.Thread(target=one)
        thread.start()
        _wait_until(lambda before=before, i=i: pool.waiting > before or answers[i] is not None)
        threads.append(thread)
    gate.set()
    for thread in [*holders, *threads]:
        thread.join(30)
    return answers


def test_waiting_requests_of_one_group_share_one_computation():
    pool, log = InteractivePool(slots=1), []
    answers = _queued(pool, [("gradcam", x, _doubling(log)) for x in range(5)])
    assert answers == [0, 2, 4, 6, 8]
    assert log == [[0, 1, 2, 3, 4]]  # the five waited together: one batch
    assert (pool.batches_run, pool.requests_served) == (2, 6)  # the slot holder, then the batch


def test_other_groups_and_ungrouped_work_are_never_merged_and_keep_their_order():
    pool, log = InteractivePool(slots=1), []
    compute = _doubling(log)
    answers = _queued(pool, [(None, 1, compute), (None, 2, compute), ("a", 3, compute), ("b", 4, compute)])
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

    assert _queued(pool, [(None, i, compute) for i in range(6)]) == list(range(6))
    assert peak[0] == 2


def test_a_waiter_sees_its_place_in_line_fall_to_zero():
    pool, places, gate = InteractivePool(slots=1), [], threading.Event()
    holders = [
        threading.Thread(target=pool.run, args=(None, i, lambda items: gate.wait(30) and items)) for i in range(3)
    ]
    for count, holder in enumerate(holders):
        holder.start()
        _wait_until(lambda count=count: pool.waiting == count)  # one runs, the others wait in order
    threading.Timer(0.5, gate.set).start()
    with waiting_notice(places.append):
        assert pool.run(None, 7, _doubling([])) == 14
    assert places[0] == 3 and places[-1] == 0  # two holders ahead of it in line
    assert places[:-1] == sorted(places[:-1], reverse=True)
    for holder in holders:
        holder.join(30)


def test_an_error_reaches_every_member_and_the_pool_goes_on():
    pool = InteractivePool(slots=1)

    def broken(items):
        raise MedLensError("bad settings")

    answers = _queued(pool, [("g", 1, broken), ("g", 2, broken)])
    assert all(isinstance(a, MedLensError) for a in answers)
    assert pool.run(None, 3, lambda items: [x + 1 for x in items]) == 4


def test_the_line_is_bounded():
    pool = InteractivePool(slots=1, max_waiting=2)
    answers = _queued(pool, [(None, i, _doubling([])) for i in range(4)])
    assert answers[:2] == [0, 2]
    assert all(isinstance(a, MedLensError) and "busy" in str(a) for a in answers[2:])


def test_a_background_thread_started_inside_a_notice_never_calls_it():
    import contextvars

    pool, places, gate = InteractivePool(slots=1), [], threading.Event()
    holder = threading.Thread(target=pool.run, args=(None, 0, lambda items: gate.wait(30) and items))
    holder.start()
    _wait_until(lambda: pool._running == 1)
    with waiting_notice(places.append):
        context = contextvars.copy_context()  # what core.jobs hands a job thread
    job = threading.Thread(target=context.run, args=(pool.run, None, 1, _doubling([])))
    job.start()
    threading.Timer(0.5, gate.set).start()
    job.join(30)
    holder.join(30)
    assert places == []


def test_slots_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("MEDLENS_HEAVY_SLOTS", "3")
    assert default_slots() == 3
    monkeypatch.setenv("MEDLENS_HEAVY_SLOTS", "x")
    with pytest.raises(MedLensError):
        default_slots()


def test_foreground_requests_go_before_the_panels_below_any_page():
    pool, log = InteractivePool(slots=1), []
    compute = _doubling(log)
    calls = [(None, 1, compute, "background"), ("g", 2, compute, "background"), (None, 3, compute), ("g", 4, compute)]
    assert _queued(pool, calls) == [2, 4, 6, 8]
    assert log == [[3], [4], [1], [2]]  # a foreground request never joins a background batch
