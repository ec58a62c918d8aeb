"""``explain()``: validate, batch, time and cache any registered method.

Cache key: model hash + image bytes + method + parameters + targets + seed, kept in memory
(LRU) and under ``MEDLENS_HOME/cache/explain``; a repeated request costs a file read at most.
A user's upload is explained with a ``scope`` (its session): the key includes it and nothing
is written to disk, so no other session can read it and nothing of it outlives the server.
"""

import hashlib
import io
import itertools
import json
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

import numpy as np

import core.explain.gradients
import core.explain.lime_method
import core.explain.occlusion
import core.explain.rise
import core.explain.shap_methods  # noqa: F401  (each module registers its methods)
from core import paths
from core.compute.pool import shared_pool
from core.data.dataset import to_float
from core.errors import MedLensError
from core.explain.base import METHODS, ExplainContext, Explanation
from core.explain.predictor import Predictor
from core.storage import atomic_write

MEMORY_ENTRIES = 256
_scope: ContextVar[str | None] = ContextVar("explain_scope", default=None)


@contextmanager
def scoped(scope: str | None):
    """Every ``explain`` call inside (panels included) is scoped to ``scope``, as for an upload."""
    token = _scope.set(scope)
    try:
        yield
    finally:
        _scope.reset(token)


_memory: OrderedDict[str, Explanation] = OrderedDict()
_memory_lock = threading.Lock()  # sessions' script threads and jobs read and write it at once


def cache_key(
    predictor: Predictor,
    images: np.ndarray,
    method: str,
    params: dict,
    targets: np.ndarray,
    seed: int,
    scope: str | None = None,
) -> str:
    digest = hashlib.sha256()
    digest.update((scope or "").encode())
    digest.update(predictor.key.encode())
    digest.update(np.ascontiguousarray(images).tobytes())
    digest.update(json.dumps([method, params, targets.tolist(), seed], sort_keys=True).encode())
    return digest.hexdigest()[:32]


def _disk_path(predictor: Predictor, key: str) -> Path:
    return paths.cache_dir() / "explain" / predictor.key / f"{key}.npz"


def _save(path: Path, explanation: Explanation) -> None:
    extras = {f"extra_{k}": v for k, v in explanation.extras.items()}
    meta = json.dumps({"method": explanation.method, "params": explanation.params, "seconds": explanation.seconds})
    buffer = io.BytesIO()
    np.savez(buffer, maps=explanation.maps, targets=explanation.targets, meta=np.array(meta), **extras)
    atomic_write(path, buffer.getvalue())


def _load(path: Path) -> Explanation | None:
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            extras = {k.removeprefix("extra_"): data[k] for k in data.files if k.startswith("extra_")}
            return Explanation(meta["method"], data["targets"], data["maps"], meta["params"], meta["seconds"], extras)
    except (OSError, ValueError, KeyError):
        return None  # a damaged cache entry is recomputed


def explain(
    predictor: Predictor,
    images: np.ndarray,
    method: str,
    params: dict | None = None,
    targets: np.ndarray | None = None,
    seed: int = 0,
    background: np.ndarray | None = None,
    use_cache: bool = True,
    scope: str | None = None,
) -> Explanation:
    """Maps (N, H, W) for uint8 NHWC ``images``; targets default to the predicted classes.

    ``scope`` (a session id) keeps the result in memory under that scope only, never on disk.
    """
    spec = METHODS.get(method)
    settings = spec.validate(params)
    images = np.asarray(images)
    if images.ndim != 4 or images.dtype != np.uint8:
        raise MedLensError(f"Images to explain must be uint8 (N, H, W, C); got {images.dtype} {images.shape}.")
    if tuple(images.shape[1:]) != predictor.input_shape:
        raise MedLensError(f"This model expects images of shape {predictor.input_shape}, not {images.shape[1:]}.")
    if spec.needs_gradients:
        predictor.require_keras(spec.title)
    inputs = to_float(images)
    if targets is None:
        targets = predictor(inputs).argmax(axis=1)
    targets = np.asarray(targets, dtype=np.int64).reshape(-1)
    if len(targets) != len(images) or targets.min(initial=0) < 0 or targets.max(initial=0) >= predictor.num_classes:
        raise MedLensError(f"Targets must be one class index (0..{predictor.num_classes - 1}) per image.")
    scope = scope if scope is not None else _scope.get()
    key = cache_key(predictor, images, method, settings, targets, seed, scope)
    if use_cache:
        if (hit := _recall(key)) is not None:
            return hit
        path = _disk_path(predictor, key)
        if scope is None and path.is_file() and (hit := _load(path)) is not None:
            _remember(key, hit)
            return hit
    maps, extras, seconds = _computed(spec, predictor, inputs, targets, settings, ExplainContext(seed, background))
    explanation = Explanation(method, targets, np.asarray(maps, np.float32), settings, seconds, extras)
    if use_cache:
        if scope is None:
            _save(_disk_path(predictor, key), explanation)
        _remember(key, explanation)
    return explanation


def _computed(spec, predictor: Predictor, inputs, targets, settings: dict, context: ExplainContext):
    """The method's (maps, extras, seconds), computed in the server's shared pool: at most a few at once, and
    concurrent requests a method can batch (same model, method, settings and seed) computed as one batch."""
    group = None
    if spec.batches(settings):
        group = (predictor.key, spec.name, json.dumps(settings, sort_keys=True), context.seed)

    def compute(items: list) -> list:
        started = time.perf_counter()
        batch_inputs = np.concatenate([item[0] for item in items])
        batch_targets = np.concatenate([item[1] for item in items])
        maps, extras = spec.fn(predictor, batch_inputs, batch_targets, settings, context)
        seconds, parts, at = time.perf_counter() - started, [], 0
        for item_inputs, _ in items:
            n = len(item_inputs)
            part = {k: _rows(v, at, n, len(batch_inputs)) for k, v in extras.items()}
            parts.append((np.asarray(maps)[at : at + n], part, seconds))
            at += n
        return parts

    return shared_pool().run(group, (inputs, targets), compute)


def predict(predictor: Predictor, images: np.ndarray) -> np.ndarray:
    """``predictor.on_images`` for a page, through the shared pool: concurrent predictions of one model are
    answered by one batched call (a row of probabilities depends on its own image only)."""
    images = np.asarray(images)
    batch = images[np.newaxis] if images.ndim == 3 else images

    def compute(items: list) -> list:
        rows = predictor.on_images(np.concatenate(items))
        bounds = np.cumsum([0, *(len(item) for item in items)])
        return [rows[a:b] for a, b in itertools.pairwise(bounds)]

    return shared_pool().run((predictor.key, "predict", batch.shape[1:]), batch, compute)


def _rows(value, start: int, count: int, total: int):
    """A batch's extra (e.g. segments) cut to one request's rows, when it has one row per image."""
    if isinstance(value, np.ndarray) and value.ndim and len(value) == total:
        return value[start : start + count]
    return value


def _recall(key: str) -> Explanation | None:
    with _memory_lock:
        if key not in _memory:
            return None
        _memory.move_to_end(key)
        return _memory[key]


def _remember(key: str, explanation: Explanation) -> None:
    with _memory_lock:
        _memory[key] = explanation
        _memory.move_to_end(key)
        while len(_memory) > MEMORY_ENTRIES:
            _memory.popitem(last=False)


def clear_memory() -> None:
    with _memory_lock:
        _memory.clear()


def training_background(dataset, count: int = 32, seed: int = 0) -> np.ndarray:
    """A seeded sample of training images, the reference set for SHAP's gradient explainers."""
    images = dataset.images("train")
    picks = np.sort(np.random.default_rng(seed).choice(len(images), size=min(count, len(images)), replace=False))
    return to_float(images[picks])
