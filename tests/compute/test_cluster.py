"""Starting Ray: the cluster outlives the thread that started it (a page's script thread ends with its run)."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from core.compute.cluster import in_keeper_thread

SCRIPT = textwrap.dedent(
    """
    import threading
    import core  # first, as in every MedLens process: Ray reads its token settings when it is imported
    import ray
    from core.compute import cluster
    from core.compute.config import ComputeConfig

    page = threading.Thread(target=cluster.connect, args=(ComputeConfig("ray", workers=1),))
    page.start()
    page.join()  # the thread that asked for the cluster is gone, as a page's script thread is after its run

    @ray.remote
    def square(x):
        return x * x

    print("answer", ray.get(square.remote(7), timeout=60), flush=True)
    cluster.shutdown()
    """
)


@pytest.mark.ray
def test_a_cluster_started_from_a_thread_that_ends_still_runs_tasks(tmp_path):
    """In its own process: the suite's session cluster is already up in this one."""
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])},
    )
    assert "answer 49" in done.stdout, done.stderr[-2000:]


def test_the_keeper_thread_hands_back_the_start_error():
    def failing():
        raise ValueError("no cluster at that address")

    with pytest.raises(ValueError, match="no cluster"):
        in_keeper_thread(failing)


JOIN_WITHOUT_TOKEN = """
import os, sys
for name in ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH"):
    os.environ.pop(name, None)
import ray
try:
    ray.init(address=sys.argv[1], logging_level="ERROR", log_to_driver=False)
    ray.get(ray.remote(lambda: 1).remote(), timeout=20)
    print("JOINED")
except Exception as error:
    print("REFUSED", type(error).__name__)
"""

CLUSTER_THEN_INTRUDER = """
import subprocess, sys
from core.compute.cluster import connect
from core.compute.config import ComputeConfig

ray = connect(ComputeConfig("ray", workers=1))
address = ray.get_runtime_context().gcs_address
print("ADDRESS", address)
intruder = subprocess.run([sys.executable, "-c", sys.argv[1], address], capture_output=True, text=True, timeout=90)
print(intruder.stdout.strip().splitlines()[-1] if intruder.stdout.strip() else "REFUSED crash")
print("OWN", ray.get(ray.remote(lambda: 41 + 1).remote()))
"""


@pytest.mark.ray
def test_a_local_cluster_is_token_authenticated_and_an_unauthenticated_join_is_refused(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", CLUSTER_THEN_INTRUDER, JOIN_WITHOUT_TOKEN],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])},
    )
    lines = done.stdout.splitlines()
    assert any(line.startswith("ADDRESS ") for line in lines), done.stderr[-2000:]
    assert any(line.startswith("REFUSED") for line in lines) and "JOINED" not in lines, done.stdout
    assert "OWN 42" in lines


def test_ray_runs_only_token_authenticated_and_joins_only_with_the_cluster_s_own_token(monkeypatch):
    from core.compute.cluster import authenticate
    from core.compute.config import ComputeConfig
    from core.errors import MedLensError

    assert os.environ["RAY_AUTH_MODE"] == "token" and len(os.environ["RAY_AUTH_TOKEN"]) >= 32  # set by core
    local, join = ComputeConfig("ray", workers=1), ComputeConfig("ray", address="auto")
    monkeypatch.setenv("MEDLENS_RAY_TOKEN", "generated")
    authenticate(local)
    with pytest.raises(MedLensError, match="only with that cluster's token"):
        authenticate(join)
    monkeypatch.delenv("MEDLENS_RAY_TOKEN")  # the operator gave the cluster's token
    authenticate(join)
    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")
    with pytest.raises(MedLensError, match="only with token authentication"):
        authenticate(local)
