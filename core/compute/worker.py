"""What a worker process does before its first trial: its own MedLens home for scratch caches (the caller
writes the store), TensorFlow's threads as the server has them, and, on a GPU, a memory cap set
before any TensorFlow op, so several trials can share one GPU without one taking all of its memory."""

import os
import tempfile
from dataclasses import dataclass

_DONE: set[str] = set()


@dataclass(frozen=True)
class WorkerSetup:
    # TensorFlow intra-op threads. 0: TensorFlow's own choice (one per core), as in the server: a float sum split
    # over another number of threads rounds differently, and a fine-tune's result would then differ by executor.
    threads: int = 0
    gpu_memory_mb: int | None = None  # per trial, on a GPU host; None: grow as needed


def prepare_worker(setup: WorkerSetup) -> None:
    """Idempotent per process: the first trial in a worker configures it; later ones find it done."""
    if "home" not in _DONE:
        os.environ["MEDLENS_HOME"] = tempfile.mkdtemp(prefix="medlens-worker-")
        os.environ.pop("MEDLENS_DATA_DIR", None)  # a worker reads shipped data only
        _DONE.add("home")
    if "tf" not in _DONE:
        configure_tensorflow(setup)
        _DONE.add("tf")


def configure_tensorflow(setup: WorkerSetup) -> None:
    import tensorflow as tf

    try:
        if setup.threads:
            tf.config.threading.set_intra_op_parallelism_threads(setup.threads)
            tf.config.threading.set_inter_op_parallelism_threads(setup.threads)
        for gpu in tf.config.list_physical_devices("GPU"):
            if setup.gpu_memory_mb:
                limit = [tf.config.LogicalDeviceConfiguration(memory_limit=setup.gpu_memory_mb)]
                tf.config.set_logical_device_configuration(gpu, limit)
            else:
                tf.config.experimental.set_memory_growth(gpu, True)
    except RuntimeError:  # TensorFlow already ran an op in this process: keep what it has
        pass
