"""Check a user's ``.keras`` model before anything is deserialised, then load it in a throwaway process.

Two gates. First, the archive must hold exactly the three members of a ``.keras`` file under their raw
names, and its ``config.json``, read as plain JSON, must pass ``model_gate`` (exact allow-listed classes,
plain layer-to-layer connections). Second, a child process loads it with ``safe_mode=True`` and runs one
prediction under a time and memory limit, locked down by ``sandbox`` first (no writes, no processes, no
sockets), so a file the first gate missed still cannot reach the machine.
``.h5``, SavedModel folders and pickles are refused: tf-keras 2.21 skips safe mode on those paths.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core.errors import InputError
from core.inputs.archive import SafeZip
from core.inputs.limits import LIMITS, Limits, human_bytes
from core.inputs.model_gate import check_config
from core.inputs.sniff import HEAD_BYTES, describe, sniff
from core.inputs.weights_check import check_weights

PROJECT_ROOT = Path(__file__).resolve().parents[2]
MEMBERS = frozenset({"config.json", "metadata.json", "model.weights.h5"})  # all a .keras of plain layers holds
REFUSED_KINDS = {
    "hdf5": "an HDF5 (.h5) model: tf-keras 2.21 loads those without safe mode, so code inside could run. "
    "Re-save it with model.save('model.keras') and bring the .keras file",
    "pickle": "a Python pickle: loading one runs whatever code it holds. Bring a .keras file",
    "gzip": "a compressed archive; bring the .keras file itself",
}


@dataclass(frozen=True)
class ModelCheck:
    input_shape: tuple[int, int, int]
    num_classes: int
    params: int
    layers: int
    outputs_probabilities: bool


def inspect_config(path: Path, limits: Limits = LIMITS) -> dict:
    """The archive's config, after every object in it passed the allow-list; refuses anything else."""
    path = Path(path)
    if path.is_dir():
        raise InputError(
            f"{path.name} is a folder (a SavedModel?): tf-keras 2.21 loads those without safe mode. "
            "Re-save the model as a .keras file."
        )
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError as error:
        raise InputError(f"{path.name} cannot be read ({error.strerror or error}).") from error
    if size == 0:
        raise InputError(f"{path.name} is empty; bring a .keras model file.")
    if size > limits.max_model_bytes:
        raise InputError(f"{path.name} has {human_bytes(size)}; the limit is {human_bytes(limits.max_model_bytes)}.")
    kind = sniff(head)
    if kind in REFUSED_KINDS:
        raise InputError(f"{path.name} is {REFUSED_KINDS[kind]}.")
    if kind != "zip":
        raise InputError(f"{path.name} is {describe(kind)}, not a .keras model (a Keras v3 zip archive).")
    with SafeZip(path, limits, strict_names=True) as archive:
        members = {member.path: member for member in archive}
        missing = sorted(MEMBERS - set(members))
        if missing:
            raise InputError(f"{path.name} is a zip but not a .keras model: it lacks {', '.join(missing)}.")
        extra = sorted(set(members) - MEMBERS)
        if extra:
            raise InputError(
                f"{path.name} holds {len(extra)} file(s) a .keras model of plain layers never has "
                f"({extra[0][:60]!r}); refusing it."
            )
        for member in ("config.json", "metadata.json"):
            if members[member].size > limits.max_model_config_bytes:
                raise InputError(f"{path.name}'s {member} is implausibly large; refusing it.")
        text = archive.read(members["config.json"])
        metadata = archive.read(members["metadata.json"])
        weights = archive.read(members["model.weights.h5"])
    try:
        config = json.loads(text)
        if not isinstance(json.loads(metadata), dict):
            raise ValueError("metadata is not an object")
    except (ValueError, RecursionError) as error:
        raise InputError(f"{path.name}'s config is not valid JSON ({type(error).__name__}).") from error
    check_config(config, path.name)
    check_weights(weights, path.name, limits)
    return config


def probe(path: Path, limits: Limits = LIMITS, should_stop: Callable[[], bool] | None = None) -> ModelCheck:
    """Load ``path`` with safe mode in a child process under a time and memory limit; its shapes and size."""
    import psutil

    from core.inputs.session_space import root as scratch_root

    name = Path(path).name
    command = [sys.executable, "-m", "core.inputs.model_probe", str(Path(path).resolve())]
    scratch_root().mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="medlens-probe-", dir=scratch_root()) as scratch:
        home = Path(scratch) / "home"
        home.mkdir(mode=0o500)  # the child's working folder and HOME: empty and read-only
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("RAY_AUTH_TOKEN")},  # no secret for the child
            "PYTHONPATH": str(PROJECT_ROOT),
            "HOME": str(home),
            "CUDA_VISIBLE_DEVICES": "",
            "PYTHONDONTWRITEBYTECODE": "1",
            "MEDLENS_PROBE_ADDRESS_SPACE": str(limits.model_check_address_space_bytes),
        }
        answer = Path(scratch) / "answer.json"
        with answer.open("w") as out:  # a file, not a pipe: a chatty child can never block on a full pipe
            child = subprocess.Popen(command, cwd=home, env=env, stdout=out, stderr=subprocess.DEVNULL)
            reason = _watch(child, psutil.Process(child.pid), limits, should_stop)
        output = answer.read_text()
    if reason:
        raise InputError(f"{name} {reason}; refusing it.")
    try:
        result = json.loads(output.strip().splitlines()[-1])
    except (ValueError, IndexError) as error:
        raise InputError(f"{name} could not be loaded (the check ended without an answer).") from error
    if "error" in result:
        raise InputError(f"{name} could not be loaded safely: {result['error']}")
    return ModelCheck(
        tuple(result["input_shape"]),
        int(result["num_classes"]),
        int(result["params"]),
        int(result["layers"]),
        bool(result["outputs_probabilities"]),
    )


def _watch(child: subprocess.Popen, process, limits: Limits, should_stop: Callable[[], bool] | None) -> str:
    """'' when the child finished on its own; else why it was killed (``Cancelled`` when asked to stop)."""
    from core.errors import Cancelled

    deadline = time.monotonic() + limits.model_check_seconds
    reason = ""
    while not reason and child.poll() is None:
        if should_stop is not None and should_stop():
            reason = "cancelled"
        elif _rss(process) > limits.model_check_memory_bytes:
            reason = f"needed more than {human_bytes(limits.model_check_memory_bytes)} of memory to load"
        elif time.monotonic() > deadline:
            reason = f"took longer than {limits.model_check_seconds:.0f} s to load"
        else:
            time.sleep(0.05)
    if reason:
        child.kill()
        child.wait()
    if reason == "cancelled":
        raise Cancelled("The model check was cancelled; nothing was stored.")
    return reason


def _rss(process) -> int:
    import psutil

    try:
        return process.memory_info().rss
    except psutil.Error:  # the child has just exited
        return 0


def check_model_file(path: Path, limits: Limits = LIMITS, should_stop: Callable[[], bool] | None = None) -> ModelCheck:
    """Both gates: the config allow-list, then the sandboxed safe-mode load."""
    inspect_config(path, limits)
    return probe(path, limits, should_stop)
