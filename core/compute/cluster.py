"""Start or join the Ray cluster, once per process, and size each trial's share of it.

Ray is imported here only. Usage statistics are switched off before Ray starts (MedLens makes no request
to any host outside its own server), and so is the dashboard. Ray's control store, raylet and workers listen on
every interface (Ray 2.58 cannot bind them to loopback), and anything that reaches those ports could join and run
code as the server's user; so a local cluster starts with token authentication and a fresh random token, and
MedLens joins an existing cluster only in token mode.
"""

import functools
import os
import shutil
import subprocess
import threading
from pathlib import Path

from core.compute.config import ComputeConfig
from core.compute.worker import WorkerSetup
from core.errors import MedLensError

ROOT = Path(__file__).resolve().parents[2]
# Ray's control processes must outlast a CPU-starved minute: a class's browsers on the server's own cores starved
# them past Ray's 60 s defaults, and a Ray driver that loses its control store terminates its process — here the
# web server. Ten minutes of patience instead.
PATIENCE = {
    "RAY_gcs_rpc_server_reconnect_timeout_s": "600",
    "RAY_health_check_timeout_ms": "30000",
    "RAY_health_check_failure_threshold": "20",
}
_LOCK = threading.Lock()


def ray_module():
    try:
        import ray
    except ImportError as error:  # pragma: no cover - ray is pinned in requirements.txt
        raise MedLensError("The ray executor needs the ray package (pip install -r requirements.txt).") from error
    return ray


def connect(config: ComputeConfig):
    """The ``ray`` module with a cluster ready: the one this process already joined, the one at
    ``config.address``, or a local one with ``config.workers`` CPUs."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    for name, value in PATIENCE.items():  # before Ray starts: its processes read them from the environment
        os.environ.setdefault(name, value)
    ray = ray_module()
    with _LOCK:
        if ray.is_initialized():
            return ray
        authenticate(config)
        environment = {
            "env_vars": {"PYTHONPATH": str(ROOT), "TF_USE_LEGACY_KERAS": "1", "RAY_USAGE_STATS_ENABLED": "0"}
        }
        options = {"include_dashboard": False, "log_to_driver": False, "logging_level": "ERROR"}
        try:
            cluster = (
                {"address": config.address} if config.address else {"num_cpus": config.workers or os.cpu_count() or 1}
            )
            in_keeper_thread(lambda: ray.init(**cluster, runtime_env=environment, **options))
        except Exception as error:  # Ray raises ConnectionError, RuntimeError, ValueError… for a bad address
            where = config.address or "a local cluster"
            raise MedLensError(f"Could not start or join Ray ({where}): {str(error).splitlines()[0][:200]}") from error
    return ray


def authenticate(config: ComputeConfig) -> None:
    """Refuse, in words, to start or join a cluster without token authentication (``core/__init__.py`` sets the
    mode and a fresh token before Ray is imported; an operator's own token is needed to join their cluster)."""
    if os.environ.get("RAY_AUTH_MODE") != "token":
        raise MedLensError(
            "MedLens runs Ray only with token authentication (its ports are open on every interface); unset "
            "RAY_AUTH_MODE, or set it to token."
        )
    if config.address and os.environ.get("MEDLENS_RAY_TOKEN") == "generated":
        raise MedLensError(
            "MedLens joins a Ray cluster only with that cluster's token: start the cluster with RAY_AUTH_MODE=token "
            "and give this server the same RAY_AUTH_TOKEN (or RAY_AUTH_TOKEN_PATH)."
        )


def in_keeper_thread(start) -> None:
    """Run ``start`` (``ray.init``) in a thread that then lives as long as the process, and wait for it.

    Ray ties the local cluster it starts to the thread that started it: once that thread ends, tasks never run
    and the driver loses its control store ten minutes later. A page's script thread ends with every page run,
    so a cluster started from a page (a class server connects on its first page) was dead before its first
    sweep — every compression of the 30-student Ray run waited forever.
    """
    started, failure = threading.Event(), []

    def keep() -> None:
        try:
            start()
        except BaseException as error:  # handed to the caller
            failure.append(error)
        finally:
            started.set()
        if not failure:
            threading.Event().wait()  # never set: the thread, and Ray's processes, live until the process ends

    threading.Thread(target=keep, name="ray-keeper", daemon=True).start()
    started.wait()
    if failure:
        raise failure[0]


def shutdown() -> None:
    ray = ray_module()
    with _LOCK:
        if ray.is_initialized():
            ray.shutdown()


def trial_resources(ray, config: ComputeConfig) -> tuple[dict, WorkerSetup]:
    """One CPU per trial; on a cluster with GPUs also 1/k of a GPU and 1/k of its memory (k = trials per GPU)."""
    if not ray.cluster_resources().get("GPU", 0):
        return {"num_cpus": 1}, WorkerSetup()
    total = gpu_memory_mb()
    share = int(total * 0.9 / config.trials_per_gpu) if total else None
    return {"num_cpus": 1, "num_gpus": 1.0 / config.trials_per_gpu}, WorkerSetup(gpu_memory_mb=share)


@functools.cache
def gpu_memory_mb() -> int | None:
    """The first GPU's memory in MiB as nvidia-smi reports it (asked once per process); None where it cannot tell."""
    if not shutil.which("nvidia-smi"):
        return None
    try:
        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=memory.total", "--format=csv,noheader,nounits"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
        return int(out.split()[0])
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return None
