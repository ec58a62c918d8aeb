"""The device TensorFlow runs on here, in words for the sidebar, and what training may use on it.

On a GPU host training at 128 px and more uses mixed precision (float16 compute, float32 weights and outputs)
and XLA; on a CPU neither (float16 is slower there and XLA's compile time is not repaid on small models).
``MEDLENS_SPEEDUPS`` = ``auto`` (the default), ``off``, or ``on`` (force both, e.g. to test the path on a CPU).
"""

import os
from dataclasses import dataclass
from functools import lru_cache

from core.errors import MedLensError

FAST_TRAINING_FROM_PX = 128
SPEEDUPS = ("auto", "on", "off")


@dataclass(frozen=True)
class Device:
    gpus: tuple[str, ...]  # GPU names TensorFlow sees; empty on a CPU host
    cpus: int

    @property
    def words(self) -> str:
        if self.gpus:
            names = ", ".join(sorted(set(self.gpus)))
            return f"GPU: {names}" + (f" ×{len(self.gpus)}" if len(self.gpus) > 1 else "")
        return f"CPU: {self.cpus} core{'s' if self.cpus != 1 else ''} (no GPU)"


@lru_cache(maxsize=1)
def current() -> Device:
    import tensorflow as tf

    names = []
    for gpu in tf.config.list_physical_devices("GPU"):
        details = tf.config.experimental.get_device_details(gpu)
        names.append(str(details.get("device_name", gpu.name))[:60])
    return Device(tuple(names), usable_cpus())


def usable_cpus() -> int:
    """The cores this process may run on (its affinity, e.g. a container's share), not the machine's count."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@dataclass(frozen=True)
class TrainingSpeedups:
    mixed_precision: bool
    xla: bool

    @property
    def words(self) -> str:
        used = [name for name, on in (("mixed precision", self.mixed_precision), ("XLA", self.xla)) if on]
        return " and ".join(used) if used else "plain float32"


def training_speedups(size: int, gpus: int | None = None) -> TrainingSpeedups:
    """What training at ``size`` px uses on this host (``gpus`` overrides the count, for tests)."""
    setting = os.environ.get("MEDLENS_SPEEDUPS", "auto").lower()
    if setting not in SPEEDUPS:
        raise MedLensError(f"MEDLENS_SPEEDUPS is one of {', '.join(SPEEDUPS)}, not {setting!r}.")
    if setting == "off":
        return TrainingSpeedups(False, False)
    if setting == "on":
        return TrainingSpeedups(True, True)
    gpus = len(current().gpus) if gpus is None else gpus
    fast = gpus > 0 and size >= FAST_TRAINING_FROM_PX
    return TrainingSpeedups(fast, fast)


def configure_process() -> None:
    """Before any TensorFlow op in a server or CLI process: let each GPU's memory grow as needed instead of
    taking all of it at the first op, so Ray workers and other processes can share the GPU."""
    import tensorflow as tf

    try:
        for gpu in tf.config.list_physical_devices("GPU"):
            tf.config.experimental.set_memory_growth(gpu, True)
    except RuntimeError:  # an op already ran: the process keeps what it has
        pass
