"""Run the trials of a sweep: one call, ``run_trials``, whatever executes them.

A trial is a picklable callable ``trial(item, shared, context)``: ``item`` is what differs between
trials (a recipe, a (fraction, seed, arm) triple), ``shared`` what they all read (a dataset, a model
payload) and ``context`` its progress and cancel. ``on_result(index, result)`` runs in the caller's
process as each trial finishes, so stores and caches are written there, the same way on every
executor. Results come back in item order.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from core.compute.config import ComputeConfig
from core.errors import Cancelled
from core.registry import Registry

Progress = Callable[[float, str], None]
ShouldStop = Callable[[], bool]
OnResult = Callable[[int, Any], None]


@dataclass
class TrialContext:
    """What a running trial may use: ``report(fraction, message)`` of its own work, and ``should_stop()``."""

    report: Progress
    should_stop: ShouldStop


class Trial(Protocol):
    def __call__(self, item: Any, shared: Any, context: TrialContext) -> Any: ...


@dataclass(frozen=True)
class Sweep:
    """The trials to run and how to talk about them."""

    trial: Trial
    items: Sequence[Any]
    shared: Any = None
    labels: Sequence[str] = ()  # one short label per item, for progress lines
    cancelled: str = "Cancelled; finished trials are kept."

    def label(self, index: int) -> str:
        return self.labels[index] if index < len(self.labels) else f"trial {index + 1}"


class Executor(Protocol):
    def run(
        self, sweep: Sweep, on_result: OnResult | None, on_progress: Progress | None, should_stop: ShouldStop
    ) -> list[Any]: ...


EXECUTORS: Registry[Callable[[ComputeConfig], Executor]] = Registry("executor")


@EXECUTORS.add("local", "in this process, one trial after another (the default)")
class LocalExecutor:
    def __init__(self, config: ComputeConfig) -> None:
        self.config = config

    def run(self, sweep: Sweep, on_result, on_progress, should_stop) -> list[Any]:
        results, total = [], len(sweep.items)
        for index, item in enumerate(sweep.items):
            if should_stop():
                raise Cancelled(sweep.cancelled)
            label = sweep.label(index)

            def report(fraction: float, message: str = "", index=index, label=label) -> None:
                if on_progress:
                    text = f"{index + 1}/{total} {label}" + (f": {message}" if message else "")
                    on_progress((index + max(0.0, min(1.0, fraction))) / total, text)

            report(0.0)
            result = sweep.trial(item, sweep.shared, TrialContext(report, should_stop))
            if on_result:
                on_result(index, result)
            results.append(result)
        if on_progress:
            on_progress(1.0, "done")
        return results
