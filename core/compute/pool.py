"""The server's shared pool for interactive work (a page's prediction or explanation): at most ``slots`` heavy
computations at once, first come first served (foreground before the panels below, see ``background_work``),
each waiter told its place in line, and requests that can share one computation merged into a batch.

Requests with the same ``group`` (e.g. one model, Grad-CAM, the same settings) that wait at the same time join
one batch: the first of them runs it for all once a slot is free, and each gets its own part back. Only work
whose answer for an image does not depend on the other images of its batch may give a group. The line is
bounded: past ``max_waiting`` requests a new one is refused in words instead of piling up memory.

Called from many sessions' threads; a waiter's ``on_wait(place)`` runs in its own thread (a page shows it).
"""

import contextlib
import contextvars
import os
import threading
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from typing import Any

from core.compute.device import usable_cpus
from core.errors import MedLensError

MAX_BATCH = 32
MAX_WAITING = 256
_notice: contextvars.ContextVar[tuple[int, Callable[[int], None]] | None] = contextvars.ContextVar(
    "pool_notice", default=None
)


_priority: contextvars.ContextVar[int] = contextvars.ContextVar("pool_priority", default=0)
FOREGROUND, BACKGROUND = 0, 1


@contextlib.contextmanager
def background_work() -> Iterator[None]:
    """Inside, requests queue behind every foreground one (what a person waits for at the top of a page: the
    prediction, the chosen map) and ahead of none: the panels below it never hold up another session's answer."""
    token = _priority.set(BACKGROUND)
    try:
        yield
    finally:
        _priority.reset(token)


@contextlib.contextmanager
def waiting_notice(show: Callable[[int], None]) -> Iterator[None]:
    """Inside, a request that has to wait calls ``show(place)`` (1 = next) as its place changes, then ``show(0)``.
    Only in this thread: a background job started inside inherits the context but must not draw on the page."""
    token = _notice.set((threading.get_ident(), show))
    try:
        yield
    finally:
        _notice.reset(token)


@dataclass
class _Batch:
    group: Hashable | None
    compute: Callable[[list[Any]], list[Any]]
    priority: int = FOREGROUND
    items: list[Any] = field(default_factory=list)
    waiters: int = 0  # requests still waiting for it: a batch everyone left is dropped, not computed
    results: list[Any] | None = None
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)
    started: bool = False


class InteractivePool:
    """``slots`` worker threads take batches from one first-come line; requesters wait for their batch only, so
    a page that is stopped or rerun while waiting leaves the line without holding anyone up."""

    def __init__(self, slots: int, max_waiting: int = MAX_WAITING, max_batch: int = MAX_BATCH) -> None:
        self.slots, self.max_waiting, self.max_batch = max(1, slots), max_waiting, max_batch
        self._lock = threading.Condition()
        self._line: list[_Batch] = []
        self._running = 0
        self._workers: list[threading.Thread] = []
        self.batches_run = 0  # for tests and the load test: how many computations served how many requests
        self.requests_served = 0

    def run(self, group: Hashable | None, item: Any, compute: Callable[[list[Any]], list[Any]]) -> Any:
        """``compute([item, …])`` → one result per item, run once for this request's batch; returns this item's."""
        batch, index = self._join(group, item, compute)
        owner, notice = _notice.get() or (None, None)
        if owner != threading.get_ident():
            notice = None
        try:
            while not batch.done.wait(0.2 if notice else None):
                notice(self._place(batch))
        finally:
            with self._lock:
                batch.waiters -= 1
        if notice:
            notice(0)
        if batch.error is not None:
            raise batch.error
        return batch.results[index]

    @property
    def waiting(self) -> int:
        with self._lock:
            return sum(b.waiters for b in self._line)

    def _join(self, group, item, compute) -> tuple[_Batch, int]:
        with self._lock:
            self._start_workers()
            priority = _priority.get()
            if group is not None:
                for batch in self._line:
                    same = batch.group == group and batch.priority == priority
                    if same and not batch.started and len(batch.items) < self.max_batch:
                        batch.items.append(item)
                        batch.waiters += 1
                        return batch, len(batch.items) - 1
            if sum(b.waiters for b in self._line) >= self.max_waiting:
                raise MedLensError(
                    f"The server is busy: {self.max_waiting} requests are waiting. Try again in a minute."
                )
            batch = _Batch(group, compute, priority, [item], waiters=1)
            self._line.append(batch)
            self._lock.notify_all()
            return batch, 0

    def _place(self, batch: _Batch) -> int:
        """1 = next to start; 0 = running."""
        with self._lock:
            if batch not in self._line:
                return 0
            return 1 + sum(1 for b in self._line if self._before(b, batch))

    def _before(self, one: _Batch, other: _Batch) -> bool:
        """Whether ``one`` starts before ``other``: the lower priority number first, then first come."""
        return (one.priority, self._line.index(one)) < (other.priority, self._line.index(other))

    def _start_workers(self) -> None:
        while len(self._workers) < self.slots:
            worker = threading.Thread(target=self._work, name=f"medlens-pool-{len(self._workers)}", daemon=True)
            self._workers.append(worker)
            worker.start()

    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._line:
                    self._lock.wait()
                batch = min(self._line, key=lambda b: (b.priority, self._line.index(b)))
                self._line.remove(batch)
                batch.started = True
                if batch.waiters <= 0:  # everyone left while it waited
                    batch.error = MedLensError("Nobody waits for this result any more.")
                    batch.done.set()
                    continue
                self._running += 1
            self._compute(batch)

    def _compute(self, batch: _Batch) -> None:
        try:
            results = batch.compute(list(batch.items))
            if len(results) != len(batch.items):
                raise RuntimeError(f"a batch of {len(batch.items)} gave {len(results)} results")
            batch.results = list(results)
        except BaseException as error:  # every member of the batch gets the same error
            batch.error = error
        finally:
            with self._lock:
                self._running -= 1
                self.batches_run += 1
                self.requests_served += len(batch.items)
            batch.done.set()


def default_slots() -> int:
    """``MEDLENS_HEAVY_SLOTS``, else one per CPU core this process may use."""
    value = os.environ.get("MEDLENS_HEAVY_SLOTS")
    if value:
        try:
            return max(1, int(value))
        except ValueError as error:
            raise MedLensError("MEDLENS_HEAVY_SLOTS must be a whole number.") from error
    return usable_cpus()


_shared: InteractivePool | None = None
_shared_lock = threading.Lock()


def shared_pool() -> InteractivePool:
    """The one pool of this server process."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = InteractivePool(default_slots())
        return _shared


def pooled(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)`` as one unbatched request of the shared pool (work a page waits for that is not an
    explanation or a prediction, e.g. scoring maps for faithfulness)."""
    return shared_pool().run(None, None, lambda items: [fn(*args, **kwargs)])
