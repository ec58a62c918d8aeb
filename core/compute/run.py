"""``run_trials``: the one call a sweep makes, whichever executor the configuration names."""

from typing import Any

from core.compute import ray_executor  # noqa: F401  (registers "ray"; Ray itself is imported only when used)
from core.compute.config import ComputeConfig
from core.compute.executor import EXECUTORS, OnResult, Progress, ShouldStop, Sweep


def run_trials(
    sweep: Sweep,
    config: ComputeConfig | None = None,
    *,
    on_result: OnResult | None = None,
    on_progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
) -> list[Any]:
    """Every trial of ``sweep`` on the configured executor; raises ``Cancelled`` once ``should_stop()`` is true."""
    config = config or ComputeConfig()
    executor = EXECUTORS.get(config.executor)(config)
    return executor.run(sweep, on_result, on_progress, should_stop or (lambda: False))
