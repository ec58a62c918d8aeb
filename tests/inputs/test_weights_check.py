"""The weights file of an upload, walked from memory: nothing outside the file, nothing that swells, numbers only."""

import io
import zipfile

import h5py
import numpy as np
import pytest

from core.errors import InputError
from core.inputs.limits import Limits
from core.inputs.model_check import inspect_config
from core.inputs.weights_check import check_weights


def _weights(build) -> bytes:
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as handle:
        handle.create_group("layers").create_dataset("kernel", data=np.ones((3, 3), np.float32))
        build(handle)
    return buffer.getvalue()


def _with_weights(path, weights: bytes, out):
    """A real .keras archive of ours with its weights file replaced."""
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w") as target:
        for member in source.namelist():
            target.writestr(member, weights if member == "model.weights.h5" else source.read(member))
    return out


@pytest.fixture
def saved(tmp_path):
    from core.keras_files import save_keras
    from core.models.architectures import build

    path = tmp_path / "cnn.keras"
    save_keras(build("small_cnn", (28, 28, 1), 2), path)
    return path


def test_a_real_weights_file_passes_and_counts_its_weights(saved):
    with zipfile.ZipFile(saved) as archive:
        count = check_weights(archive.read("model.weights.h5"), "cnn.keras")
    assert 1000 < count < 1_000_000
    inspect_config(saved)


def test_external_storage_never_reads_the_named_file(saved, tmp_path):
    canary = tmp_path / "canary.bin"
    canary.write_bytes(b"SERVER-SECRET" * 64)
    weights = _weights(lambda h: h.create_dataset("stolen", (832,), "u1", external=[(str(canary), 0, 832)]))
    with pytest.raises(InputError, match="external storage"):
        inspect_config(_with_weights(saved, weights, tmp_path / "bad.keras"))


@pytest.mark.parametrize(
    ("build", "words"),
    [
        (lambda h: h.__setitem__("elsewhere", h5py.ExternalLink("/etc/passwd", "/x")), "link to elsewhere"),
        (lambda h: h.__setitem__("alias", h5py.SoftLink("/layers/kernel")), "link to elsewhere"),
        (lambda h: h.create_dataset("text", data=np.array([b"abc"], dtype="S3")), "not numbers"),
        (
            lambda h: h.create_dataset("bomb", (100_000, 1000), "f4", chunks=(100, 1000), compression="gzip"),
            "declare",
        ),
    ],
    ids=["external link", "soft link", "strings", "weight bomb"],
)
def test_links_non_numbers_and_weight_bombs_are_refused(build, words):
    with pytest.raises(InputError, match=words):
        check_weights(_weights(build), "bad.keras")


def test_a_virtual_dataset_is_refused(tmp_path):
    layout = h5py.VirtualLayout(shape=(4,), dtype="f4")
    layout[:] = h5py.VirtualSource(str(tmp_path / "other.h5"), "data", shape=(4,))
    with pytest.raises(InputError, match="virtual"):
        check_weights(_weights(lambda h: h.create_virtual_dataset("view", layout)), "bad.keras")


def test_the_weight_count_is_capped_and_garbage_is_refused():
    with pytest.raises(InputError, match="more than 5 weights"):
        check_weights(_weights(lambda h: None), "big.keras", Limits(max_model_params=5))
    with pytest.raises(InputError, match="not a readable HDF5"):
        check_weights(b"\x89HDF\r\n\x1a\n" + bytes(64), "bad.keras")
