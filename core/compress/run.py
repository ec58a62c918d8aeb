"""Apply a recipe to a model, export it, measure the file, and cache the result on disk.

Cache: ``MEDLENS_HOME/cache/compress/<model hash>/<hash of recipe, seed and compression code>/`` holding
``result.json``, ``model.tflite`` and, where the compressed model is plain Keras, ``model.keras``. A result
directory is written under a temporary name and renamed, so a crash leaves no half entry.
"""

import contextlib
import dataclasses
import functools
import hashlib
import json
import re
import shutil
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core import paths
from core.compress.finetune import StepContext, clone
from core.compress.measure import Measurement, measure
from core.compress.recipe import BUILTIN, Recipe
from core.compress.steps import STEPS
from core.data.dataset import Dataset
from core.errors import MedLensError, ModelError
from core.keras_files import model_hash, save_keras
from core.models.predict import check_compatible, predict_proba
from core.storage import publish, staging_folder

PREFIX_MODELS = 8


@dataclass(frozen=True)
class CompressionResult:
    recipe: Recipe
    model_hash: str
    artifact: Path  # the measured .tflite file
    keras_artifact: Path | None  # the compressed Keras model: absent for export-only and QAT recipes
    measurement: Measurement
    baseline: Measurement  # the float32 TFLite export of the original model

    @property
    def size_ratio(self) -> float:
        return self.baseline.bytes / self.measurement.bytes

    @property
    def gzip_ratio(self) -> float:
        return self.baseline.gzip_bytes / self.measurement.gzip_bytes

    @property
    def accuracy_drop(self) -> float:
        return self.baseline.test_accuracy - self.measurement.test_accuracy

    def worsening(self, figure: str) -> float | None:
        """How much worse than the original on a figure of ``core.compress.figures`` (positive = worse)."""
        from core.compress.figures import FIGURES

        return FIGURES[figure].worsening(self.measurement, self.baseline)

    def summary(self) -> dict[str, Any]:
        m = self.measurement
        return {
            "recipe": self.recipe.name,
            "steps": self.recipe.to_dict()["steps"],
            "artifact": str(self.artifact),
            "keras_artifact": str(self.keras_artifact) if self.keras_artifact else None,
            "bytes": m.bytes,
            "gzip_bytes": m.gzip_bytes,
            "float_tflite_bytes": self.baseline.bytes,
            "float_tflite_gzip_bytes": self.baseline.gzip_bytes,
            "size_ratio": self.size_ratio,
            "gzip_ratio": self.gzip_ratio,
            "params": m.params,
            "nonzero_params": m.nonzero_params,
            "test_accuracy": m.test_accuracy,
            "baseline_accuracy": self.baseline.test_accuracy,
            "accuracy_drop": self.accuracy_drop,
            "test_auc": m.test_auc,
            "baseline_auc": self.baseline.test_auc,
            "latency_ms": m.latency_ms,
            "baseline_latency_ms": self.baseline.latency_ms,
            "agreement": m.agreement,
            "auc_drop": self.worsening("auc"),
            "sensitivity_at_95_specificity_drop": self.worsening("sens_at_95_spec"),
            "ece_rise": self.worsening("ece"),
            **m.clinical,
            "decision_flips": self.decision_flips(),
        }

    def decision_flips(self) -> dict[str, Any]:
        """Test images whose call at the operating point differs from the original model's (each at its own)."""
        ours, theirs = self.measurement.calls, self.baseline.calls
        if not ours or len(ours) != len(theirs):
            return {"count": None, "indices": []}  # measured before calls were kept: measure again to see
        indices = [i for i, (a, b) in enumerate(zip(ours, theirs, strict=True)) if a != b]
        return {"count": len(indices), "share": len(indices) / len(ours), "indices": indices}


def recipe_hash(recipe: Recipe, seed: int) -> str:
    return hashlib.sha256(f"{recipe.key()}|seed={seed}|code={code_fingerprint()}".encode()).hexdigest()[:16]


@functools.cache
def code_fingerprint(folder: Path = Path(__file__).parent) -> str:
    """A hash of the compression code itself: a result measured by other code (an older fine-tune, a changed
    step) is measured again rather than served from the cache as if it were today's."""
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def measured_recipes(model_key: str) -> list[Recipe]:
    """Recipes measured before for the model with this hash (any seed, any session), the baseline aside."""
    root = paths.cache_dir() / "compress" / model_key
    recipes = {}
    for path in sorted(root.glob("*/result.json")) if root.is_dir() else []:
        try:
            recipe = Recipe.from_dict(json.loads(path.read_text())["recipe"])
        except (MedLensError, json.JSONDecodeError, KeyError, OSError):
            continue  # written by an older MedLens or damaged: measured again when asked
        if recipe.key() != BUILTIN["float32"].key():
            recipes[recipe.key()] = recipe
    return list(recipes.values())


def measured_artifacts(model_key: str, seed: int = 0) -> dict[str, Path]:
    """Recipe name -> TFLite file of every recipe measured for this model at ``seed``."""
    found = {}
    for recipe in measured_recipes(model_key):
        artifact = cache_folder(model_key, recipe, seed) / "model.tflite"
        if artifact.is_file():
            found[recipe.name] = artifact
    return found


def measured_file(model_key: str, folder_name: str) -> tuple[str, Path] | None:
    """(recipe name, TFLite file) of the measured result in cache folder ``folder_name`` (a recipe hash, as a
    link carries it), or None when there is none: the name is checked before it touches a path."""
    if not re.fullmatch(r"[0-9a-f]{16}", folder_name or "") or not re.fullmatch(r"[0-9a-f]{8,64}", model_key):
        return None
    folder = paths.cache_dir() / "compress" / model_key / folder_name
    try:
        recipe = Recipe.from_dict(json.loads((folder / "result.json").read_text())["recipe"])
    except (MedLensError, json.JSONDecodeError, KeyError, OSError):
        return None
    return (recipe.name, folder / "model.tflite") if (folder / "model.tflite").is_file() else None


def cache_folder(model_key: str, recipe: Recipe, seed: int) -> Path:
    return paths.cache_dir() / "compress" / model_key / recipe_hash(recipe, seed)


class Compressor:
    """Compresses one model on one dataset; holds the reference predictions and the baseline."""

    def __init__(self, model, dataset: Dataset, seed: int = 0) -> None:
        from core.models.tflite import TFLiteModel

        if isinstance(model, TFLiteModel):
            raise ModelError("A compressed TFLite model is not compressed again: pick its parent, a Keras model.")
        check_compatible(model, dataset)
        self.model, self.dataset, self.seed = model, dataset, seed
        self.key = model_hash(model)
        self._reference: np.ndarray | None = None
        self._baseline: Measurement | None = None
        self._teacher = None
        self._prefixes: OrderedDict[str, object] = OrderedDict()  # model after the first k steps, by those steps

    @property
    def reference(self) -> np.ndarray:
        if self._reference is None:
            self._reference = predict_proba(self.model, self.dataset.images("test")).argmax(axis=1)
        return self._reference

    @property
    def teacher(self):
        """A private copy of the original to distil from: a fine-tune traces its teacher's layers into its own
        training graph, which must not happen on the model object other sessions' pages are calling."""
        if self._teacher is None:
            self._teacher = clone(self.model)
        return self._teacher

    def baseline(self, context: StepContext | None = None) -> Measurement:
        if self._baseline is None:
            self._baseline = self._run(BUILTIN["float32"], context or StepContext(self.seed), baseline=None)[2]
        return self._baseline

    def baseline_folder(self) -> Path:
        """Where the float32 TFLite export of the original model is kept."""
        self.baseline()
        return cache_folder(self.key, BUILTIN["float32"], self.seed)

    def all_cached(self) -> list[CompressionResult]:
        """Every recipe measured for this model before (any session), the float32 baseline aside."""
        results = [self.cached(recipe) for recipe in measured_recipes(self.key)]
        return [result for result in results if result is not None]

    def cached(self, recipe: Recipe) -> CompressionResult | None:
        folder = cache_folder(self.key, recipe, self.seed)
        if not (folder / "result.json").is_file():
            return None
        data = json.loads((folder / "result.json").read_text())
        keras_path = folder / "model.keras"
        return CompressionResult(
            recipe=recipe,
            model_hash=self.key,
            artifact=folder / "model.tflite",
            keras_artifact=keras_path if keras_path.is_file() else None,
            measurement=Measurement(**data["measurement"]),
            baseline=Measurement(**data["baseline"]),
        )

    def run(self, recipe: Recipe, context: StepContext | None = None) -> CompressionResult:
        """The measured result of ``recipe``, from the cache when it was measured before."""
        context = context or StepContext(self.seed)
        hit = self.cached(recipe)
        if hit is not None:
            return hit
        baseline = self.baseline(context)
        folder, _, _ = self._run(recipe, context, baseline)
        result = self.cached(recipe)
        assert result is not None, folder
        return result

    def _model_after(self, steps: tuple, context: StepContext):
        """The model after ``steps``, reusing the longest prefix already computed in this session:
        a search's prune80-int8 and prune80-cluster16-int8 prune only once."""
        from core.models.train import seed_everything
        from core.runtime.seeding import seeded_turn

        model, done = self.model, 0
        for k in range(len(steps), 0, -1):
            key = json.dumps([(s.kind, s.params) for s in steps[:k]], sort_keys=True)
            if key in self._prefixes:
                model, done = self._prefixes[key], k
                break
        if done < len(steps):  # a distilling fine-tune learns from the original (copied only when a step runs)
            context = dataclasses.replace(context, teacher=self.teacher)
        with seeded_turn():  # each step seeds TensorFlow's global generators and fine-tunes from them
            for k in range(done, len(steps)):
                seed_everything(self.seed + k)
                model = STEPS.get(steps[k].kind).apply(model, self.dataset, steps[k].params, context)
                self._prefixes[json.dumps([(s.kind, s.params) for s in steps[: k + 1]], sort_keys=True)] = model
                while len(self._prefixes) > PREFIX_MODELS:
                    self._prefixes.popitem(last=False)
        return model

    def _run(self, recipe: Recipe, context: StepContext, baseline: Measurement | None):
        folder = cache_folder(self.key, recipe, self.seed)
        if (folder / "result.json").is_file():
            data = json.loads((folder / "result.json").read_text())
            return folder, None, Measurement(**data["measurement"])
        model = self._model_after(recipe.steps[:-1], context)
        export = recipe.steps[-1]
        flatbuffer = STEPS.get(export.kind).apply(model, self.dataset, export.params, context)
        context.report(f"measuring {recipe.name} on the test split")
        measurement = measure(flatbuffer, model, self.dataset, self.reference)
        staging = staging_folder(folder.parent, folder.name)
        try:
            (staging / "model.tflite").write_bytes(flatbuffer)
            model_steps = [step.kind for step in recipe.steps[:-1]]
            if model_steps and "qat" not in model_steps:  # export-only recipes keep the original Keras model
                save_keras(model, staging / "model.keras")
            record = {
                "recipe": recipe.to_dict(),
                "measurement": measurement.to_dict(),
                "baseline": (baseline or measurement).to_dict(),
            }
            (staging / "result.json").write_text(json.dumps(record, indent=2))
            with contextlib.suppress(FileExistsError):  # another run finished first: keep its result
                publish(staging, folder, replace=False)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return folder, model, measurement


class RecipeProgress:
    """A recipe's step messages as a fraction that moves (for ``StepContext.report``): each new phase (a step, the
    measurement) is a share of the bar, and int8 calibration ("… 40 of 256") fills its phase as the converter reads
    its images."""

    def __init__(self, recipe: Recipe, report: Callable[[float, str], None]) -> None:
        self.report, self.phases, self.done = report, len(recipe.steps) + 2, -1

    def __call__(self, message: str) -> None:
        counted = re.search(r"(\d+) of (\d+)$", message) if message.startswith("calibrating") else None
        if counted is None:
            self.done += 1
        within = int(counted.group(1)) / max(int(counted.group(2)), 1) if counted else 0.0
        self.report(min(0.99, (max(self.done, 0) + within) / self.phases), message)
