"""The install: a GPU host gets TensorFlow's CUDA wheels, pinned, and the pins resolve against the constraints."""

import shutil
import socket
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def _pins(name: str) -> dict[str, str]:
    lines = (ROOT / name).read_text().splitlines()
    return dict(line.strip().split("==") for line in lines if "==" in line and not line.startswith("#"))


def _setup_commands(gpu: str) -> str:
    done = subprocess.run(
        ["make", "-n", "-B", "setup", f"MEDLENS_GPU={gpu}"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_medlens_gpu_decides_whether_the_cuda_wheels_are_installed():
    on, off = _setup_commands("on"), _setup_commands("off")
    assert "-r requirements-gpu.txt -c constraints-gpu.txt" in on and ".installed-on" in on
    assert "requirements-gpu.txt" not in off.split("pip install -q", 1)[1] and ".installed-off" in off


def test_every_cuda_wheel_tensorflow_asks_for_is_pinned():
    names = set(_pins("constraints-gpu.txt"))
    assert "tensorflow[and-cuda]==2.21.0" in (ROOT / "requirements-gpu.txt").read_text()
    assert {"nvidia-cudnn-cu12", "nvidia-cublas-cu12", "nvidia-cuda-runtime-cu12", "nvidia-nccl-cu12"} <= names
    cpu = {name.lower() for name in _pins("constraints.txt")}
    assert not names & cpu  # one place pins each package


def _registry_reachable() -> bool:
    try:
        socket.create_connection(("pypi.org", 443), timeout=5).close()
        return True
    except OSError:
        return False


@pytest.mark.slow
def test_the_gpu_requirements_resolve_against_the_constraints(tmp_path):
    if not _registry_reachable():
        pytest.skip("the package registry cannot be reached from here")
    report = tmp_path / "report.json"
    args = [
        "-r",
        "requirements-gpu.txt",
        "-c",
        "constraints.txt",
        "-c",
        "constraints-gpu.txt",
    ]
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--dry-run", "--ignore-installed", "--report", report, *args],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    import json

    resolved = {
        i["metadata"]["name"].lower(): i["metadata"]["version"] for i in json.loads(report.read_text())["install"]
    }
    assert all(resolved[name] == version for name, version in _pins("constraints-gpu.txt").items()), resolved


def test_the_project_states_its_licence_and_the_data_licences():
    assert "Apache License" in (ROOT / "LICENSE").read_text() and "Version 2.0" in (ROOT / "LICENSE").read_text()
    assert 'license = "Apache-2.0"' in (ROOT / "pyproject.toml").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "CC BY 4.0" in readme and "CC BY-NC 4.0" in readme and "Apache License 2.0" in readme
