"""How a sweep runs: the executor's name, its workers, and the cluster to join.

Read from flags (``--executor``, ``--workers``) or the environment (``MEDLENS_EXECUTOR``,
``MEDLENS_WORKERS``, ``MEDLENS_RAY_ADDRESS``, ``MEDLENS_TRIALS_PER_GPU``), so a server started for a class
uses Ray for every session without each page asking.
"""

import os
from dataclasses import dataclass

from core.errors import MedLensError

EXECUTORS = ("local", "ray")
MAX_WORKERS = 256


@dataclass(frozen=True)
class ComputeConfig:
    executor: str = "local"
    workers: int | None = None  # Ray: CPUs of the local cluster MedLens starts (None: every core)
    address: str | None = None  # Ray: join this cluster instead of starting one ("auto", "ray://host:10001")
    trials_per_gpu: int = 4  # Ray on a GPU host: trials sharing one GPU (each gets 1/k of it and of its memory)

    def __post_init__(self) -> None:
        if self.executor not in EXECUTORS:
            raise MedLensError(f"Unknown executor {self.executor!r}; choose {' or '.join(EXECUTORS)}.")
        if self.workers is not None and not 1 <= self.workers <= MAX_WORKERS:
            raise MedLensError(f"--workers must be between 1 and {MAX_WORKERS}.")
        if not 1 <= self.trials_per_gpu <= 64:
            raise MedLensError("Trials per GPU must be between 1 and 64.")

    def where(self) -> dict:
        """Where a sweep ran, for its result: the executor and how many trials could run at once (local: one
        after another; Ray: the CPUs of the cluster MedLens starts, or the one it joined)."""
        from core.compute.device import usable_cpus

        if self.executor == "local":
            return {"executor": "local", "workers": 1}
        return {
            "executor": self.executor,
            "workers": self.workers or (None if self.address else usable_cpus()),
            **({"address": "given"} if self.address else {}),
        }
        if self.address is not None and (not self.address or len(self.address) > 200 or "\n" in self.address):
            raise MedLensError("The Ray address must be one short line, e.g. auto or ray://host:10001.")


def from_env(executor: str | None = None, workers: int | None = None) -> ComputeConfig:
    """Flags first, then the server's environment, then the defaults."""
    try:
        env_workers = int(os.environ["MEDLENS_WORKERS"]) if os.environ.get("MEDLENS_WORKERS") else None
        per_gpu = int(os.environ.get("MEDLENS_TRIALS_PER_GPU") or 4)
    except ValueError as error:
        raise MedLensError("MEDLENS_WORKERS and MEDLENS_TRIALS_PER_GPU must be whole numbers.") from error
    return ComputeConfig(
        executor=executor or os.environ.get("MEDLENS_EXECUTOR") or "local",
        workers=workers if workers is not None else env_workers,
        address=os.environ.get("MEDLENS_RAY_ADDRESS") or None,
        trials_per_gpu=per_gpu,
    )
