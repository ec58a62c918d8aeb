"""A model card (Mitchell et al., 2019) per stored model, in Markdown and HTML: what it was trained on, how well
it does and how sure it is, what it is for, what it is not for, and where it came from."""

from html import escape

from core.data.loader import title
from core.models import store
from core.report.case import DISCLAIMER, lineage


def _figure(value, digits: int = 3) -> str:
    return "n/a" if value is None else f"{float(value):.{digits}f}"


def sections(model_id: str) -> list[tuple[str, list[str]]]:
    """(heading, lines) in order; both renderings read these."""
    meta = store.read_meta(model_id)
    metrics, decision = meta.metrics, meta.metrics.get("decision") or {}
    transfer = meta.config.get("transfer")
    data = [
        f"Dataset: {title(meta.dataset)}, {meta.size}x{meta.size} px.",
        f"Architecture: {meta.arch}, {meta.params:,} parameters, format {meta.format}.",
        f"Training: {meta.epochs} epochs, seed {meta.seed}, {meta.train_seconds:.0f} s.",
    ]
    if transfer:
        data.append(
            f"Transferred from {transfer.get('source')} by {transfer.get('strategy')} on "
            f"{transfer.get('train_images')} training images ({100 * transfer.get('fraction', 1):.0f} % of the labels)."
        )
    figures = [
        f"Test accuracy {_figure(metrics.get('test_accuracy'))}, test AUC {_figure(metrics.get('test_auc'))}, "
        f"validation accuracy {_figure(metrics.get('val_accuracy'))}, "
        f"validation AUC {_figure(metrics.get('val_auc'))}.",
        "Accuracy depends on the class mix of the test set; judge with AUC and the operating point "
        "(`python -m core evaluate --model ID --json` gives sensitivity and specificity with 95 % intervals).",
    ]
    calibration = [
        f"Expected calibration error on test: {_figure(metrics.get('test_ece'))}.",
        f"Temperature fitted on validation: {_figure(decision.get('temperature'), 2)} (1 = already calibrated).",
        f"Operating point rule: {decision.get('rule', 'n/a')}; thresholds per class: "
        + ", ".join(_figure(t) for t in decision.get("thresholds", [])),
    ]
    return [
        ("Model", [f"{meta.name} ({meta.id}), stored {meta.created}."]),
        ("Data", data),
        ("Performance", figures),
        ("Calibration", calibration),
        (
            "Intended use",
            [DISCLAIMER, "Teaching and exploring how image classifiers learn, fail and explain themselves."],
        ),
        (
            "Limitations",
            [
                f"Trained only on {title(meta.dataset)} images: an image of another kind gets an answer that means "
                "nothing (MedLens's out-of-domain check warns).",
                "Small public datasets: figures carry wide uncertainty and may not hold in another hospital.",
                "Explanations show what moved the model's output, not what is medically present.",
            ],
        ),
        ("Lineage", lineage(model_id)),
    ]


def markdown(model_id: str) -> str:
    parts = ["# Model card"]
    for heading, lines in sections(model_id):
        parts.append(f"\n## {heading}\n")
        parts.extend(f"- {line}" for line in lines)
    return "\n".join(parts) + "\n"


def html(model_id: str) -> str:
    body = "".join(
        f"<h2>{escape(heading)}</h2><ul>{''.join(f'<li>{escape(line)}</li>' for line in lines)}</ul>"
        for heading, lines in sections(model_id)
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Model card</title></head>'
        "<body style='font-family:sans-serif;max-width:800px;margin:1em auto'><h1>Model card</h1>"
        f"{body}</body></html>\n"
    )
