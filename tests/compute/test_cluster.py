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
