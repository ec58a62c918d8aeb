"""The case report (PDF and HTML) and the model card: what a person takes away, and what never goes in."""

import re
import zlib

import pytest

from tests.conftest import store_untrained
from tests.helpers import last_json, run_cli
from tests.inputs import files


def pdf_text(data: bytes) -> str:
    """The text a PDF shows: every compressed content stream inflated, the strings of its text operators joined."""
    chunks = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.DOTALL):
        try:
            chunks.append(zlib.decompress(stream))
        except zlib.error:
            chunks.append(stream)
    strings = re.findall(rb"\(((?:\\.|[^\\)])*)\)", b"\n".join(chunks))
    return " ".join(s.decode("latin-1").replace("\\(", "(").replace("\\)", ")") for s in strings)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["dicom", "png"])
def test_a_report_carries_the_answer_the_verdict_and_the_disclaimer_and_no_patient(medlens_home, tmp_path, kind):
    model = store_untrained("pneumoniamnist")
    source = tmp_path / ("Doe^Janet^Q.dcm" if kind == "dicom" else "Doe_Janet_chest.png")
    source.write_bytes(files.identified_dicom() if kind == "dicom" else files.image_bytes("PNG"))
    texts = {}
    for suffix in ("pdf", "html"):
        out = tmp_path / f"case.{suffix}"
        result = last_json(
            run_cli(
                "report",
                "--model",
                model.id,
                "--image",
                str(source),
                "--out",
                str(out),
                "--methods",
                "gradcam,occlusion",
                "--notes",
                "Look at the <b>left</b> base",
                "--json",
                home=medlens_home,
            )
        )
        data = out.read_bytes()
        texts[suffix] = pdf_text(data) if suffix == "pdf" else data.decode()
        assert result["predicted"] in texts[suffix]
    assert texts["pdf"].startswith("MedLens case report") or "MedLens case report" in texts["pdf"]
    for text in texts.values():
        assert "not for diagnosis" in text and "Out-of-domain check" in text and "Grad-CAM" in text
        assert "Doe" not in text and "Janet" not in text
        for value in files.PATIENT.values():
            assert str(value) not in text
    assert "&lt;b&gt;left&lt;/b&gt;" in texts["html"]  # notes are text, never markup
    assert "<script" not in texts["html"] and "http" not in texts["html"].replace("http-equiv", "")


def test_a_wrong_output_name_is_one_line(medlens_home, tmp_path):
    model = store_untrained("pneumoniamnist")
    image = tmp_path / "x.png"
    image.write_bytes(files.image_bytes("PNG"))
    bad = run_cli(
        "report", "--model", model.id, "--image", str(image), "--out", str(tmp_path / "x.docx"), home=medlens_home
    )
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1 and ".pdf or .html" in bad.stderr


def test_a_model_card_names_its_data_figures_use_and_limits(medlens_home, tmp_path):
    from core.report import card

    model = store_untrained("pneumoniamnist")
    text = card.markdown(model.id)
    for heading in ("## Data", "## Performance", "## Calibration", "## Intended use", "## Limitations", "## Lineage"):
        assert heading in text
    assert "not for diagnosis" in text
    assert "<h2>Limitations</h2>" in card.html(model.id)


@pytest.mark.slow
def test_a_compressed_models_report_sets_its_call_beside_the_original(medlens_home, tmp_path):
    from core.compress.recipe import BUILTIN
    from core.compress.run import Compressor
    from core.compress.workflow import save_to_store
    from core.data import load
    from core.models import store

    model = store_untrained("breastmnist")
    result = Compressor(store.load(model.id), load("breastmnist")).run(BUILTIN["int8"])
    small = save_to_store(result, store.read_meta(model.id))
    image = tmp_path / "x.png"
    image.write_bytes(files.image_bytes("PNG"))
    out = tmp_path / "case.html"
    last_json(run_cli("report", "--model", small.id, "--image", str(image), "--out", str(out),
                      "--methods", "occlusion", "--json", home=medlens_home))  # fmt: skip
    text = out.read_text()
    assert f"Compared with {model.name}" in text and "int8" in text
