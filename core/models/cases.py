"""Many images at once: files, a folder or a zip read as cases, and one answer row per case with the model loaded once.

A clinic checks a model on its own folder, not on one file at a time (300 CLI calls of ~4 s each). Cases are named
by their place in the sorted list and a hash of their bytes, never by their file names (a DICOM file is often named
after the patient). A file that is not an image is refused in one sentence, with its case number, and the rest go on.
"""

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.errors import InputError, MedLensError
from core.inputs.limits import LIMITS, Limits

HEAD_BYTES = 8


@dataclass(frozen=True)
class Case:
    number: int  # 1-based place in the sorted list of files
    image_id: str  # the first 12 hex digits of the file's SHA-256 (what the pages show as an image id)
    image: np.ndarray  # uint8 HWC at the model's input size, squared by its dataset's rule
    source: np.ndarray  # the picture as decoded and windowed, before squaring (the domain check reads its colour)


@dataclass(frozen=True)
class CaseSet:
    cases: list[Case]
    refused: list[tuple[int, str]]  # (case number, why)

    @property
    def images(self) -> np.ndarray:
        return np.stack([case.image for case in self.cases])


def image_id(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


def _entries(paths: list[Path], limits: Limits) -> Iterator[bytes]:
    """The bytes of every file the paths name: files as given, a folder's files (sorted, at any depth, hidden ones
    skipped), a zip's members (through the safe reader), within the folder-upload caps."""
    from core.inputs.archive import SafeZip
    from core.inputs.files import read_user_file
    from core.inputs.sniff import sniff

    count, total = 0, 0

    def counted(data: bytes) -> bytes:
        nonlocal count, total
        count, total = count + 1, total + len(data)
        if count > limits.max_folder_files or total > limits.max_folder_bytes:
            raise InputError(
                f"More than {limits.max_folder_files} files or {limits.max_folder_bytes // 2**20} MB at once; "
                "split the cases into smaller folders."
            )
        return data

    for path in paths:
        path = Path(path)
        if path.is_dir():
            files = sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and not any(x.startswith(".") for x in p.relative_to(path).parts)
            )
            for file in files:
                yield counted(read_user_file(file, limits))
            continue
        data = read_user_file(path, limits)
        if sniff(data[:HEAD_BYTES]) == "zip":
            with SafeZip(data, limits) as archive:
                for member in sorted(archive.members, key=lambda m: m.parts):
                    yield counted(archive.read(member))
        else:
            yield counted(data)


def read_cases(
    paths: list[Path], shape: tuple[int, int, int], squaring: str, window=None, frame: int = 0, limits: Limits = LIMITS
) -> CaseSet:
    """Every image the paths hold, as cases for a model of input ``shape`` whose dataset squares by ``squaring``."""
    from core.inputs.images import fit_to, read_image, render

    cases, refused = [], []
    for number, data in enumerate(_entries(paths, limits), start=1):
        try:
            decoded = read_image(data, limits)
            rendered = render(decoded, frame if frame < decoded.frame_count else 0, window)
            cases.append(Case(number, image_id(data), fit_to(rendered, shape, squaring), rendered))
        except MedLensError as error:
            refused.append((number, str(error)))
    if not cases:
        raise InputError("None of the files could be read as an image" + (f": {refused[0][1]}" if refused else "."))
    return CaseSet(cases, refused)


def predict_cases(model_id: str, case_set: CaseSet) -> list[dict]:
    """One row per case: the answer, the call at the model's operating point, and the out-of-domain verdict; the
    model and its domain guard are loaded once for the whole set."""
    from core.data import load
    from core.models import domain, store
    from core.models.clinical import decide
    from core.models.predict import predict_proba

    meta = store.read_meta(model_id)
    class_names = list(load(meta.dataset, meta.size).class_names)
    probabilities = predict_proba(store.open_model(model_id), case_set.images)
    guard = domain.guard_for(model_id)
    verdicts = (
        domain.judge(guard[0], guard[1], case_set.images, [c.source for c in case_set.cases])
        if guard is not None
        else [None] * len(case_set.cases)
    )
    rows = []
    for case, row, verdict in zip(case_set.cases, probabilities, verdicts, strict=True):
        best = int(row.argmax())
        call = decide(row, meta.metrics.get("decision"), class_names)
        said = None if call is None else (call.positive_class if call.positive else f"not {call.positive_class}")
        rows.append(
            {
                "case": case.number,
                "image_id": case.image_id,
                "predicted": class_names[best],
                "confidence": float(row[best]),
                **{f"p_{name}": float(p) for name, p in zip(class_names, row, strict=True)},
                "call": said,
                "call_probability": None if call is None else float(call.probability),
                **(verdict.as_dict() if verdict is not None else {"in_domain": None}),
            }
        )
    return rows


def rows_csv(rows: list[dict]) -> str:
    """The rows as CSV text; every cell a number or a name MedLens made, and text cells that a spreadsheet would
    read as a formula are quoted with a leading apostrophe (class names come from the user)."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: (f"'{v}" if isinstance(v, str) and v[:1] in "=+-@\t\r" else v) for k, v in row.items()})
    return buffer.getvalue()
