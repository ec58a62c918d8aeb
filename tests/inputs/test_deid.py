"""No patient field of a DICOM reaches any output: CLI text, stored files, caches or logs."""

import logging
import shutil

from core.inputs.deid import BASIC_PROFILE, identifying_values, scrubber
from tests.inputs import files
from tests.test_cli import last_json, run_cli

PATIENT = {
    "PatientName": "Doe^Janet^Q",
    "PatientID": "PID-778899",
    "PatientBirthDate": "19610417",
    "InstitutionName": "Saint Example Hospital",
    "ReferringPhysicianName": "Smithers^Alan",
    "AccessionNumber": "ACC-5566",
}


def _identified(edit_source="CT_small.dcm") -> bytes:
    def edit(dataset):
        for key, value in PATIENT.items():
            setattr(dataset, key, value)

    return files.dicom_bytes(edit, edit_source)


def _secrets(data: bytes) -> list[str]:
    import io

    import pydicom

    dataset = pydicom.dcmread(io.BytesIO(data))
    values = {
        str(dataset.get(k)) for k in BASIC_PROFILE if dataset.get(k) is not None and len(str(dataset.get(k))) >= 6
    }
    return sorted(values | set(PATIENT.values()) | {"Janet", "Smithers"})


def test_scrubber_removes_every_identifying_value():
    import io

    import pydicom

    dataset = pydicom.dcmread(io.BytesIO(_identified()))
    assert {"Doe^Janet^Q", "Janet", "PID-778899"} <= set(identifying_values(dataset))
    assert scrubber(dataset)("failed for Doe^Janet^Q (PID-778899)") == "failed for [removed] ([removed])"


def test_no_patient_field_in_any_output_file_or_log(medlens_home, tmp_path, caplog, pneumonia):
    from core.data import imported
    from core.inputs.dataset_import import import_dataset
    from core.inputs.images import read_image

    ct, mr = _identified(), _identified("MR_small.dcm")
    secrets = _secrets(ct) + _secrets(mr)
    caplog.set_level(logging.DEBUG)
    decoded = read_image(ct)
    source = tmp_path / "cases"
    for label, data in (("ct", ct), ("mr", mr)):
        (source / label).mkdir(parents=True)
        for i in range(3):
            (source / label / f"scan{i}.dcm").write_bytes(data)
    dataset, report = import_dataset(source, "scans")
    imported.save(dataset, report.source_kind, report.seed)
    image = source / "ct" / "scan0.dcm"
    model = _store_model()
    predicted = run_cli("predict", "--model", model, "--image", str(image), "--json", home=medlens_home)
    last_json(predicted)
    cli_import = run_cli("import-dataset", str(source), "--name", "scans-cli", home=medlens_home)
    assert cli_import.returncode == 0, cli_import.stderr
    outputs = {
        "summary": str(decoded.summary),
        "report": str(report.lines()) + str(report.refused),
        "logs": caplog.text,
        "cli": predicted.stdout + predicted.stderr + cli_import.stdout + cli_import.stderr,
    }
    for path in medlens_home.rglob("*"):
        if path.is_file():
            outputs[str(path)] = path.read_bytes().decode("latin-1")
    leaks = {(where, secret) for where, text in outputs.items() for secret in secrets if secret in text}
    assert not leaks
    shutil.rmtree(source)


def _store_model() -> str:
    from tests.conftest import store_untrained

    return store_untrained("pneumoniamnist").id
