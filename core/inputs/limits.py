"""Caps on what a user's file may make MedLens do: the numbers every reader checks against."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 50 * 2**20  # the app's upload limit (.streamlit/config.toml maxUploadSize)
    max_pixels: int = 40_000_000  # one decoded image or DICOM frame stack
    max_decoded_bytes: int = 160 * 2**20  # one page, frame stack, tile or strip as decoded (40 MP of float32)
    max_side: int = 2048  # larger images are reduced to this as they are decoded: enough to read, bounded memory
    max_frames: int = 512  # DICOM multi-frame, TIFF pages
    max_archive_members: int = 20_000
    max_archive_bytes: int = 1 * 2**30  # total uncompressed size of a zip
    max_compression_ratio: int = 200  # per member: zip bombs compress ~1000:1, images rarely 20:1
    max_images: int = 200_000  # in an imported dataset
    max_classes: int = 1_000
    max_import_bytes: int = 512 * 2**20  # an imported dataset's pixels at its stored size
    max_native_side: int = 512  # an import at native size keeps images up to this side
    max_folder_files: int = 5_000  # a browser folder upload (each file is held in memory by the server)
    max_folder_bytes: int = 512 * 2**20
    max_model_config_bytes: int = 4 * 2**20
    max_model_bytes: int = 500 * 2**20
    max_model_params: int = 20_000_000  # weights in one model (the shipped ones have about 140,000)
    model_check_seconds: float = 120.0
    model_check_memory_bytes: int = 4 * 2**30  # resident memory of the probe, watched by the parent
    model_check_address_space_bytes: int = 32 * 2**30  # virtual: TensorFlow reserves far more than it touches


LIMITS = Limits()


def human_bytes(count: float) -> str:
    """'12 KB', '3.4 MB', '2 GB': sizes in refusals a person can read."""
    for unit, scale in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if count >= scale:
            value = count / scale
            return f"{value:.1f} {unit}" if value < 10 else f"{value:,.0f} {unit}"
    return f"{int(count)} bytes"
