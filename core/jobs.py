"""Background work with progress and cancel, so a page never freezes.

``submit(fn, ...)`` runs ``fn(job, ...)`` on a daemon thread; ``fn`` reports with
``job.report(fraction, message)`` and checks ``job.cancelled`` (or passes
``job.should_stop`` to a long loop). Pages keep the handle in their session state and
poll it from a fragment.

The thread runs in a copy of the submitter's context, so a session's upload scope (a ContextVar)
goes with its job, and ``current_job()`` names the job from inside it. Work that seeds TensorFlow's
process-wide generators takes the seeded turn itself (``core.runtime.seeding``), so a page never has to
decide it; a job waiting for that turn shows its place in line.
"""

import contextvars
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from core.errors import Cancelled, MedLensError
from core.text import one_line

LOG = logging.getLogger("medlens.jobs")


_CURRENT: contextvars.ContextVar["Job | None"] = contextvars.ContextVar("medlens_job", default=None)


def current_job() -> "Job | None":
    """The job whose thread this is (None outside a job: the CLI, a test, a page's own script)."""
    return _CURRENT.get()


class JobStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED)


PENDING, RUNNING, DONE, FAILED, CANCELLED = JobStatus


@dataclass
class Job:
    name: str
    status: JobStatus = JobStatus.PENDING
    progress: float = 0.0
    message: str = ""
    result: Any = None
    error: str | None = None
    detail: Any = None  # the latest structured progress (e.g. TrainProgress), for live charts
    started: float = field(default_factory=time.time)
    finished: float | None = None
    consumed: bool = False  # set by the first ``consume()`` after the job finished
    _cancel: threading.Event = field(default_factory=threading.Event, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

    def report(self, fraction: float, message: str = "", detail: Any = None) -> None:
        self.progress = max(0.0, min(1.0, float(fraction)))
        if message:
            self.message = message
        if detail is not None:
            self.detail = detail

    def cancel(self) -> None:
        self._cancel.set()

    def should_stop(self) -> bool:
        """True once cancel was asked for; long loops poll it (pass ``job.should_stop`` as a callback)."""
        return self._cancel.is_set()

    cancelled = property(should_stop)

    @property
    def done(self) -> bool:
        return self.status.finished

    def consume(self) -> bool:
        """True exactly once, the first time it is called after the job finished: act on a result once."""
        if not self.done or self.consumed:
            return False
        self.consumed = True
        return True

    def wait(self, timeout: float | None = None) -> "Job":
        if self._thread is not None:
            self._thread.join(timeout)
        return self


def submit(fn: Callable[..., Any], *args: Any, name: str = "", **kwargs: Any) -> Job:
    job = Job(name=name or getattr(fn, "__name__", "job"))
    context = contextvars.copy_context()

    def as_current() -> Any:
        _CURRENT.set(job)
        return fn(job, *args, **kwargs)

    def run() -> None:
        job.status = RUNNING
        try:
            job.result = context.run(as_current)
            job.status = CANCELLED if job.cancelled else DONE
            if job.status == DONE:
                job.progress = 1.0
        except Cancelled as error:
            job.status, job.error = CANCELLED, str(error)
        except MedLensError as error:
            job.status, job.error = FAILED, one_line(error)
        except Exception as error:  # a bug: one sentence for the page, the trace for the server log only
            LOG.exception("job %s failed", job.name)
            job.status = FAILED
            job.error = f"Something went wrong ({one_line(error, 160)}); the details are in the server log."
        finally:
            job.finished = time.time()

    job._thread = threading.Thread(target=run, name=f"medlens-{job.name}", daemon=True)
    job._thread.start()
    return job
