"""Hypothesis fuzzing of every loader: mutated real files and arbitrary bytes either load or are
refused with a ``MedLensError`` - never another exception. Bounded by a fixed example budget."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import MedLensError
from core.inputs.archive import SafeZip
from core.inputs.dataset_import import import_dataset
from core.inputs.images import read_image, render
from core.inputs.model_gate import ALLOWED, check_config
from tests.inputs import files

BUDGET = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)

SEEDS = {
    "png": files.image_bytes("PNG"),
    "png16": files.image_bytes("PNG", np.arange(256, dtype=np.uint16).reshape(16, 16) * 200),
    "jpeg": files.image_bytes("JPEG"),
    "tiff": files.image_bytes("TIFF"),
    "dicom": files.pydicom_file("MR_small.dcm").read_bytes(),
    "dicom_rle": files.pydicom_file("MR_small_RLE.dcm").read_bytes(),
    "zip": files.class_zip(per_class=3),
    "npz": files.npz_bytes(**files.medmnist_layout()),
}


@st.composite
def mutated(draw, seed: bytes):
    """``seed`` truncated, with byte runs overwritten, or with bytes inserted - the shapes real damage takes."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["truncate", "overwrite", "insert"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if action == "truncate":
            del data[at:]
        elif action == "overwrite":
            chunk = draw(st.binary(min_size=1, max_size=16))
            data[at : at + len(chunk)] = chunk
        else:
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
    return bytes(data)


def _image_loads_or_refuses(data: bytes) -> None:
    try:
        decoded = read_image(data)
        render(decoded)
    except MedLensError as error:
        assert str(error) and "\n" not in str(error)


@BUDGET
@given(st.one_of(*(mutated(SEEDS[k]) for k in ("png", "png16", "jpeg", "tiff"))))
def test_mutated_pillow_images(data):
    _image_loads_or_refuses(data)


@BUDGET
@given(st.one_of(mutated(SEEDS["dicom"]), mutated(SEEDS["dicom_rle"])))
def test_mutated_dicom(data):
    _image_loads_or_refuses(data)


@BUDGET
@given(st.binary(max_size=512))
def test_arbitrary_bytes_as_an_image(data):
    _image_loads_or_refuses(data)


@BUDGET
@given(st.one_of(mutated(SEEDS["zip"]), mutated(SEEDS["npz"]), st.binary(max_size=256)))
def test_mutated_archives_as_a_dataset(data):
    try:
        dataset, report = import_dataset(data, "fuzz", size=8)
        assert report.images == sum(len(dataset.labels(s)) for s in ("train", "val", "test"))
    except MedLensError as error:
        assert str(error)


@BUDGET
@given(mutated(SEEDS["zip"]))
def test_mutated_zip_members_read_within_their_caps(data):
    try:
        with SafeZip(data) as archive:
            for member in archive:
                assert len(archive.read(member)) <= member.size
    except MedLensError:
        pass


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["module", "class_name", "registered_name", "config", "x"]), children, max_size=4
        )
    ),
    max_leaves=30,
)


@BUDGET
@given(JSON)
def test_model_configs_are_accepted_only_when_every_object_is_allow_listed(config):
    model = files.functional(files.layer("Dense", units=2, activation="relu", extra=config))
    try:
        check_config(model, "fuzz.keras")
    except MedLensError:
        return
    _assert_allow_listed(config)


def _assert_allow_listed(value) -> None:
    if isinstance(value, dict):
        if "class_name" in value or "module" in value:
            assert (value.get("module"), value.get("class_name")) in ALLOWED | {("keras.activations", "function")}
        for item in value.values():
            _assert_allow_listed(item)
    elif isinstance(value, list):
        for item in value:
            _assert_allow_listed(item)
