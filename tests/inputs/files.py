"""Builders of real-format test files (PNG, JPEG, TIFF, DICOM, zips, npz, .keras) for the input tests."""

import io
import json
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np
from PIL import Image


def pydicom_file(name: str) -> Path:
    import pydicom

    return Path(pydicom.__file__).parent / "data" / "test_files" / name


def image_bytes(fmt: str, array: np.ndarray | None = None, **save) -> bytes:
    array = np.arange(64 * 48, dtype=np.uint8).reshape(48, 64) if array is None else array
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format=fmt, **save)
    return buffer.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header (with a valid CRC) claims ``width`` x ``height`` pixels: a decompression bomb."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def dicom_bytes(edit=None, source: str = "CT_small.dcm") -> bytes:
    """A pydicom sample, optionally changed by ``edit(dataset)``, written back to bytes."""
    import pydicom

    dataset = pydicom.dcmread(pydicom_file(source))
    if edit is not None:
        edit(dataset)
    buffer = io.BytesIO()
    dataset.save_as(buffer, enforce_file_format=False)
    return buffer.getvalue()


PATIENT = {
    "PatientName": "Doe^Janet^Q",
    "PatientID": "PID-778899",
    "PatientBirthDate": "19610417",
    "InstitutionName": "Saint Example Hospital",
    "ReferringPhysicianName": "Smithers^Alan",
    "AccessionNumber": "ACC-5566",
}


def identified_dicom(edit_source: str = "CT_small.dcm") -> bytes:
    """A pydicom sample carrying a made-up patient in its identifying fields."""

    def edit(dataset):
        for key, value in PATIENT.items():
            setattr(dataset, key, value)

    return dicom_bytes(edit, edit_source)


def dicom_nested(depth: int) -> bytes:
    """A DICOM whose first sequence nests ``depth`` levels deep (built as raw explicit-VR bytes)."""
    import pydicom

    dataset = pydicom.dcmread(pydicom_file("CT_small.dcm"))
    item = b""
    for _ in range(depth):
        body = (
            b"\x08\x00\x15\x11SQ\x00\x00"
            + struct.pack("<I", len(item) + 8)
            + b"\xfe\xff\x00\xe0"
            + struct.pack("<I", len(item))
            + item
        )  # (0008,1115) SQ with one item holding the next level
        item = body
    buffer = io.BytesIO()
    dataset.save_as(buffer, enforce_file_format=False)
    data = buffer.getvalue()
    cut = 132 + int.from_bytes(data[140:144], "little") + 12  # after the file meta group
    return data[:cut] + item + data[cut:]


def zip_bytes(members: dict[str, bytes], symlinks: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if name in symlinks:
                info.external_attr = 0o120777 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def class_zip(per_class: int = 4, classes=("a", "b"), fmt: str = "PNG") -> bytes:
    rng = np.random.default_rng(0)
    members = {}
    for label in classes:
        for i in range(per_class):
            members[f"{label}/{i}.png"] = image_bytes(fmt, rng.integers(0, 256, (16, 16), dtype=np.uint8))
    return zip_bytes(members)


def npz_bytes(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def medmnist_layout(n: int = 6, size: int = 8, classes: int = 2, **overrides) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    arrays = {}
    for split in ("train", "val", "test"):
        arrays[f"{split}_images"] = rng.integers(0, 256, (n, size, size), dtype=np.uint8)
        arrays[f"{split}_labels"] = (np.arange(n) % classes).reshape(n, 1)
    return {**arrays, **overrides}


def keras_archive(config, weights: bytes = b"\x89HDF\r\n\x1a\n" + b"\x00" * 64) -> bytes:
    text = config if isinstance(config, str | bytes) else json.dumps(config)
    return zip_bytes(
        {"metadata.json": b'{"keras_version": "2.21.0"}', "config.json": text, "model.weights.h5": weights}
    )


def layer(class_name: str, module: str = "keras.layers", **config) -> dict:
    return {"module": module, "class_name": class_name, "config": config, "registered_name": None}


def functional(*layers: dict) -> dict:
    return {
        "module": "tf_keras.src.engine.functional",
        "class_name": "Functional",
        "config": {"layers": [{"name": f"layer{i}", **layer} for i, layer in enumerate(layers)]},
        "registered_name": "Functional",
    }


def npy_declaring(shape: tuple[int, ...], payload: bytes = b"\x00" * 16) -> bytes:
    """An .npy member whose header claims ``shape`` but which holds only ``payload``."""
    buffer = io.BytesIO()
    header = {"descr": "|u1", "fortran_order": False, "shape": shape}
    np.lib.format.write_array_header_1_0(buffer, header)
    return buffer.getvalue() + payload


def op_layer_model(class_name: str, target: str, module: str = "keras", **config) -> dict:
    """A Functional config whose op layer calls a TensorFlow function at load time: ``tf.io.write_file(target)``
    through a ``_CONSTANT_VALUE`` inbound node with call kwargs (the attack of issue 10, item 1)."""
    attack = {
        "module": module,
        "class_name": class_name,
        "config": {"name": "w", "trainable": True, "dtype": "float32", **config},
        "registered_name": None,
        "name": "w",
        "inbound_nodes": [[["_CONSTANT_VALUE", -1, target, {"kwargs": {"contents": "import os"}}]]],
    }
    image = {**layer("InputLayer", batch_input_shape=[None, 8, 8, 1], dtype="float32", name="image"), "name": "image"}
    image["inbound_nodes"] = []
    return {
        "module": "tf_keras.src.engine.functional",
        "class_name": "Functional",
        "config": {
            "name": "m",
            "layers": [image, attack],
            "input_layers": [["image", 0, 0]],
            "output_layers": [["image", 0, 0]],
        },
        "registered_name": None,
    }


def write_file_attack(target: str) -> dict:
    return op_layer_model("ClassMethod", target, cls_symbol="io.write_file", method_name="__call__")


def tiff_raw(pages: list[dict[int, int]], data: bytes = b"\x00" * 64) -> bytes:
    """A little-endian TIFF whose pages are given as {tag: value} (LONG values); one shared pixel strip.

    Builds what Pillow would not write: huge declared tiles, thousands of pages, sizes that differ per page.
    """
    header = 8
    ifd_sizes = [2 + 12 * (len(tags) + 2) + 4 for tags in pages]
    data_offset = header + sum(ifd_sizes)
    out = bytearray(b"II*\x00" + struct.pack("<I", header))
    position = header
    for tags, size in zip(pages, ifd_sizes, strict=True):
        is_tiled = 322 in tags
        entries = dict(tags)
        entries[324 if is_tiled else 273] = data_offset
        entries[325 if is_tiled else 279] = len(data)
        position += size
        following = position if len(out) + size < data_offset else 0
        out += struct.pack("<H", len(entries))
        for tag in sorted(entries):
            out += struct.pack("<HHII", tag, 4, 1, entries[tag])
        out += struct.pack("<I", following)
    return bytes(out) + data


def tiff_page(width: int, height: int, samples: int = 1, **extra: int) -> dict[int, int]:
    tags = {256: width, 257: height, 258: 8, 259: 1, 262: 2 if samples == 3 else 1, 277: samples, 278: height}
    tags.update({int(k.removeprefix("t")): v for k, v in extra.items()})
    return tags


def float_tiff(values) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.asarray(values, dtype=np.float32), mode="F").save(buffer, format="TIFF")
    return buffer.getvalue()
