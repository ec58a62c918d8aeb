"""Many images at once (files, a folder, a zip) and the external validation on a user's own class folders."""

import io
import zipfile

import numpy as np
import pytest
from PIL import Image

from core.errors import InputError
from core.inputs.limits import Limits
from core.models import cases, external
from tests.conftest import store_untrained


def _png(image: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image[..., 0] if image.shape[2] == 1 else image).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def folder(tmp_path, breast):
    root = tmp_path / "cases"
    (root / "sub").mkdir(parents=True)
    for index in range(3):
        (root / ("sub" if index else "") / f"patient-name-{index}.png").write_bytes(_png(breast.images("test")[index]))
    (root / "notes.txt").write_text("not an image")
    (root / ".DS_Store").write_bytes(b"\0" * 10)
    return root


def test_a_folder_reads_as_numbered_cases_without_names_and_refuses_a_non_image(folder):
    read = cases.read_cases([folder], (28, 28, 1), "pad")
    assert [c.number for c in read.cases] == [2, 3, 4] and read.images.shape == (3, 28, 28, 1)  # sorted paths
    assert [number for number, _ in read.refused] == [1] and "not an image" in read.refused[0][1]
    assert all(len(c.image_id) == 12 and "patient" not in c.image_id for c in read.cases)
    assert len({c.image_id for c in read.cases}) == 3


def test_a_zip_reads_as_cases_and_the_caps_hold(folder, tmp_path):
    archive = tmp_path / "cases.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for path in sorted(folder.rglob("*.png")):
            out.writestr(path.name, path.read_bytes())
    assert len(cases.read_cases([archive], (28, 28, 1), "crop").cases) == 3
    with pytest.raises(InputError, match="More than 2 files"):
        cases.read_cases([folder], (28, 28, 1), "pad", limits=Limits(max_folder_files=2))
    with pytest.raises(InputError, match="None of the files"):
        cases.read_cases([folder / "notes.txt"], (28, 28, 1), "pad")


def test_rows_give_every_case_an_answer_and_a_domain_verdict(folder):
    model = store_untrained("breastmnist")
    rows = cases.predict_cases(model.id, cases.read_cases([folder], (28, 28, 1), "pad"))
    assert [r["case"] for r in rows] == [2, 3, 4]
    for row in rows:
        assert row["p_malignant"] + row["p_normal, benign"] == pytest.approx(1.0, abs=1e-5)
        assert row["in_domain"] in (True, False) and row["domain_threshold"] == 1.0


def test_csv_cells_a_spreadsheet_would_run_are_defused():
    text = cases.rows_csv(
        [{"case": 1, "predicted": '=HYPERLINK("x")', "p": 0.5}, {"case": 2, "predicted": "ok", "p": 1}]
    )
    lines = text.splitlines()
    assert lines[0] == "case,predicted,p" and lines[1].startswith("1,\"'=HYPERLINK") and lines[2] == "2,ok,1"


def test_an_external_folder_must_use_the_model_s_class_names():
    assert list(external._class_map(("Normal", "PNEUMONIA"), ("normal", "pneumonia"))) == [0, 1]
    assert list(external._class_map(("normal_benign", "malignant"), ("malignant", "normal, benign"))) == [1, 0]
    with pytest.raises(InputError, match="'akiec', which is not a class"):
        external._class_map(("akiec", "normal"), ("normal", "pneumonia"))


@pytest.mark.slow
def test_an_external_validation_gives_the_report_card_with_domain_counts(breast, tmp_path):
    from core.inputs.samples import class_folder_zip

    model = store_untrained("breastmnist")
    source = tmp_path / "clinic.zip"
    source.write_bytes(class_folder_zip(breast, per_class=20, seed=1))
    result = external.validate(model.id, source).as_dict()
    assert result["images"] == 40 and result["images_per_class"] == {"malignant": 20, "normal, benign": 20}
    assert 0.0 <= result["accuracy"] <= 1.0 and 0.0 <= result["auc"] <= 1.0
    assert result["in_domain"] + result["out_of_domain"] == 40
    interval = result["intervals"]["sensitivity"]
    assert interval["ci_low"] <= interval["value"] <= interval["ci_high"]
