"""The Your data page with AppTest: every upload path, with the shipped samples and generated files."""

import pytest

from tests.conftest import store_untrained
from tests.helpers import finish_job, open_page, texts
from tests.inputs import files


@pytest.fixture
def model(medlens_home):
    return store_untrained("pneumoniamnist")


def page_text(at) -> str:
    parts = [texts(at.markdown), texts(at.caption), texts(at.error), texts(at.success), texts(at.info)]
    parts += [str(frame.value) for frame in at.dataframe]
    return " ".join(parts)


def test_dicom_samples_are_windowed_predicted_and_explained(model):
    at = open_page("byod", model_id=model.id)
    at.button(key="byod_sample_CT_small.dcm").click().run()
    assert not at.exception
    assert "The model says" in texts(at.markdown) and len(at.get("plotly_chart")) == 2  # probabilities, overlay
    assert "domain score" in texts(at.caption) + texts(at.warning)  # every answer carries the domain verdict
    at.selectbox(key="byod_preset").set_value("lung").run()
    assert "window W 1500 / L -600" in texts(at.caption)
    at.selectbox(key="byod_preset").set_value("custom").run()
    at.slider(key="byod_width").set_value(400.0).run()
    assert "window W 400" in texts(at.caption)
    at.button(key="byod_sample_MR_small.dcm").click().run()
    assert "window W 1600 / L 600" in texts(at.caption)  # the file's own window
    at.button(key="byod_sample_retina.jpg").click().run()
    assert not at.exception and "JPEG" in texts(at.caption)
    assert not [s for s in at.selectbox if s.key == "byod_preset"]  # 8-bit colour: nothing to window


def test_uploads_are_read_by_content_and_bad_ones_get_a_message(model):
    at = open_page("byod", model_id=model.id)
    at.file_uploader(key="byod_upload").set_value(("xray.png", files.image_bytes("PNG"), "image/png")).run()
    assert not at.exception and "The model says" in texts(at.markdown)
    at.file_uploader(key="byod_upload").set_value(("scan.png", b"GIF89a" + bytes(40), "image/png")).run()
    assert not at.exception and "not an image MedLens reads" in texts(at.error)


def test_an_uploaded_dicom_never_shows_its_patient_fields(model):
    at = open_page("byod", model_id=model.id)
    at.file_uploader(key="byod_upload").set_value(
        ("Doe^Janet^Q.dcm", files.identified_dicom(), "application/dicom")
    ).run()
    assert not at.exception and "The model says" in texts(at.markdown)
    shown = page_text(at)
    assert "Modality" in shown
    assert not [v for v in [*files.PATIENT.values(), "Janet", "Doe^"] if v in shown]


def test_a_dataset_is_checked_reported_and_saved(model):
    from core.data import imported

    at = open_page("byod", model_id=model.id)
    at.button(key="byod_ds_sample").click().run()
    at.text_input(key="byod_ds_name").set_value("demo-cases").run()
    at.button(key="byod_ds_check").click().run()
    finish_job(at, "byod_ds_job")
    assert "120 images in 2 classes" in texts(at.markdown)
    at.button(key="byod_ds_save").click().run()
    assert not at.exception and "Saved" in texts(at.success)
    assert imported.exists("demo-cases") and at.session_state["dataset"] == "demo-cases"
    for page, heading in (("data", "demo-cases"), ("train", "Train on demo-cases")):
        other = open_page(page, dataset="demo-cases", size=28)
        assert not other.exception and heading in texts(other.title), page


@pytest.mark.slow
def test_a_model_is_checked_in_a_sandbox_and_added_to_the_store(model, tmp_path):
    from core.models import store
    from core.models.architectures import build

    path = tmp_path / "mine.keras"
    store.save_keras(build("small_cnn", (28, 28, 1), 2), path)
    at = open_page("byod", model_id=model.id)
    at.file_uploader(key="byod_model_upload").set_value(("mine.keras", path.read_bytes(), "application/zip")).run()
    finish_job(at, "byod_model_job")
    assert "Safe to load" in texts(at.success)
    at.button(key="byod_model_save").click().run()
    assert not at.exception and "Stored as" in texts(at.success)
    assert at.session_state["model_id"] != model.id and len(store.list_models()) == 2
    h5 = ("old.h5", b"\x89HDF\r\n\x1a\n" + bytes(64), "application/octet-stream")
    at.file_uploader(key="byod_model_upload").set_value(h5).run()
    at.session_state["byod_model_job"].wait(60)
    at.run()
    assert "HDF5" in texts(at.error) and len(store.list_models()) == 2


def test_the_explain_page_takes_your_image_too(model):
    at = open_page("explain", model_id=model.id)
    at.radio(key="exp_source").set_value("your image").run()
    at.button(key="exp_sample_MR_small.dcm").click().run()
    assert not at.exception
    assert "Model says" in texts(at.markdown) and len(at.get("plotly_chart")) >= 1
    assert "domain score" in texts(at.caption) + texts(at.warning)
    specs = " ".join(chart.proto.spec for chart in at.get("plotly_chart"))
    assert "drawn over the image at 64 px" in specs  # the 28 px map over the 64 px MR slice as the user sees it


def test_a_folder_upload_becomes_a_dataset_with_its_splits(model):
    uploads = [
        (f"cases/{split}/{label}/{i}.png", files.image_bytes("PNG"), "image/png")
        for split in ("train", "val", "test")
        for label in ("left", "right")
        for i in range(2)
    ]
    at = open_page("byod", model_id=model.id)
    at.file_uploader(key="byod_ds_folder").set_value(uploads).run()
    at.text_input(key="byod_ds_name").set_value("folder-cases").run()
    at.button(key="byod_ds_check").click().run()
    finish_job(at, "byod_ds_job")
    assert "12 images in 2 classes" in texts(at.markdown) and "kept from the folders" in texts(at.markdown)
    escaping = [("../../etc/x.png", files.image_bytes("PNG"), "image/png")]
    at.file_uploader(key="byod_ds_folder").set_value(escaping).run()
    at.button(key="byod_ds_check").click().run()
    at.session_state["byod_ds_job"].wait(60)
    at.run()
    assert "outside" in texts(at.error)


@pytest.mark.slow
def test_a_case_report_is_prepared_for_your_image_and_follows_it(model):
    at = open_page("byod", model_id=model.id)
    at.button(key="byod_sample_CT_small.dcm").click().run()
    at.text_area(key="byod_case_notes").input("Teaching case").run()
    at.button(key="byod_case_prepare").click().run()
    assert not at.exception and not at.error
    labels = [b.label for b in at.get("download_button")]
    assert "Download PDF" in labels and "Download HTML" in labels
    at.button(key="byod_sample_MR_small.dcm").click().run()
    assert "Download PDF" not in [b.label for b in at.get("download_button")]  # made for the other image


@pytest.mark.slow
def test_a_model_is_validated_on_a_labelled_folder_with_its_uncertainty(medlens_home, breast):
    from core.inputs.samples import class_folder_zip

    model = store_untrained("breastmnist")
    at = open_page("byod", model_id=model.id, dataset="breastmnist", size=28)
    assert at.button(key="byod_ext_run").disabled  # nothing uploaded yet
    zipped = class_folder_zip(breast, per_class=15, seed=3)
    at.file_uploader(key="byod_ext_upload").set_value(("clinic.zip", zipped, "application/zip")).run()
    at.button(key="byod_ext_run").click().run()
    finish_job(at, "byod_ext_job")
    assert not at.exception
    assert [m.value for m in at.metric][:1] == ["30"]
    assert "95 % confidence intervals" in texts(at.markdown)
    table = at.dataframe[-1].value
    assert {"sensitivity", "specificity"} <= set(table["figure"]) and (table["95 % CI low"] <= table["value"]).all()
