"""What an import is asked to do (``ImportSettings``) and what it found (``ImportReport``), shared by the
class-folder and the ``.npz`` readers, and the ``Dataset`` both build."""

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from core.data.catalogue import SPLITS
from core.data.dataset import Dataset, Split
from core.data.imported import check_name
from core.data.square import DEFAULT_SQUARING, SQUARING
from core.errors import InputError
from core.inputs.limits import LIMITS, Limits

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ImportReport:
    """What the import found, for a person to check before using the data."""

    source_kind: str
    class_names: tuple[str, ...]
    counts: dict[str, list[int]]  # split -> images per class
    sizes: dict[str, int]  # "HxW" -> images, as found in the files
    channels: dict[str, int]  # "gray"/"colour" -> images
    formats: dict[str, int]
    refused: list[tuple[str, str]]  # (path inside the source, reason)
    splits_given: bool
    shape: tuple[int, int, int]
    seed: int
    notes: list[str] = field(default_factory=list)
    squaring: str = DEFAULT_SQUARING

    def size_summary(self, shown: int = 4) -> str:
        """The commonest sizes and, when there are more, the range of heights and widths."""
        common = ", ".join(f"{size} ×{n}" for size, n in list(self.sizes.items())[:shown])
        if len(self.sizes) <= shown:
            return common
        heights, widths = zip(*(tuple(map(int, size.split("x"))) for size in self.sizes), strict=True)
        return (
            f"{common} and {len(self.sizes) - shown} other sizes (heights {min(heights)}–{max(heights)}, "
            f"widths {min(widths)}–{max(widths)})"
        )

    @property
    def images(self) -> int:
        return sum(sum(counts) for counts in self.counts.values())

    def lines(self) -> list[str]:
        """The report as plain sentences (the CLI prints them; the page shows them as tables)."""
        total = np.sum([self.counts[s] for s in SPLITS], axis=0)
        balance = ", ".join(f"{name} {int(n)}" for name, n in zip(self.class_names, total, strict=True))
        how = "kept from the folders" if self.splits_given else f"made here, stratified, seed {self.seed}"
        lines = [
            f"{self.images} images in {len(self.class_names)} classes ({balance}).",
            "Splits " + how + ": " + ", ".join(f"{s} {sum(self.counts[s])}" for s in SPLITS) + ".",
            f"Sizes found: {self.size_summary()}; all made square ({self.squaring}) and resized to "
            f"{self.shape[0]}x{self.shape[1]}.",
            "Channels found: "
            + ", ".join(f"{kind} ×{n}" for kind, n in self.channels.items())
            + f"; stored as {'gray' if self.shape[2] == 1 else 'RGB'}.",
        ]
        if self.refused:
            lines.append(f"{len(self.refused)} files skipped (see the list).")
        return lines + self.notes


@dataclass(frozen=True)
class ImportSettings:
    """How to read a source: the dataset's name, image size, split seed, channels, caps, progress, cancel."""

    name: str
    size: int | None = 28  # None: each image's own size, up to ``limits.max_native_side``
    seed: int = 0
    channels: int | None = None  # None: RGB if any file is colour
    limits: Limits = LIMITS
    progress: Progress | None = None
    should_stop: Callable[[], bool] | None = None
    squaring: str = DEFAULT_SQUARING

    def __post_init__(self) -> None:
        check_name(self.name)
        if self.size is not None and not 8 <= self.size <= 512:
            raise InputError(f"An image size of {self.size} is not supported; choose 8 to 512 pixels.")
        if self.squaring not in SQUARING.names:
            raise InputError(f"Unknown squaring rule {self.squaring!r}; choose {' or '.join(SQUARING.names)}.")


def user_dataset(
    name: str, class_names: tuple[str, ...], splits: dict[str, Split], squaring: str = DEFAULT_SQUARING
) -> Dataset:
    return Dataset(
        name=name,
        title=name,
        task="binary" if len(class_names) == 2 else "multiclass",
        class_names=class_names,
        splits=splits,
        source="user import",
        modality="user images",
        squaring=squaring,
    )
