"""A corpus of malformed and hostile inputs, generated here: each must be refused with one clear
sentence (an ``InputError``/``MedLensError``), without a crash and without leaving a file behind."""

import json
import os
import pickle
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from core.errors import MedLensError
from core.inputs.dataset_import import import_dataset
from core.inputs.images import read_image
from core.inputs.limits import LIMITS, Limits
from core.inputs.model_check import check_model_file
from tests.inputs import files


@dataclass(frozen=True)
class Case:
    name: str
    target: str  # "image", "dataset" or "model"
    build: Callable[[Path], bytes | None]  # bytes to write as the input file; None when build made a folder
    expect: str  # a word the refusal must contain
    limits: Limits = LIMITS
    absent: str = ""  # a word (ignoring case) the refusal must never contain


def _dicom(edit, source="CT_small.dcm"):
    return lambda tmp: files.dicom_bytes(edit, source)


def _set(**values):
    def edit(dataset):
        for key, value in values.items():
            setattr(dataset, key, value)

    return edit


def _drop_pixels(dataset):
    del dataset.PixelData


def _short_pixels(dataset):
    dataset.PixelData = dataset.PixelData[: len(dataset.PixelData) // 2]


def _jpeg_extended(dataset):
    from pydicom.encaps import encapsulate
    from pydicom.uid import JPEGExtended12Bit

    dataset.file_meta.TransferSyntaxUID = JPEGExtended12Bit
    dataset.PixelData = encapsulate([b"\xff\xd8\xff\xc1" + b"\x00" * 64])
    dataset["PixelData"].is_undefined_length = True


def _savedmodel(tmp: Path):
    (tmp / "input.keras").mkdir()  # a SavedModel folder, even when named like a .keras file
    (tmp / "input.keras" / "saved_model.pb").write_bytes(b"\x08\x01")
    return None


def _keras_twins(twin: str) -> bytes:
    good = files.functional(files.layer("Flatten"))
    return files.zip_bytes(
        {"metadata.json": b"{}", "config.json": b"{}", twin: json.dumps(good), "model.weights.h5": b"\x89HDF"}
    )


def _npz_labels(label: int) -> bytes:
    arrays = files.medmnist_layout()
    arrays["train_labels"] = arrays["train_labels"].astype(np.int64)
    arrays["train_labels"][0] = label
    return files.npz_bytes(**arrays)


def _npz_names(names: list[str]) -> bytes:
    return files.npz_bytes(**files.medmnist_layout(), class_names=np.array(names))


def _named_in_technical_tags(dataset):
    dataset.BodyPartExamined = "DOE JANET"
    dataset.StationName = "JANET"
    dataset.BitsAllocated = 64  # the decoder fails and its message must not carry the name
    dataset.PixelData = dataset.PixelData[:100]


def _keras_config_nested(tmp):
    text = '{"a": ' * 5000 + "1" + "}" * 5000
    return files.keras_archive(text)


def _zip_bomb(tmp):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a/bomb.png", b"\x00" * (64 * 2**20))
    return buffer.getvalue()


def _folder_of_two_images_per_class(tmp):
    return files.class_zip(per_class=2)


PNG, JPEG = files.image_bytes("PNG"), files.image_bytes("JPEG")
NOISE = np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8).tobytes()
TIFF = files.image_bytes("TIFF")
CT = files.pydicom_file("CT_small.dcm").read_bytes()
SMALL_ZIP = Limits(max_archive_members=5, max_archive_bytes=30_000)
LOW_ENTROPY = np.random.default_rng(0).integers(0, 4, 40_000, dtype=np.uint8).tobytes()  # compresses ~4:1
LAYERS = [files.layer("InputLayer", batch_input_shape=[None, 8, 8, 1]), files.layer("Flatten")]

CASES = [
    # images
    Case("empty file", "image", lambda t: b"", "empty"),
    Case("truncated PNG", "image", lambda t: PNG[: len(PNG) // 2], "damaged"),
    Case("truncated JPEG", "image", lambda t: JPEG[: len(JPEG) // 3], "damaged"),
    Case("truncated TIFF", "image", lambda t: TIFF[:40], "damaged"),
    Case("truncated DICOM header", "image", lambda t: CT[:300], "DICOM"),
    Case("truncated DICOM pixels", "image", lambda t: CT[:-5000], "DICOM"),
    Case("DICOM without pixel data", "image", _dicom(_drop_pixels), "no pixel data"),
    Case("DICOM pixel data shorter than declared", "image", _dicom(_short_pixels), "cannot be decoded"),
    Case("DICOM with deeply nested sequences", "image", lambda t: files.dicom_nested(3000), "DICOM"),
    Case("DICOM declaring a huge image", "image", _dicom(_set(Rows=60000, Columns=60000)), "pixels"),
    Case("DICOM declaring 100000 frames", "image", _dicom(_set(NumberOfFrames=100000)), "frames"),
    Case("DICOM with zero rows", "image", _dicom(_set(Rows=0)), "rows"),
    Case("DICOM compressed without a decoder", "image", _dicom(_jpeg_extended), "DICOM"),
    Case("DICM magic then garbage", "image", lambda t: b"\x00" * 128 + b"DICM" + NOISE[:200], "DICOM"),
    Case("text file with a .png name", "image", lambda t: b"hello, I am not an image\n" * 10, "not an image"),
    Case("PNG signature then garbage", "image", lambda t: PNG[:8] + NOISE[:300], "damaged"),
    Case("PNG with a corrupt data chunk", "image", lambda t: PNG[:60] + bytes(200) + PNG[-12:], "damaged"),
    Case("decompression-bomb PNG", "image", lambda t: files.png_declaring(100_000, 100_000), "pixels"),
    Case("PNG claiming zero size", "image", lambda t: files.png_declaring(0, 0), "damaged"),
    Case("JPEG start marker only", "image", lambda t: b"\xff\xd8\xff", "damaged"),
    Case("TIFF with a bogus directory offset", "image", lambda t: b"II*\x00\xff\xff\xff\x7f" + bytes(64), "damaged"),
    Case("GIF (not allowed)", "image", lambda t: files.image_bytes("GIF"), "not an image"),
    Case("BMP (not allowed)", "image", lambda t: files.image_bytes("BMP"), "not an image"),
    Case("zip given as an image", "image", lambda t: files.class_zip(), "zip"),
    Case("pickle given as an image", "image", lambda t: pickle.dumps({"x": 1}), "pickle"),
    Case("HDF5 given as an image", "image", lambda t: b"\x89HDF\r\n\x1a\n" + bytes(64), "HDF5"),
    # datasets
    Case("zip bomb", "dataset", _zip_bomb, "zip bomb"),
    Case("zip slip (..)", "dataset", lambda t: files.zip_bytes({"a/../../evil.png": PNG, "b/x.png": PNG}), "outside"),
    Case("absolute path in zip", "dataset", lambda t: files.zip_bytes({"/etc/evil.png": PNG}), "absolute"),
    Case(
        "symlink in zip",
        "dataset",
        lambda t: files.zip_bytes({"a/link.png": b"/etc/passwd", "b/x.png": PNG}, symlinks=("a/link.png",)),
        "symbolic link",
    ),
    Case("zip inside the zip", "dataset", lambda t: files.zip_bytes({"a/inner.zip": files.class_zip()}), "archive"),
    Case(
        "zip disguised inside the zip",
        "dataset",
        lambda t: files.zip_bytes({"a/x.png": files.class_zip(), "b/y.png": PNG}),
        "archive",
    ),
    Case("too many zip entries", "dataset", lambda t: files.class_zip(per_class=4), "entries", SMALL_ZIP),
    Case(
        "zip unpacking past the size cap",
        "dataset",
        lambda t: files.zip_bytes({"a/x.png": LOW_ENTROPY}),
        "unpack",
        SMALL_ZIP,
    ),
    Case("truncated zip", "dataset", lambda t: files.class_zip()[:200], "zip"),
    Case(
        "npz with object arrays",
        "dataset",
        lambda t: files.npz_bytes(**files.medmnist_layout(train_labels=np.array([{"a": 1}] * 6, dtype=object))),
        "objects",
    ),
    Case(
        "npz without the MedMNIST keys",
        "dataset",
        lambda t: files.npz_bytes(images=np.zeros((4, 8, 8), np.uint8)),
        "lacks",
    ),
    Case(
        "npz with float images",
        "dataset",
        lambda t: files.npz_bytes(**files.medmnist_layout(train_images=np.zeros((6, 8, 8)))),
        "uint8",
    ),
    Case(
        "npz with fewer labels than images",
        "dataset",
        lambda t: files.npz_bytes(**files.medmnist_layout(val_labels=np.zeros((2, 1), int))),
        "labels",
    ),
    Case(
        "npz declaring a huge array",
        "dataset",
        lambda t: files.zip_bytes(
            {"train_images.npy": files.npy_declaring((99999, 8, 8)), "x.npy": files.npy_declaring((1,))}
        ),
        "declares",
    ),
    Case("an image given as a dataset", "dataset", lambda t: PNG, "neither"),
    Case("one class folder only", "dataset", lambda t: files.zip_bytes({"a/1.png": PNG, "a/2.png": PNG}), "two class"),
    Case(
        "every file unreadable",
        "dataset",
        lambda t: files.zip_bytes({"a/1.png": b"x" * 10, "b/1.png": b"y" * 10}),
        "None of the files",
    ),
    Case("too few images per class to split", "dataset", _folder_of_two_images_per_class, "at least 3"),
    # models
    Case("empty model file", "model", lambda t: b"", "empty"),
    Case(".h5 model", "model", lambda t: b"\x89HDF\r\n\x1a\n" + bytes(512), "HDF5"),
    Case("pickled model", "model", lambda t: pickle.dumps(object()), "pickle"),
    Case("SavedModel folder", "model", _savedmodel, "folder"),
    Case("zip that is not a .keras", "model", lambda t: files.class_zip(), "lacks"),
    Case("config that is not JSON", "model", lambda t: files.keras_archive("{not json"), "JSON"),
    Case("config nested 5000 deep", "model", _keras_config_nested, "config"),
    Case(
        ".keras with a Lambda layer",
        "model",
        lambda t: files.keras_archive(files.functional(*LAYERS, files.layer("Lambda", function=["4wEA", None, None]))),
        "Lambda",
    ),
    Case(
        ".keras naming an arbitrary module",
        "model",
        lambda t: files.keras_archive(files.functional(*LAYERS, files.layer("system", module="os"))),
        "module",
    ),
    Case(
        ".keras with a custom registered object",
        "model",
        lambda t: files.keras_archive(
            files.functional(*LAYERS, {**files.layer("Dense", units=2), "registered_name": "Custom>Evil"})
        ),
        "custom",
    ),
    Case(
        ".keras with a layer off the allow-list",
        "model",
        lambda t: files.keras_archive(files.functional(*LAYERS, files.layer("TextVectorization"))),
        "list of plain",
    ),
    Case(
        ".keras with an activation from another module",
        "model",
        lambda t: files.keras_archive(
            files.functional(
                *LAYERS,
                files.layer(
                    "Dense", units=2, activation={"module": "builtins", "class_name": "function", "config": "eval"}
                ),
            )
        ),
        "module",
    ),
    # second wave (issue 10): one or more per finding
    Case(
        "1 ClassMethod naming tf.io.write_file under module keras",
        "model",
        lambda t: files.keras_archive(files.write_file_attack(str(t / "evil.pth"))),
        "runs code",
    ),
    Case(
        "1 TFOpLambda under module keras",
        "model",
        lambda t: files.keras_archive(files.op_layer_model("TFOpLambda", str(t / "x"), function="io.write_file")),
        "runs code",
    ),
    Case(
        "1 a plain layer fed a _CONSTANT_VALUE",
        "model",
        lambda t: files.keras_archive(files.op_layer_model("Flatten", str(t / "x"), module="keras.layers")),
        "constant",
    ),
    Case("2 config.json beside ./config.json", "model", lambda t: _keras_twins("./config.json"), "plain form"),
    Case("2 config.json beside Config.json", "model", lambda t: _keras_twins("Config.json"), "twice"),
    Case(
        "3 TIFF declaring one 46336x46336 tile",
        "image",
        lambda t: files.tiff_raw([files.tiff_page(8, 8, t259=8, t322=46336, t323=46336)]),
        "tile",
    ),
    Case(
        "3 TIFF whose second page is 5000x5000 RGB",
        "image",
        lambda t: files.tiff_raw([files.tiff_page(1, 1), files.tiff_page(5000, 5000, 3)]),
        "page 2",
    ),
    Case(
        "3 TIFF of 40000 one-pixel pages",
        "image",
        lambda t: files.tiff_raw([files.tiff_page(1, 1)] * 40_000),
        "pages",
    ),
    Case(
        "3 zip of tiny PNGs that would decode past the import budget",
        "dataset",
        lambda t: files.class_zip(per_class=40),
        "would take",
        Limits(max_import_bytes=8 * 64 * 64),
    ),
    Case("4 npz with one label of 3,000,000", "dataset", lambda t: _npz_labels(3_000_000), "classes"),
    Case("4 npz with duplicate class names", "dataset", lambda t: _npz_names(["a", "A"]), "two class"),
    Case("4 npz with a 100-character class name", "dataset", lambda t: _npz_names(["a", "b" * 100]), "limit is 64"),
    Case("4 npz with a 1 MB class name", "dataset", lambda t: _npz_names(["a", "b" * 2**20]), "far more than"),
    Case("4 npz with too few class names", "dataset", lambda t: _npz_names(["only"]), "class_names lists 1"),
    Case("4 npz with 40 MB of class names", "dataset", lambda t: _npz_names(["n"] * 2_500_000), "far more than"),
    Case(
        "4 npz of 4x4 images",
        "dataset",
        lambda t: files.npz_bytes(**files.medmnist_layout(size=4)),
        "8 to 512",
    ),
    Case("4 float TIFF holding NaN", "image", lambda t: files.float_tiff([[np.nan, 1.0], [2.0, 3.0]]), "NaN"),
    Case("4 DICOM with an infinite rescale slope", "image", _dicom(_set(RescaleSlope="inf")), "rescale"),
    Case(
        "5 class folder named with a Markdown image and link",
        "dataset",
        lambda t: files.class_zip(per_class=3, classes=("![scan](https:attacker.example)", "b")),
        "formatting or links",
    ),
    Case(
        "6 damaged DICOM with the patient's name in technical tags",
        "image",
        _dicom(_named_in_technical_tags),
        "cannot be decoded",
        absent="janet",
    ),
    Case(
        ".keras passing the config check with broken weights",
        "model",
        lambda t: files.keras_archive(files.functional(*LAYERS, files.layer("Dense", units=2))),
        "weights are not a readable HDF5 file",  # refused from memory, before the probe loads anything
    ),
]


def _run(case: Case, path: Path) -> None:
    if case.target == "image":
        read_image(path.read_bytes(), case.limits)
    elif case.target == "dataset":
        import_dataset(path, "hostile", limits=case.limits)
    else:
        check_model_file(path, case.limits)


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def test_the_corpus_has_at_least_forty_inputs():
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_input_is_refused_clearly_and_leaves_nothing(case, tmp_path, medlens_home):
    work = tmp_path / "work"
    work.mkdir()
    data = case.build(work)
    path = work / ("input.keras" if case.target == "model" else "input")
    (tmp_path / "session_tmp").mkdir()  # MEDLENS_TMP, as a running app has it
    if data is not None:
        path.write_bytes(data)
    before = _tree(tmp_path)
    with pytest.raises(MedLensError) as refused:
        _run(case, path)
    message = str(refused.value)
    assert case.expect.lower() in message.lower(), message
    assert not case.absent or case.absent not in message.lower(), message
    assert "\n" not in message and "Traceback" not in message and 10 < len(message) < 400, message
    assert _tree(tmp_path) == before  # nothing written: no staging folder, no cache, no extracted member
    assert not medlens_home.exists() or not any(medlens_home.rglob("*"))


def test_a_symlinked_file_in_a_folder_is_not_followed(tmp_path):
    secret = tmp_path / "secret.png"
    secret.write_bytes(files.image_bytes("PNG"))
    root = tmp_path / "data"
    for label in ("a", "b"):
        (root / label).mkdir(parents=True)
        for i in range(3):
            (root / label / f"{i}.png").write_bytes(files.image_bytes("PNG"))
    (root / "a" / "link.png").symlink_to(secret)
    _, report = import_dataset(root, "linked")
    assert report.images == 6  # the link is skipped, not read
    assert os.lstat(root / "a" / "link.png").st_mode & stat.S_IFLNK
