import os
import threading
import time

import numpy as np
import pytest

from core.compute.config import ComputeConfig, from_env
from core.compute.executor import Sweep
from core.compute.run import run_trials
from core.errors import Cancelled, DatasetError, MedLensError
from tests.compute import trials

DATA = np.arange(12, dtype=float).reshape(3, 4)


def test_config_is_checked_and_read_from_the_environment(monkeypatch):
    with pytest.raises(MedLensError, match="executor"):
        ComputeConfig("spark")
    with pytest.raises(MedLensError, match="workers"):
        ComputeConfig("ray", workers=0)
    monkeypatch.setenv("MEDLENS_EXECUTOR", "ray")
    monkeypatch.setenv("MEDLENS_WORKERS", "3")
    monkeypatch.setenv("MEDLENS_RAY_ADDRESS", "auto")
    assert from_env() == ComputeConfig("ray", 3, "auto")
    assert from_env("local", 1).executor == "local"
    monkeypatch.setenv("MEDLENS_WORKERS", "many")
    with pytest.raises(MedLensError, match="whole numbers"):
        from_env()


def test_local_runs_in_order_with_progress_and_results_as_they_finish():
    seen, kept = [], []
    sweep = Sweep(trials.summing, [2, 0, 1], DATA, ["c", "a", "b"])
    out = run_trials(sweep, on_result=lambda i, r: kept.append((i, r)), on_progress=lambda f, m: seen.append((f, m)))
    assert out == [38.0, 6.0, 22.0] and kept == [(0, 38.0), (1, 6.0), (2, 22.0)]
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert any(m.startswith("2/3 a: step 1") for _, m in seen)


def test_local_cancel_stops_before_the_next_trial():
    with pytest.raises(Cancelled, match="kept"):
        run_trials(Sweep(trials.summing, [0, 1], DATA, cancelled="Stopped; kept."), should_stop=lambda: True)


@pytest.mark.ray
def test_ray_gives_the_same_results_in_item_order_and_streams_progress(ray_cluster):
    seen, kept = [], {}
    sweep = Sweep(trials.summing, [2, 0, 1], DATA, ["c", "a", "b"])
    out = run_trials(sweep, ray_cluster, on_result=kept.__setitem__, on_progress=lambda f, m: seen.append(f))
    assert out == run_trials(sweep) == [38.0, 6.0, 22.0]
    assert kept == {0: 38.0, 1: 6.0, 2: 22.0}
    assert seen[-1] == 1.0 and all(0.0 <= f <= 1.0 for f in seen)


@pytest.mark.ray
def test_ray_trials_run_in_worker_processes_with_their_own_scratch_home(ray_cluster):
    out = run_trials(Sweep(trials.where, [0, 1, 2, 3]), ray_cluster)
    assert all(pid != os.getpid() for pid, _ in out)
    assert all(home and home != os.environ.get("MEDLENS_HOME") and "medlens-worker-" in home for _, home in out)


@pytest.mark.ray
def test_a_trial_error_comes_back_as_itself(ray_cluster):
    with pytest.raises(DatasetError, match="image 1 is unreadable"):
        run_trials(Sweep(trials.failing, [0, 1, 2]), ray_cluster)


@pytest.mark.ray
def test_ray_cancel_stops_running_and_waiting_trials(ray_cluster, tmp_path):
    stop = threading.Event()
    threading.Timer(4.0, stop.set).start()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        run_trials(Sweep(trials.slow, [0, 1, 2, 3], str(tmp_path)), ray_cluster, should_stop=stop.is_set)
    assert time.monotonic() - started < 20
    time.sleep(1.0)
    assert len(list(tmp_path.glob("started-*"))) <= 2  # two workers: the other two never started


def test_a_sweep_result_says_where_it_ran():
    from core.compute.config import ComputeConfig

    assert ComputeConfig().where() == {"executor": "local", "workers": 1}
    assert ComputeConfig("ray", workers=8).where() == {"executor": "ray", "workers": 8}
    assert ComputeConfig("ray", address="auto").where() == {"executor": "ray", "workers": None, "address": "given"}
    assert ComputeConfig("ray").where()["workers"] >= 1
