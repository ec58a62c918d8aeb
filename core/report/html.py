"""The case report as one self-contained HTML file: images inline (data URIs), no script, no outside request,
every text escaped."""

import base64
from html import escape

from core.report.case import CaseReport


def _img(png: bytes, alt: str) -> str:
    return f'<img alt="{escape(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'


def _percent(value) -> str:
    return "n/a" if value is None else f"{100 * float(value):.1f} %"


def call_line(decision: dict | None) -> str:
    """The decision at the operating point in words (shared with the PDF)."""
    if decision is None:
        return "No operating point is stored for this model (multi-class): the most probable class is shown."
    verdict = decision["positive_class"] if decision["positive"] else f"not {decision['positive_class']}"
    return (
        f"Calibrated probability of {decision['positive_class']}: {_percent(decision['probability'])}; at the "
        f"operating point (threshold {_percent(decision['threshold'])}, chosen on validation) the call is {verdict}."
    )


def domain_line(verdict: dict | None) -> str:
    if verdict is None:
        return "No out-of-domain check for this model."
    words = "in domain" if verdict["in_domain"] else "OUT OF DOMAIN"
    score, threshold = verdict["domain_score"], verdict["domain_threshold"]
    signal = verdict.get("domain_signal")
    decided = f"; highest check: {signal}" if signal else ""
    return f"Out-of-domain check: {words} (score {score:.2f}, limit {threshold:.1f}{decided})."


def render(report: CaseReport) -> str:
    model, answer = report.model, report.answer
    views = "".join(
        f"<figure>{_img(v.overlay_png, v.title)}<figcaption>{escape(v.title)}<br>deletion AUC {v.deletion_auc:.3f} · "
        f"insertion AUC {v.insertion_auc:.3f} · {'beats' if v.beats_random else 'does not beat'} a random order"
        "</figcaption></figure>"
        for v in report.views
    )
    compared = ""
    if report.compared:
        other = report.compared
        compared = (
            f"<h2>Compared with {escape(other['model'])}</h2><p>{escape(other['answer']['predicted'])} "
            f"({_percent(other['answer']['probability'])}). {escape(call_line(other['decision']))}</p>"
        )
    warnings = "".join(f'<p class="warn">{escape(w)}</p>' for w in report.warnings)
    facts = ", ".join(f"{escape(str(k))}: {escape(str(v))}" for k, v in report.image_facts.items())
    lineage = "".join(f"<li>{escape(line)}</li>" for line in model["lineage"])
    auc = "n/a" if model["test_auc"] is None else f"{model['test_auc']:.3f}"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>MedLens case report</title>
<style>body{{font-family:sans-serif;max-width:900px;margin:1em auto;color:#222}}figure{{display:inline-block;margin:4px;
text-align:center;font-size:0.85em}}img{{width:256px;image-rendering:pixelated}}.warn{{background:#fde2c4;padding:6px}}
.disclaimer{{font-weight:bold;border:2px solid #a33;padding:6px}}</style></head><body>
<h1>MedLens case report</h1>
<p class="disclaimer">{escape(report.disclaimer)}</p>
<p>{escape(report.created)} · model {escape(model["name"])} ({escape(model["id"])})</p>
<h2>Image</h2><figure>{_img(report.image_png, "the image as displayed")}<figcaption>{facts}</figcaption></figure>
<h2>Answer</h2><p>The model says <b>{escape(answer["predicted"])}</b> ({_percent(answer["probability"])}).</p>
<p>{escape(call_line(report.decision))}</p><p>{escape(domain_line(report.domain))}</p>{warnings}
<h2>Explanations (class {escape(answer["predicted"])})</h2>{views}
{compared}
<h2>Model</h2><p>Trained on {escape(model["dataset"])} at {model["size"]} px · test accuracy
{_percent(model["test_accuracy"])} · test AUC {auc}</p><ul>{lineage}</ul>
<h2>Notes</h2><p>{escape(report.notes) or "(none)"}</p>
</body></html>
"""
