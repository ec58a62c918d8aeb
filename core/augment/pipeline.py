"""A pipeline: ordered ops with parameters and a probability each; JSON in and out, a code snippet out.

Calling a pipeline on a batch (inside tf.data or eagerly) applies each op to a random subset of
the images (its probability), with seeds split from the batch seed, and keeps values in [0, 1].
Pipelines with mixup or cutmix turn labels into one-hot soft labels.
"""

import functools
import json
from dataclasses import dataclass, field
from typing import Any, ClassVar

import core.augment.batch_ops
import core.augment.geometric
import core.augment.intensity
import core.augment.medical  # noqa: F401  (each module registers its ops)
from core.augment.base import OPS, seeds
from core.augment.geometric import DRAWS, affine_draws, matrices_to_rows
from core.errors import MedLensError
from core.models.jitter import warp
from core.registry import Registry
from core.steplist import StepList


@dataclass(frozen=True)
class OpStep:
    op: str
    params: dict[str, Any] = field(default_factory=dict)
    probability: float = 1.0

    def __post_init__(self) -> None:
        if self.op not in OPS:
            raise MedLensError(f"Unknown augmentation op {self.op!r}; known: {', '.join(OPS.names)}.")
        spec = OPS.get(self.op)
        known = {p.name: p for p in spec.params}
        unknown = sorted(set(self.params) - set(known))
        if unknown:
            raise MedLensError(
                f"Op {self.op!r} has no field {', '.join(unknown)}; its fields: {', '.join(known) or 'none'}."
            )
        checked = {n: p.check(f"Op {self.op!r}", self.params.get(n, p.default)) for n, p in known.items()}
        object.__setattr__(self, "params", checked)
        try:
            probability = float(self.probability)
        except (TypeError, ValueError):
            probability = -1.0
        if not 0.0 <= probability <= 1.0:
            raise MedLensError(f"Op {self.op!r}, field 'probability': {self.probability!r} is outside [0, 1].")
        object.__setattr__(self, "probability", probability)

    def __hash__(self) -> int:
        return hash((self.op, json.dumps(self.params, sort_keys=True), self.probability))

    def to_dict(self) -> dict[str, Any]:
        return {"op": self.op, "params": self.params, "probability": self.probability}


@dataclass(frozen=True)
class Pipeline(StepList):
    noun: ClassVar[str] = "pipeline"
    step_field: ClassVar[str] = "op"
    name: str
    steps: tuple[OpStep, ...] = ()
    num_classes: int | None = None  # needed only when a step mixes labels

    @property
    def mixes_labels(self) -> bool:
        return any(OPS.get(step.op).mixes_labels for step in self.steps)

    def for_classes(self, num_classes: int) -> "Pipeline":
        return Pipeline(self.name, self.steps, num_classes)

    def only(self, index: int) -> "Pipeline":
        """The pipeline reduced to one step, applied always: the 'isolate one op' view."""
        step = self.steps[index]
        return Pipeline(f"{self.name}:{step.op}", (OpStep(step.op, step.params, 1.0),), self.num_classes)

    def __call__(self, images, labels, seed):
        import tensorflow as tf

        if self.mixes_labels:
            if self.num_classes is None:
                raise MedLensError("This pipeline mixes labels (mixup/cutmix); give it the class count first.")
            if labels.shape.rank == 1:
                labels = tf.one_hot(tf.cast(labels, tf.int32), self.num_classes)
        step_seeds = seeds(seed, max(len(self.steps), 1) * 2)
        batch = tf.shape(images)[0]
        for group in _groups(self.steps):
            if OPS.get(group[0][1].op).matrix is not None:  # consecutive affine steps: one composed warp
                draws = [affine_draws(images, step_seeds[2 * i], DRAWS[OPS.get(s.op).matrix]) for i, s in group]
                masks = [
                    tf.random.stateless_uniform([batch], step_seeds[2 * i + 1]) < s.probability
                    if s.probability < 1.0
                    else tf.constant(True)  # an always-on step needs no draw
                    for i, s in group
                ]
                rows = _affine_rows(tuple(step for _, step in group))(images, draws, masks)
                images = warp(images, rows)  # bilinear sampling stays in [0, 1]
                continue
            index, step = group[0]
            spec = OPS.get(step.op)
            op_seed, mask_seed = step_seeds[2 * index], step_seeds[2 * index + 1]
            if spec.mixes_labels:
                use = tf.random.stateless_uniform([], mask_seed) < step.probability
                mixed_images, mixed_labels = spec.fn(images, labels, op_seed, step.params)
                images = tf.where(use, mixed_images, images)
                labels = tf.where(use, mixed_labels, labels)
            elif step.probability == 1.0:
                images = spec.fn(images, op_seed, step.params)
            else:
                changed = spec.fn(images, op_seed, step.params)
                chosen = tf.random.stateless_uniform([batch], mask_seed) < step.probability
                images = tf.where(tf.reshape(chosen, [-1, 1, 1, 1]), changed, images)
            images = tf.clip_by_value(images, 0.0, 1.0)
        return images, labels

    @classmethod
    def step_names(cls) -> list[str]:
        return OPS.names

    @classmethod
    def step_from(cls, raw: dict[str, Any], params: dict[str, Any]) -> OpStep:
        return OpStep(raw["op"], params, raw.get("probability", 1.0))

    @classmethod
    def presets(cls) -> "Registry[Pipeline]":
        return PRESETS

    def snippet(self) -> str:
        """Python that rebuilds this pipeline with ``core``."""
        lines = ["from core.augment.pipeline import OpStep, Pipeline", "", f"pipeline = Pipeline({self.name!r}, ("]
        for step in self.steps:
            lines.append(f"    OpStep({step.op!r}, {step.params!r}, probability={step.probability!r}),")
        lines += ["))", "# use: dataset.as_tf('train', 64, shuffle=True, augment=pipeline)"]
        return "\n".join(lines) + "\n"


def _groups(steps: tuple[OpStep, ...]) -> list[list[tuple[int, OpStep]]]:
    """Steps in order, consecutive affine ones grouped; steps that never run (probability 0) dropped."""
    groups: list[list[tuple[int, OpStep]]] = []
    for index, step in enumerate(steps):
        if step.probability == 0.0:
            continue
        affine = OPS.get(step.op).matrix is not None
        if affine and groups and OPS.get(groups[-1][0][1].op).matrix is not None:
            groups[-1].append((index, step))
        else:
            groups.append([(index, step)])
    return groups


AFFINE_FUNCTIONS = 32  # compiled compositions kept: bounded however many pipelines sessions try


@functools.lru_cache(maxsize=AFFINE_FUNCTIONS)
def _affine_rows(steps: tuple[OpStep, ...]):
    """A compiled function (images, draws, masks) -> (B, 8) maps for consecutive affine steps.

    XLA fuses the few dozen tiny ops that build and compose the maps into one kernel; inside
    tf.data, running them one by one cost more than the warp itself.
    """
    import tensorflow as tf

    def compose(images, draws, masks):
        batch = tf.shape(images)[0]
        pending = None
        for i, step in enumerate(steps):
            matrix = OPS.get(step.op).matrix(images, draws[i], step.params)
            if step.probability < 1.0:
                matrix = tf.where(tf.reshape(masks[i], [-1, 1, 1]), matrix, tf.eye(3)[None])
            pending = matrix if pending is None else tf.matmul(pending, matrix)
        return tf.broadcast_to(matrices_to_rows(pending), tf.stack([batch, 8]))

    return tf.function(compose, jit_compile=True)


PRESETS: Registry[Pipeline] = Registry("augmentation preset")


def _preset(name: str, description: str, *steps: tuple) -> None:
    pipeline = Pipeline(name, tuple(OpStep(op, params, probability) for op, params, probability in steps))
    PRESETS.add(name, description)(pipeline)


# Keras ImageDataGenerator(rotation_range=20, width_shift_range=0.1, height_shift_range=0.1,
# shear_range=0.1 (degrees), zoom_range=0.1, horizontal_flip=True, vertical_flip=True)
_preset(
    "classic_keras",
    "The classic Keras ImageDataGenerator settings: rotation 20°, shifts and zoom 0.1, both flips.",
    ("rotate", {"degrees": 20.0}, 1.0),
    ("translate", {"fraction": 0.1}, 1.0),
    ("shear", {"degrees": 0.1}, 1.0),
    ("zoom", {"fraction": 0.1}, 1.0),
    ("hflip", {}, 0.5),
    ("vflip", {}, 0.5),
)
_preset(
    "chest_xray",
    "Chest X-rays: small rotations, shifts and zoom, mild brightness and contrast; no flips (anatomy is sided).",
    ("rotate", {"degrees": 10.0}, 0.8),
    ("translate", {"fraction": 0.08}, 0.8),
    ("zoom", {"fraction": 0.1}, 0.8),
    ("brightness", {"delta": 0.08}, 0.5),
    ("contrast", {"factor": 0.15}, 0.5),
)
_preset(
    "cells_and_tissue",
    "Microscopy and tissue: any rotation, both flips, mild brightness and contrast.",
    ("rotate", {"degrees": 180.0}, 1.0),
    ("hflip", {}, 0.5),
    ("vflip", {}, 0.5),
    ("brightness", {"delta": 0.1}, 0.5),
    ("contrast", {"factor": 0.2}, 0.5),
)
_preset(
    "mri_artefacts",
    "MRI acquisition artefacts: bias field, motion ghosting and noise.",
    ("bias_field", {"strength": 0.3}, 0.5),
    ("ghosting", {"intensity": 0.15}, 0.3),
    ("noise", {"std": 0.03}, 0.5),
)
_preset("none", "No augmentation.")
