"""The prepared GPU check runs its CPU fallback here, so the script is known to work the day a GPU is lent."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.ray]


def test_the_gpu_check_runs_on_the_cpu_and_writes_its_figures(tmp_path):
    out = tmp_path / "gpu.json"
    done = subprocess.run(
        [sys.executable, "bench/gpu.py", "--quick", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(out.read_text())
    assert figures == json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["device"].startswith(("CPU", "GPU")) and isinstance(figures["tensorflow_cuda"], bool)
    assert figures["train"]["epochs"] == 1 and 0.0 <= figures["train"]["test_auc"] <= 1.0
    assert figures["compress_search"]["candidates"] == 2 and figures["compress_search"]["front"]
    timed = {m: ms for m, ms in figures["explain"]["ms_per_image"].items() if ms is not None}
    assert {"gradcam", "shap_partition", "lime"} <= set(timed) and all(ms > 0 for ms in timed.values())
    assert set(figures["explain"]["ms_per_image"]) - set(timed) == set(figures["explain"]["errors"])
