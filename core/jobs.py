"""Background work with progress and cancel, so a page never freezes.

``submit(fn, ...)`` runs ``fn(job, ...)`` on a daemon thread; ``fn`` reports with
``job.report(fraction, message)`` and checks ``job.cancelled`` (or passes
``job.should_stop`` to a long loop). Pages keep the handle in their session state and
poll it from a fragment.
"""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from core.errors import Cancelled, MedLensError
from core.text import one_line

LOG = logging.getLogger("medlens.jobs")

PENDING, RUNNING, DONE, FAILED, CANCELLED = "pending", "running", "done", "failed", "cancelled"


@dataclass
class Job:
    name: str
    status: str = PENDING
    progress: float = 0.0
    message: str = ""
    result: Any = None
    error: str | None = None
    detail: Any = None  # the latest structured progress (e.g. TrainProgress), for live charts
    started: float = field(default_factory=time.time)
    finished: float | None = None
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

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def should_stop(self) -> bool:
        return self._cancel.is_set()

    @property
    def done(self) -> bool:
        return self.status in (DONE, FAILED, CANCELLED)

    def wait(self, timeout: float | None = None) -> "Job":
        if self._thread is not None:
            self._thread.join(timeout)
        return self


def submit(fn: Callable[..., Any], *args: Any, name: str = "", **kwargs: Any) -> Job:
    job = Job(name=name or getattr(fn, "__name__", "job"))

    def run() -> None:
        job.status = RUNNING
        try:
            job.result = fn(job, *args, **kwargs)
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
