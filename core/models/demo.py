"""Demo models that ship with MedLens, so a class or a clinic sees an explanation in seconds, not after training.

``make demo-models`` trains the default model of each dataset here with a fixed seed (the project's own training
code, the CLI's default settings) and writes it, with its out-of-domain reference, to ``demo/models/<id>/`` in the
repository. At first start the app copies them into the store once (a marker remembers it, so a demo model a user
deletes stays deleted); they are ordinary stored models from then on.
"""

import os
import shutil
from dataclasses import asdict
from pathlib import Path

from core import paths
from core.models import domain, store
from core.storage import atomic_write, atomic_write_json, publish, staging_folder

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo" / "models"
DATASETS = ("pneumoniamnist", "breastmnist", "retinamnist")
MARKER = ".demo-models-copied"
SEED = 0


def demo_id(dataset: str) -> str:
    return f"demo-{dataset}"


def make(datasets: tuple[str, ...] = DATASETS, out: Path = DEMO_DIR, on_line=print) -> list[str]:
    """Train, fit the domain reference and write each demo model to ``out`` (replacing an older one)."""
    from core.data import load
    from core.models.train import TrainConfig
    from core.models.workflow import train_and_store

    made = []
    for name in datasets:
        trained = train_and_store(name, 28, TrainConfig(seed=SEED))
        meta = trained.meta
        keras_model = store.load(meta.id)
        domain.reference_for(keras_model, load(name, 28), meta.path)
        target = out / demo_id(name)
        fields = asdict(meta) | {"id": demo_id(name), "name": f"Demo: {load(name).title} (seed {SEED})"}
        del fields["file_bytes"]
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        store.save_keras(keras_model, target / store.MODEL_FILE)  # loaded without its optimizer: a third the size
        shutil.copy2(meta.path / domain.FILE, target / domain.FILE)
        fields["file_bytes"] = (target / store.MODEL_FILE).stat().st_size
        atomic_write_json(target / store.META_FILE, fields)
        store.delete(meta.id)
        on_line(f"{target.name}: test accuracy {trained.test.accuracy:.4f}, test AUC {trained.test.auc:.4f}")
        made.append(target.name)
    return made


def refit_references(datasets: tuple[str, ...] = DATASETS, out: Path = DEMO_DIR, on_line=print) -> list[str]:
    """Refit each shipped demo model's out-of-domain reference in place, keeping the model itself (the guard
    changed, the weights did not)."""
    from core.data import load
    from core.keras_files import load_keras_file

    refitted = []
    for name in datasets:
        target = out / demo_id(name)
        model = load_keras_file(target / store.MODEL_FILE)
        reference = domain.fit(model, load(name, 28))
        atomic_write(target / domain.FILE, reference.to_bytes())
        on_line(f"{target.name}: domain reference refitted on {reference.reference_images} training images")
        refitted.append(target.name)
    return refitted


def enabled() -> bool:
    """``MEDLENS_DEMO_MODELS=off`` keeps a store free of them (a server that serves only its own models)."""
    return os.environ.get("MEDLENS_DEMO_MODELS", "on").lower() not in ("off", "0", "no")


def copy_into_store(source: Path = DEMO_DIR) -> list[str]:
    """Copy every shipped demo model into the store, once per store; returns the ids copied."""
    if not enabled():
        return []
    root = paths.models_dir()
    if (root / MARKER).exists() or not source.is_dir():  # the app calls this on every rerun: one stat, usually
        return []
    root.mkdir(parents=True, exist_ok=True)
    copied = []
    for folder in sorted(source.iterdir()):
        if not (folder / store.META_FILE).is_file() or (root / folder.name).exists():
            continue
        staging = staging_folder(root, folder.name)
        try:
            for file in folder.iterdir():
                shutil.copy2(file, staging / file.name)
            publish(staging, root / folder.name, replace=False)
            copied.append(folder.name)
        except FileExistsError:
            pass  # another process copied it a moment ago
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    atomic_write(root / MARKER, "\n".join(copied))
    return copied
