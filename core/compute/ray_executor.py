"""The ``ray`` executor: each trial a Ray task in its own worker process.

The shared inputs go into the object store once; every task gets a reference. Tasks report progress to a
small actor the caller reads a few times a second, so a page's bar moves inside long trials too. Cancel
stops every unfinished task (a running one is killed with its worker: nothing it wrote reaches the store,
because only the caller writes the store). A trial's ``MedLensError`` comes back as itself.
"""

import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from core.compute.cluster import connect, trial_resources
from core.compute.config import ComputeConfig
from core.compute.executor import EXECUTORS, Sweep, TrialContext
from core.compute.worker import WorkerSetup, prepare_worker
from core.errors import Cancelled, MedLensError
from core.text import one_line

POLL_S = 0.25
REPORT_EVERY_S = 0.25


class ProgressBoard:
    """Each running trial's latest (fraction, message), by sweep; an actor, so workers on any node can write to
    it. One per process for every sweep (an actor is a process of its own: one per sweep would start a process
    each time a session runs one, which a starved machine does slowly)."""

    def __init__(self) -> None:
        self.latest: dict[str, dict[int, tuple[float, str]]] = {}

    def report(self, sweep: str, index: int, fraction: float, message: str) -> None:
        self.latest.setdefault(sweep, {})[index] = (fraction, message)

    def snapshot(self, sweep: str) -> dict[int, tuple[float, str]]:
        return dict(self.latest.get(sweep, {}))

    def forget(self, sweep: str) -> None:
        self.latest.pop(sweep, None)


_BOARD: dict[str, object] = {}
_BOARD_LOCK = threading.Lock()


def progress_board(ray):
    """This process's board, created on first use (and again if the cluster was restarted)."""
    with _BOARD_LOCK:
        key = ray.get_runtime_context().get_job_id()
        if key not in _BOARD:
            _BOARD.clear()
            _BOARD[key] = ray.remote(num_cpus=0)(ProgressBoard).remote()
        return _BOARD[key]


@dataclass(frozen=True)
class Failure:
    error: Exception


def run_in_worker(trial, item, shared, board, sweep: str, index: int, setup: WorkerSetup) -> Any:
    """The task body: set the worker up, run one trial, send its failure back as a value."""
    prepare_worker(setup)
    last = [0.0]

    def report(fraction: float, message: str = "") -> None:
        now = time.monotonic()
        if now - last[0] >= REPORT_EVERY_S:
            last[0] = now
            board.report.remote(sweep, index, float(fraction), str(message)[:200])

    try:
        return trial(item, shared, TrialContext(report, lambda: False))
    except MedLensError as error:
        return Failure(error)
    except Exception as error:  # a bug: its one line travels; the trace stays in the worker's log
        return Failure(RuntimeError(f"A trial failed in a Ray worker: {one_line(error, 200)}"))


@EXECUTORS.add("ray", "Ray tasks on a local cluster MedLens starts, or on an existing one")
class RayExecutor:
    def __init__(self, config: ComputeConfig) -> None:
        self.config = config

    def run(self, sweep: Sweep, on_result, on_progress, should_stop) -> list[Any]:
        ray = connect(self.config)
        resources, setup = trial_resources(ray, self.config)
        board, name = progress_board(ray), uuid.uuid4().hex
        task = ray.remote(run_in_worker).options(**resources, max_retries=0)
        shared = ray.put(sweep.shared)
        refs = {task.remote(sweep.trial, item, shared, board, name, i, setup): i for i, item in enumerate(sweep.items)}
        results: dict[int, Any] = {}
        pending = list(refs)
        try:
            while pending:
                if should_stop():
                    raise Cancelled(sweep.cancelled)
                done, pending = ray.wait(pending, num_returns=len(pending), timeout=POLL_S)
                for ref in done:
                    index, value = refs[ref], ray.get(ref)
                    if isinstance(value, Failure):
                        raise value.error
                    results[index] = value
                    if on_result:
                        on_result(index, value)
                if on_progress:
                    on_progress(*self._progress(ray, board.snapshot.remote(name), sweep, results))
        finally:
            for ref in pending:
                ray.cancel(ref, force=True)
            board.forget.remote(name)
        if on_progress:
            on_progress(1.0, "done")
        return [results[i] for i in range(len(sweep.items))]

    @staticmethod
    def _progress(ray, snapshot, sweep: Sweep, results: dict) -> tuple[float, str]:
        try:  # the board may still be starting on a busy machine: the bar then moves by finished trials only
            latest = ray.get(snapshot, timeout=1.0)
        except ray.exceptions.GetTimeoutError:
            latest = {}
        running = {i: v for i, v in latest.items() if i not in results}
        total = len(sweep.items)
        fraction = (len(results) + sum(min(1.0, f) for f, _ in running.values())) / max(total, 1)
        if running:
            index = min(running)
            text = (
                f"{len(results)}/{total} done; {len(running)} running, e.g. {sweep.label(index)}: {running[index][1]}"
            )
        else:
            text = f"{len(results)}/{total} done"
        return min(fraction, 0.99), text
