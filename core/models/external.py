"""External validation: a stored model's full report card on a clinic's own labelled images.

The first thing a clinician asks of a model is how it does on *their* patients. The images come as class folders
(a folder or a zip, read through the same hardened import as a dataset, squared by the model's dataset's rule and
converted to its channels; nothing is stored). The folder names must be the model's class names (case, spaces
and punctuation aside). Figures are read at the operating point chosen on the model's own validation split — the
same threshold and temperature a prediction uses — with their 95 % CIs, and the out-of-domain verdicts are
counted, because a model's figures say nothing about images it calls foreign.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.errors import InputError

NAME = "external-validation"


@dataclass(frozen=True)
class ExternalValidation:
    model_id: str
    images: int
    per_class: dict[str, int]
    refused: int
    in_domain: int | None  # None when the model has no domain check
    evaluation: object  # the ``Evaluation`` (accuracy, AUC, ECE, confusion, ROC, per-class figures) for charts
    clinical: dict  # operating point, sensitivity/specificity/PPV/NPV with 95 % CIs, net benefit

    @property
    def summary(self) -> dict:
        return self.evaluation.summary()

    def as_dict(self) -> dict:
        return {
            "model_id": self.model_id,
            "source": "external folder",
            "images": self.images,
            "images_per_class": self.per_class,
            "refused": self.refused,
            "in_domain": self.in_domain,
            "out_of_domain": None if self.in_domain is None else self.images - self.in_domain,
            **self.summary,
            **self.clinical,
        }


def _folded(name: str) -> str:
    """A class name as a folder may spell it: case, spaces and punctuation aside ("normal_benign")."""
    return "".join(character for character in name.casefold() if character.isalnum())


def _class_map(found: tuple[str, ...], expected: tuple[str, ...]) -> np.ndarray:
    """For each folder's class, the model's class index; an unknown folder is refused with the expected names."""
    fold = {_folded(name): i for i, name in enumerate(expected)}
    mapping = []
    for name in found:
        key = _folded(name)
        if key not in fold:
            raise InputError(
                f"A class folder is named {name!r}, which is not a class of this model; name the folders "
                f"{', '.join(repr(n) for n in expected)}."
            )
        mapping.append(fold[key])
    return np.asarray(mapping, dtype=np.int64)


def validate(model_id: str, source: Path | bytes, progress=None, should_stop=None) -> ExternalValidation:
    """The report card of ``model_id`` on the class folders in ``source`` (a folder, or a zip's path or bytes)."""
    from core.data import load
    from core.inputs.dataset_import import import_dataset
    from core.models import domain, store
    from core.models.clinical_report import report_for
    from core.models.metrics import evaluate_probabilities
    from core.models.predict import predict_proba

    meta = store.read_meta(model_id)
    own = load(meta.dataset, meta.size)
    found, report = import_dataset(
        source,
        NAME,
        size=own.image_shape[0],
        channels=own.channels,
        squaring=own.squaring,
        progress=progress,
        should_stop=should_stop,
    )
    mapping = _class_map(found.class_names, own.class_names)
    images = np.concatenate([found.images(split) for split in ("train", "val", "test")])
    labels = mapping[np.concatenate([found.labels(split) for split in ("train", "val", "test")])]
    model = store.open_model(model_id)
    probabilities = predict_proba(model, images)
    val = predict_proba(model, own.images("val"))
    names = list(own.class_names)
    evaluation = evaluate_probabilities(probabilities, labels, names, "external")
    clinical = report_for(meta.metrics.get("decision"), val, own.labels("val"), probabilities, labels, names)
    guard = domain.guard_for(model_id)
    in_domain = None if guard is None else sum(v.in_domain for v in domain.judge(*guard, images))
    return ExternalValidation(
        model_id=model_id,
        images=len(labels),
        per_class={name: int((labels == i).sum()) for i, name in enumerate(names)},
        refused=len(report.refused),
        in_domain=in_domain,
        evaluation=evaluation,
        clinical=clinical,
    )
