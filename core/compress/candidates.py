"""A search candidate as a trial of ``core.compute``: in this process it runs on the caller's ``Compressor``
(which reuses the pruned prefix two recipes share); in a Ray worker it rebuilds one from the shipped model and
data, starts from the caller's float32 baseline, and sends back the files of its cache entry, which the caller
publishes into its own cache exactly where a local run would have written them."""

import contextlib
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from core.compress.finetune import StepContext
from core.compress.recipe import BUILTIN, Recipe
from core.compress.run import Compressor, RecipeProgress, cache_folder
from core.compute.executor import TrialContext
from core.compute.payload import ModelPayload
from core.data.dataset import Dataset
from core.errors import Cancelled, MedLensError
from core.storage import publish, staging_folder

_OPENED: dict[tuple[str, int], Compressor] = {}


@dataclass(frozen=True)
class CompressionInputs:
    """What every candidate reads, shipped once: the model, the data and the baseline's cache entry."""

    model: ModelPayload
    dataset: Dataset
    seed: int
    baseline_files: dict[str, bytes]

    @classmethod
    def of(cls, compressor: Compressor) -> "CompressionInputs":
        files = entry_files(compressor.baseline_folder())
        return cls(ModelPayload.from_model(compressor.model), compressor.dataset, compressor.seed, files)

    def open(self) -> Compressor:
        """This worker's Compressor (one per model and seed, kept for the trials that follow)."""
        key = (self.model.digest, self.seed)
        if key not in _OPENED:
            compressor = Compressor(self.model.load(), self.dataset, self.seed)
            write_entry(cache_folder(compressor.key, BUILTIN["float32"], self.seed), self.baseline_files)
            _OPENED.clear()
            _OPENED[key] = compressor
        return _OPENED[key]


@dataclass(frozen=True)
class Outcome:
    recipe: str
    files: dict[str, bytes] | None = None  # a worker's cache entry; None when it is already in the caller's cache
    skipped: str | None = None  # why this model cannot take the recipe
    seconds: float = 0.0  # the trial's own time, where it ran (for projecting a sweep onto more workers)


@dataclass(frozen=True)
class CandidateTrial:
    def __call__(self, recipe: Recipe, shared, context: TrialContext) -> Outcome:
        local = isinstance(shared, Compressor)
        compressor = shared if local else shared.open()
        step = StepContext(compressor.seed, context.should_stop, RecipeProgress(recipe, context.report))
        started = time.perf_counter()
        try:
            result = compressor.run(recipe, step)
        except Cancelled:
            raise
        except MedLensError as error:
            return Outcome(recipe.name, skipped=f"{recipe.name}: {error}")
        seconds = time.perf_counter() - started
        if local:
            return Outcome(recipe.name, seconds=seconds)
        return Outcome(recipe.name, files=entry_files(result.artifact.parent), seconds=seconds)


def entry_files(folder: Path) -> dict[str, bytes]:
    """A cache entry as name -> bytes, to travel between a worker's cache and the caller's (``write_entry``)."""
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def write_entry(folder: Path, files: dict[str, bytes]) -> None:
    """Publish a cache entry from its files (staged, then renamed); an entry already there is kept."""
    if folder.exists() or not files:
        return
    staging = staging_folder(folder.parent, folder.name)
    try:
        for name, data in files.items():
            (staging / Path(name).name).write_bytes(data)
        with contextlib.suppress(FileExistsError):
            publish(staging, folder, replace=False)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
