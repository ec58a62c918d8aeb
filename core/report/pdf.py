"""The case report as a one-page PDF (fpdf2). The built-in fonts cover Latin-1 only, so text is folded to it
(dashes, ≤, arrows) instead of depending on a system font file."""

from fpdf import FPDF

from core.report.case import CaseReport
from core.report.html import call_line, domain_line

FOLD = str.maketrans({"–": "-", "—": "-", "≤": "<=", "≥": ">=", "→": "->", "·": "-", "’": "'", "“": '"', "”": '"'})


def latin1(text: object) -> str:
    return str(text).translate(FOLD).encode("latin-1", "replace").decode("latin-1")


def render(report: CaseReport) -> bytes:
    import io

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=12)
    pdf.add_page()
    width = pdf.epw

    def line(text: str, size: float = 9, style: str = "") -> None:
        pdf.set_font("Helvetica", style, size)
        pdf.multi_cell(width, size * 0.5, latin1(text), new_x="LMARGIN", new_y="NEXT")

    line("MedLens case report", 15, "B")
    line(report.disclaimer, 10, "B")
    line(f"{report.created} - model {report.model['name']} ({report.model['id']})")
    top = pdf.get_y() + 2
    pdf.image(io.BytesIO(report.image_png), x=pdf.l_margin, y=top, w=45, h=45)
    pdf.set_xy(pdf.l_margin + 50, top)
    answer = report.answer
    pdf.set_font("Helvetica", "B", 11)
    pdf.multi_cell(width - 50, 5, latin1(f"Prediction: {answer['predicted']} ({100 * answer['probability']:.1f} %)"))
    pdf.set_x(pdf.l_margin + 50)
    pdf.set_font("Helvetica", "", 9)
    facts = ", ".join(f"{k}: {v}" for k, v in report.image_facts.items())
    for text in (call_line(report.decision), domain_line(report.domain), *report.warnings, f"Image: {facts}"):
        pdf.set_x(pdf.l_margin + 50)
        pdf.multi_cell(width - 50, 4.5, latin1(text), new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(pdf.get_y(), top + 47))
    line(f"Explanations of the class {answer['predicted']}", 11, "B")
    top = pdf.get_y() + 1
    for index, view in enumerate(report.views):
        x = pdf.l_margin + index * 62
        pdf.image(io.BytesIO(view.overlay_png), x=x, y=top, w=55, h=55)
        pdf.set_xy(x, top + 56)
        pdf.set_font("Helvetica", "", 8)
        verdict = "beats" if view.beats_random else "does not beat"
        pdf.multi_cell(
            58,
            3.8,
            latin1(
                f"{view.title}: deletion AUC {view.deletion_auc:.3f}, insertion AUC "
                f"{view.insertion_auc:.3f}; {verdict} a random order"
            ),
        )
    pdf.set_y(top + 70)
    if report.compared:
        other = report.compared
        line(
            f"Compared with {other['model']}: {other['answer']['predicted']} "
            f"({100 * other['answer']['probability']:.1f} %). {call_line(other['decision'])}"
        )
    model = report.model
    auc = "n/a" if model["test_auc"] is None else f"{model['test_auc']:.3f}"
    line("Model", 11, "B")
    line(
        f"Trained on {model['dataset']} at {model['size']} px; test AUC {auc}. Lineage: " + "; ".join(model["lineage"])
    )
    line("Notes", 11, "B")
    line(report.notes or "(none)")
    return bytes(pdf.output())
