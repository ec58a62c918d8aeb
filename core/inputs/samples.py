"""One-click example files that ship inside installed packages, so the upload paths can be shown
(and tested) without a file of one's own. They are public test images, not patient data."""

from collections.abc import Callable
from pathlib import Path

from core.errors import InputError
from core.registry import Registry

SAMPLES: Registry[Callable[[], bytes]] = Registry("sample file")


def _pydicom_file(name: str) -> Callable[[], bytes]:
    def read() -> bytes:
        import pydicom

        path = Path(pydicom.__file__).parent / "data" / "test_files" / name
        if not path.is_file():
            raise InputError(f"The sample {name} is not installed with pydicom here.")
        return path.read_bytes()

    return read


def _skimage_retina() -> bytes:
    import skimage.data

    path = Path(skimage.data.__file__).parent / "retina.jpg"
    if not path.is_file():
        raise InputError("The retina sample is not installed with scikit-image here.")
    return path.read_bytes()


SAMPLES.add("CT_small.dcm", "CT slice, 128x128, 16-bit, rescaled to Hounsfield units (pydicom)")(
    _pydicom_file("CT_small.dcm")
)
SAMPLES.add("MR_small.dcm", "MR slice, 64x64, 16-bit, window from the file (pydicom)")(_pydicom_file("MR_small.dcm"))
SAMPLES.add("retina.jpg", "Retinal fundus photograph, 1411x1411 RGB JPEG (scikit-image)")(_skimage_retina)


def class_folder_zip(dataset, per_class: int = 60, seed: int = 0) -> bytes:
    """A zip in class-folder layout made of real images from ``dataset``'s training split."""
    import io
    import zipfile

    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    labels = dataset.labels("train")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for label, name in enumerate(dataset.class_names):
            members = np.flatnonzero(labels == label)
            for index in np.sort(rng.choice(members, size=min(per_class, len(members)), replace=False)):
                image = dataset.images("train")[index]
                png = io.BytesIO()
                Image.fromarray(image[..., 0] if image.shape[2] == 1 else image).save(png, format="PNG")
                archive.writestr(f"{dataset.name}-sample/{name}/{index}.png", png.getvalue())
    return buffer.getvalue()
