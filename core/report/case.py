"""A one-page case report a clinician or a student takes away: the image as shown, the model's answer and call,
the out-of-domain verdict, two or three explanations with their faithfulness, the model's facts, free-text notes.

What goes in is chosen here, never read from the upload: the image's pixels (already windowed and de-identified
by ``core.inputs``), its format and window, and the user's notes as plain text. No patient field and no original
file name can reach the page. Rendered as self-contained HTML (``html.py``) and as PDF (``pdf.py``).
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from core.errors import ModelError
from core.explain.base import METHODS
from core.explain.faithfulness import score
from core.explain.predictor import Predictor
from core.explain.service import explain
from core.models import domain, store
from core.models.clinical import decide

DISCLAIMER = "Research and teaching use only - not for diagnosis."
DEFAULT_METHODS = ("gradcam", "shap_partition")
MAX_NOTES = 4000


@dataclass(frozen=True)
class ExplainedView:
    title: str
    overlay_png: bytes
    deletion_auc: float
    insertion_auc: float
    beats_random: bool


@dataclass(frozen=True)
class CaseReport:
    created: str
    model: dict  # id, name, dataset, size, test figures, lineage
    image_png: bytes
    image_facts: dict  # format, window; technical facts only
    answer: dict  # predicted class, probability, per-class probabilities
    decision: dict | None  # the call at the operating point (binary models)
    domain: dict | None  # in_domain, domain_score, domain_threshold
    views: list[ExplainedView]
    compared: dict | None = None  # another model's answer and call on the same image
    notes: str = ""
    disclaimer: str = DISCLAIMER
    warnings: list[str] = field(default_factory=list)


def lineage(model_id: str) -> list[str]:
    """The model and its ancestors (compression or transfer parents), newest first, as short lines."""
    lines, seen, current = [], set(), model_id
    while current and current not in seen and len(lines) < 8:
        seen.add(current)
        try:
            meta = store.read_meta(current)
        except Exception:
            lines.append(f"{current} (no longer in the store)")
            break
        recipe = meta.metrics.get("recipe") if meta.format == "tflite" else None
        transfer = meta.config.get("transfer", {}).get("strategy")
        how = (
            f"compressed by {recipe.get('name')}" if recipe else f"transferred ({transfer})" if transfer else "trained"
        )
        lines.append(f"{meta.id}: {meta.dataset} {meta.size}px, {meta.format}, {how}")
        current = meta.parent
    return lines


def _stored(model_id: str) -> bool:
    try:
        store.read_meta(model_id)
    except ModelError:  # a deleted parent: no comparison, not a failed report
        return False
    return True


def _png(pixels: np.ndarray, scale: int) -> bytes:
    import io

    from PIL import Image

    shown = pixels[..., 0] if pixels.shape[2] == 1 else pixels
    image = Image.fromarray(shown)
    image = image.resize((image.width * scale, image.height * scale), Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _answer(probabilities: np.ndarray, meta, class_names: list[str]) -> tuple[dict, dict | None]:
    from dataclasses import asdict

    best = int(probabilities.argmax())
    answer = {
        "predicted": class_names[best],
        "probability": float(probabilities[best]),
        "probabilities": {n: float(p) for n, p in zip(class_names, probabilities, strict=True)},
    }
    call = decide(probabilities, meta.metrics.get("decision"), class_names)
    return answer, (None if call is None else asdict(call))


def build(
    model_id: str,
    image: np.ndarray,
    class_names: list[str],
    dataset_title: str,
    image_facts: dict,
    *,
    methods: tuple[str, ...] = DEFAULT_METHODS,
    notes: str = "",
    compare_id: str | None = None,
    background: np.ndarray | None = None,
    seed: int = 0,
    source: np.ndarray | None = None,
) -> CaseReport:
    """The report for one uint8 HWC image at the model's input size; ``source`` is the picture as uploaded (the
    domain check reads its colour)."""
    from core.viz.explain_figures import overlay_png

    meta = store.read_meta(model_id)
    predictor = Predictor(store.open_model(model_id), name=model_id)
    probabilities = predictor.on_images(image)[0]
    answer, decision = _answer(probabilities, meta, class_names)
    target = np.array([int(probabilities.argmax())])
    usable = [m for m in methods if predictor.keras is not None or not METHODS.get(m).needs_gradients][:3]
    views = []
    for method in usable:
        explained = explain(predictor, image[np.newaxis], method, None, target, seed, background, use_cache=False)
        faith = score(predictor, (image[np.newaxis] / 255.0).astype(np.float32), target, explained.maps, seed)[0]
        scale = max(1, 256 // image.shape[0])
        png = overlay_png(image, explained.maps[0], 0.6, scale)
        views.append(
            ExplainedView(METHODS.get(method).title, png, faith.deletion_auc, faith.insertion_auc, faith.passes)
        )
    verdict = domain.verdict(model_id, image, source)
    if compare_id is None and meta.format == "tflite" and meta.parent and _stored(meta.parent):
        compare_id = meta.parent  # a compressed file's report sets its decision beside the original's
    warnings = [domain.warning(verdict, dataset_title)] if verdict is not None and not verdict.in_domain else []
    compared = None
    if compare_id:
        other = store.read_meta(compare_id)
        other_probabilities = Predictor(store.open_model(compare_id)).on_images(image)[0]
        other_answer, other_decision = _answer(other_probabilities, other, class_names)
        compared = {"model": other.name, "answer": other_answer, "decision": other_decision}
    return CaseReport(
        created=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        model={
            "id": meta.id,
            "name": meta.name,
            "dataset": dataset_title,
            "size": meta.size,
            "test_accuracy": meta.metrics.get("test_accuracy"),
            "test_auc": meta.metrics.get("test_auc"),
            "lineage": lineage(model_id),
        },
        image_png=_png(image, max(1, 256 // image.shape[0])),
        image_facts=image_facts,
        answer=answer,
        decision=decision,
        domain=None if verdict is None else verdict.as_dict(),
        views=views,
        compared=compared,
        notes=str(notes)[:MAX_NOTES],
        warnings=warnings,
    )
