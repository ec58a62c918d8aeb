"""The process's one seeded turn: work that seeds TensorFlow's process-wide generators runs one at a time.

Training, fine-tuning and the steps of a compression seed Python's, NumPy's and TensorFlow's global generators
and then draw from them for as long as they run; two at once in one process would change each other's results.
The rule used to be decided by the pages (``submit(..., seeded=True)`` at five places, each remembering whether
its sweep would run here or on Ray). Now the code that seeds takes the turn itself (``train``, a compression's
steps): ``with seeded_turn():`` waits first come first served, tells the job that waits its place in line, gives up
when that job is cancelled, and is re-entrant (a compression that trains holds one turn). On Ray each trial seeds
its own worker process, so nobody waits there.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from core.errors import Cancelled
from core.jobs import current_job

POLL = 0.2  # seconds between looks at a waiting job's cancel button


class _Turn:
    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._line: list[object] = []  # owners in arrival order; the first holds the turn
        self._depth = 0

    def enter(self, owner: object, job) -> None:
        with self._changed:
            if self._line and self._line[0] is owner:
                self._depth += 1
                return
            self._line.append(owner)
            while self._line[0] is not owner or (job is not None and job.cancelled):
                if job is not None and job.cancelled:  # also when the turn came just as cancel was pressed
                    self._line.remove(owner)
                    self._changed.notify_all()
                    raise Cancelled("Cancelled while waiting for its turn; nothing was run.")
                if job is not None:
                    ahead = self._line.index(owner)
                    job.message = (
                        f"waiting for {ahead} other job{'s' if ahead > 1 else ''} to finish (place {ahead + 1})"
                    )
                self._changed.wait(POLL)
            self._depth = 1

    def leave(self) -> None:
        with self._changed:
            self._depth -= 1
            if self._depth == 0:
                self._line.pop(0)
                self._changed.notify_all()

    def waiting(self) -> int:
        with self._changed:
            return max(0, len(self._line) - 1)


TURN = _Turn()


@contextmanager
def seeded_turn() -> Iterator[None]:
    """Hold the process's seeded turn for the work inside (the current job's, else the current thread's)."""
    job = current_job()
    owner = job if job is not None else threading.current_thread()
    TURN.enter(owner, job)
    try:
        yield
    finally:
        TURN.leave()
