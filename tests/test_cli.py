"""python -m core: JSON on the last line, one-line errors with a non-zero exit."""

import json

import numpy as np
import pytest

from tests.conftest import store_untrained
from tests.helpers import last_json, run_cli


def test_datasets_lists_the_catalogue_and_local_files(medlens_home):
    data = last_json(run_cli("datasets", "--json", home=medlens_home))
    rows = {row["name"]: row for row in data["datasets"]}
    assert rows["pneumoniamnist"]["local"].endswith("pneumoniamnist.npz")
    assert rows["bloodmnist"]["local"] == "" and rows["chestmnist"]["local"] == "unsupported"
    table = run_cli("datasets", home=medlens_home)
    assert "pneumoniamnist" in table.stdout and table.returncode == 0


@pytest.mark.slow
def test_train_evaluate_and_models_round_trip(medlens_home):
    trained = last_json(
        run_cli(
            *("train", "--dataset", "breastmnist", "--epochs", "2", "--patience", "3", "--no-class-weights", "--json"),
            home=medlens_home,
        )
    )
    from core.models.store import read_meta

    config = read_meta(trained["model_id"]).config
    assert config["patience"] == 3 and config["class_weights"] is False
    assert {"model_id", "dataset", "arch", "test_accuracy", "test_auc", "params", "train_seconds"} <= set(trained)
    assert trained["dataset"] == "breastmnist" and trained["arch"] == "small_cnn"
    assert 0.0 <= trained["test_accuracy"] <= 1.0 and trained["params"] > 0
    evaluated = last_json(run_cli("evaluate", "--model", trained["model_id"], "--json", home=medlens_home))
    assert evaluated["accuracy"] == pytest.approx(trained["test_accuracy"])
    assert len(evaluated["per_class"]) == 2 and len(evaluated["confusion"]) == 2
    listed = last_json(run_cli("models", "--json", home=medlens_home))
    assert [m["id"] for m in listed["models"]] == [trained["model_id"]]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("train", "--dataset", "notamnist", "--epochs", "1"), "Unknown dataset 'notamnist'"),
        (("train", "--dataset", "chestmnist", "--epochs", "1"), "multi-label"),
        (("evaluate", "--model", "missing-model"), "No model 'missing-model'"),
        (("train", "--dataset", "breastmnist", "--patience", "0"), "patience must be >= 1"),
    ],
)
def test_errors_are_one_line_with_non_zero_exit(medlens_home, args, message):
    result = run_cli(*args, "--json", home=medlens_home)
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and message in lines[0]
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_corrupt_stored_model_is_one_line_error(medlens_home):
    folder = medlens_home / "models" / "broken-model"
    folder.mkdir(parents=True)
    meta = {
        "id": "broken-model",
        "name": "broken",
        "dataset": "breastmnist",
        "size": 28,
        "arch": "small_cnn",
        "seed": 0,
        "epochs": 1,
        "params": 1,
        "file_bytes": 4,
        "train_seconds": 0.0,
        "created": "2026-01-01",
    }
    (folder / "meta.json").write_text(json.dumps(meta))
    (folder / "model.keras").write_bytes(b"junk")
    result = run_cli("evaluate", "--model", "broken-model", home=medlens_home)
    assert result.returncode == 1 and "not a valid .keras file" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture
def stored_breast_model(medlens_home):
    return store_untrained("breastmnist")


@pytest.mark.slow
def test_compress_recipe_and_search_print_one_json_line(medlens_home, stored_breast_model, tmp_path):
    model_id = stored_breast_model.id
    result = last_json(
        run_cli("compress", "--model", model_id, "--recipe", "int8", "--json", "--quiet", home=medlens_home)
    )
    for key in (
        "recipe",
        "artifact",
        "bytes",
        "gzip_bytes",
        "float_tflite_bytes",
        "size_ratio",
        "test_accuracy",
        "baseline_accuracy",
        "accuracy_drop",
        "test_auc",
        "latency_ms",
        "agreement",
    ):
        assert key in result
    assert result["recipe"] == "int8" and result["size_ratio"] > 3.5
    for key in ("auc_drop", "sensitivity_at_95_specificity_drop", "ece_rise", "decision_flips", "operating_point"):
        assert key in result
    searched = last_json(
        run_cli(
            "compress",
            "search",
            "--model",
            model_id,
            "--budget",
            "2",
            "--max-drop",
            "0.05",
            "--target-ratio",
            "2",
            "--max-auc-drop",
            "0.5",
            "--max-ece-rise",
            "0.5",
            "--json",
            "--quiet",
            home=medlens_home,
        )
    )
    assert [c["recipe"] for c in searched["candidates"]] == ["int8", "float16"]
    assert searched["recommended"]["recipe"] in {"int8", "float16"} and searched["front"]
    assert searched["limits"] == {"accuracy": 0.05, "auc": 0.5, "ece": 0.5}
    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "x", "steps": [{"kind": "prune", "params": {"sparsity": 2}}]}')
    refused = run_cli("compress", "--model", model_id, "--recipe", str(bad), home=medlens_home)
    assert refused.returncode == 1 and "field 'sparsity'" in refused.stderr and "Traceback" not in refused.stderr


@pytest.mark.slow
def test_explain_writes_an_overlay_and_maps(medlens_home, stored_breast_model, tmp_path):
    out, npy = tmp_path / "overlay.png", tmp_path / "maps.npy"
    result = last_json(
        run_cli(
            "explain",
            "--model",
            stored_breast_model.id,
            "--index",
            "3",
            "--method",
            "occlusion",
            "--out",
            str(out),
            "--npy",
            str(npy),
            "--json",
            home=medlens_home,
        )
    )
    assert (
        result["method"] == "occlusion" and result["index"] == 3 and result["label"] in {"malignant", "normal, benign"}
    )
    assert abs(sum(result["probabilities"].values()) - 1.0) < 1e-4
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    import numpy as np

    assert np.load(npy).shape == (1, 28, 28)
    refused = run_cli("explain", "--model", stored_breast_model.id, "--index", "9999", home=medlens_home)
    assert refused.returncode == 1 and "--index must be between 0 and 155" in refused.stderr


@pytest.mark.slow
def test_bench_explain_reports_every_method(medlens_home, stored_breast_model):
    report = last_json(
        run_cli("bench", "explain", "--model", stored_breast_model.id, "--images", "1", "--json", home=medlens_home)
    )
    from core.explain.service import METHODS

    assert set(report["methods"]) == set(METHODS.names)
    for values in report["methods"].values():
        assert "error" in values or {"ms_per_image", "deletion_auc", "insertion_auc"} <= set(values)
    assert {"deletion_auc", "insertion_auc"} <= set(report["random"]) and report["cached_request_ms"] >= 0


@pytest.mark.slow
def test_augment_preview_efficiency_and_bench(medlens_home, tmp_path):
    out = tmp_path / "grid.png"
    preview = last_json(
        run_cli(
            "augment",
            "preview",
            "--pipeline",
            "chest_xray",
            "--dataset",
            "breastmnist",
            "--out",
            str(out),
            "--json",
            home=medlens_home,
        )
    )
    assert out.read_bytes()[:4] == b"\x89PNG" and preview["images"] == 4 and preview["draws"] == 4
    result = last_json(
        run_cli(
            "augment",
            "efficiency",
            "--pipeline",
            "chest_xray",
            "--dataset",
            "breastmnist",
            "--fractions",
            "0.1",
            "--seeds",
            "1",
            "--epochs",
            "1",
            "--json",
            "--quiet",
            home=medlens_home,
        )
    )
    row = result["fractions"][0]
    assert row["fraction"] == 0.1 and {"test_accuracy_with_mean", "test_auc_without_std"} <= set(row)
    bench = last_json(run_cli("bench", "augment", "--dataset", "breastmnist", "--json", home=medlens_home))
    assert {"images", "medlens_images_per_s", "imagedatagenerator_images_per_s", "ratio"} <= set(bench)
    assert bench["images"] == 546 and bench["ratio"] > 0 and bench["size"] == 28 and bench["preview_seconds"] > 0
    bad = tmp_path / "bad.json"
    bad.write_text('{"steps": [{"op": "rotate", "params": {"degrees": 999}}]}')
    refused = run_cli("augment", "preview", "--pipeline", str(bad), home=medlens_home)
    assert refused.returncode == 1 and "field 'degrees'" in refused.stderr and "Traceback" not in refused.stderr


@pytest.mark.slow
def test_predict_an_image_file_with_a_window(medlens_home):
    from tests.inputs.files import pydicom_file

    model = store_untrained("pneumoniamnist")
    args = ("predict", "--model", model.id, "--image", str(pydicom_file("CT_small.dcm")), "--preset", "lung", "--json")
    result = last_json(run_cli(*args, home=medlens_home))
    assert result["predicted"] in ("normal", "pneumonia") and abs(sum(result["probabilities"].values()) - 1) < 1e-4
    assert result["window"] == {"center": -600.0, "width": 1500.0} and result["image"]["Modality"] == "CT"


def test_byod_refusals_are_one_line_errors(medlens_home, tmp_path):
    model = store_untrained("pneumoniamnist")
    fake = tmp_path / "scan.png"
    fake.write_bytes(b"not an image at all")
    h5 = tmp_path / "model.h5"
    h5.write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(64))
    for args in (
        ("predict", "--model", model.id, "--image", str(fake)),
        ("import-model", str(h5)),
        ("import-dataset", str(fake), "--name", "x"),
        ("import-dataset", str(tmp_path / "missing"), "--name", "x"),
    ):
        result = run_cli(*args, home=medlens_home)
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 1 and lines[-1].startswith("error: ") and "Traceback" not in result.stderr, args


@pytest.mark.slow
def test_import_dataset_then_model_then_predict(medlens_home, tmp_path):
    from core.models import store
    from core.models.architectures import build
    from tests.inputs import files

    archive = tmp_path / "cases.zip"
    archive.write_bytes(files.class_zip(per_class=5))
    imported = last_json(
        run_cli("import-dataset", str(archive), "--name", "cases", "--size", "16", "--json", home=medlens_home)
    )
    assert imported["counts"]["train"] == [3, 3] and imported["shape"] == [16, 16, 1]
    listed = run_cli("datasets", home=medlens_home)
    assert "cases" in listed.stdout
    model_file = tmp_path / "mine.keras"
    store.save_keras(build("small_cnn", (16, 16, 1), 2), model_file)
    result = last_json(
        run_cli("import-model", str(model_file), "--dataset", "cases", "--size", "16", "--json", home=medlens_home)
    )
    image = tmp_path / "x.png"
    image.write_bytes(files.image_bytes("PNG"))
    predicted = last_json(
        run_cli("predict", "--model", result["model_id"], "--image", str(image), "--json", home=medlens_home)
    )
    assert set(predicted["probabilities"]) == {"a", "b"}


def test_sub_commands_and_the_old_spellings_parse_alike():
    from core.cli import normalise, parser

    cli = parser()
    old = cli.parse_args(normalise(["compress", "--model", "m", "--recipe", "int8", "--json"]))
    new = cli.parse_args(normalise(["compress", "run", "--model", "m", "--recipe", "int8", "--json"]))
    assert vars(old) == vars(new) and new.handler.__name__ == "run_recipe"
    assert cli.parse_args(["compress", "search", "--model", "m"]).handler.__name__ == "search_recipes"
    assert cli.parse_args(["augment", "efficiency", "--pipeline", "none"]).handler.__name__ == "efficiency"
    assert cli.parse_args(["bench", "augment"]).size == 28  # the shared --dataset/--size parent
    for family in ("train", "import-model m.keras", "augment preview --pipeline none"):
        assert cli.parse_args([*family.split(), "--dataset", "breastmnist"]).dataset == "breastmnist"
    with pytest.raises(SystemExit):
        cli.parse_args(["explain", "--model", "m", "--index", "0", "--method", "nope"])  # choices from the registry


@pytest.mark.slow
def test_check_model_runs_both_gates_and_stores_nothing(medlens_home, tmp_path):
    from core.keras_files import save_keras
    from core.models.architectures import build
    from tests.inputs import files

    good = tmp_path / "good.keras"
    save_keras(build("small_cnn", (28, 28, 1), 2), good)
    report = last_json(run_cli("check-model", str(good), "--json", home=medlens_home))
    assert report["safe"] and report["input_shape"] == [28, 28, 1] and report["num_classes"] == 2
    evil = tmp_path / "evil.keras"
    evil.write_bytes(files.keras_archive(files.write_file_attack(str(tmp_path / "written.pth"))))
    refused = run_cli("check-model", str(evil), home=medlens_home)
    assert refused.returncode == 1 and "runs code" in refused.stderr and "Traceback" not in refused.stderr
    assert not (tmp_path / "written.pth").exists() and not (medlens_home / "models").exists()


@pytest.mark.slow
def test_evaluate_json_carries_the_clinical_figures(medlens_home):
    model = store_untrained("breastmnist")
    data = last_json(run_cli("evaluate", "--model", model.id, "--json", home=medlens_home))
    point = data["operating_point"]
    assert set(point) == {"rule", "threshold", "sensitivity", "specificity", "ppv", "npv"} and point["rule"] == "youden"
    assert set(data["sensitivity_at_specificity"]) == {"0.9", "0.95"}
    assert set(data["specificity_at_sensitivity"]["0.95"]) == {"value", "ci_low", "ci_high"}
    assert set(data["ece"]) == {"value", "ci_low", "ci_high"} and data["temperature"] > 0
    assert (
        len(data["net_benefit"]["thresholds"])
        == len(data["net_benefit"]["model"])
        == len(data["net_benefit"]["treat_all"])
    )
    assert isinstance(data["auc"], float) and data["auc_ci"]["ci_low"] <= data["auc_ci"]["ci_high"]
    text = run_cli("evaluate", "--model", model.id, home=medlens_home)
    assert "operating point (youden" in text.stdout and "sensitivity at specificity 0.95" in text.stdout


@pytest.mark.slow
def test_a_saved_compressed_file_evaluates_and_predicts_through_its_interpreter(medlens_home, stored_breast_model):
    saved = last_json(
        run_cli(
            "compress", "--model", stored_breast_model.id, "--recipe", "int8", "--save", "--json", home=medlens_home
        )
    )["saved_model_id"]
    data = last_json(run_cli("evaluate", "--model", saved, "--json", home=medlens_home))
    assert data["model_id"] == saved and 0.0 <= data["accuracy"] <= 1.0 and "operating_point" in data
    refused = run_cli("compress", "--model", saved, "--recipe", "int8", home=medlens_home)
    assert refused.returncode == 1 and "compressed TFLite model" in refused.stderr


@pytest.mark.slow
def test_a_four_class_rgb_folder_at_512_px_imports_trains_at_128_and_predicts(medlens_home, tmp_path):
    """Nothing assumes two classes, grey images or chest X-rays (synthetic shapes: the code path, not a figure)."""
    from PIL import Image

    rng = np.random.default_rng(0)
    colours = {"alpha": (200, 40, 40), "beta": (40, 200, 40), "gamma": (40, 40, 200), "delta": (200, 200, 40)}
    for name, colour in colours.items():
        (tmp_path / "scans" / name).mkdir(parents=True)
        for i in range(10):
            pixels = rng.integers(0, 60, (384, 512, 3), dtype=np.uint8)
            top, left = rng.integers(0, 200, 2)
            pixels[top : top + 180, left : left + 280] = colour
            Image.fromarray(pixels).save(tmp_path / "scans" / name / f"{i}.png")
    imported = last_json(
        run_cli("import-dataset", str(tmp_path / "scans"), "--name", "four", "--size", "native", "--json",
                home=medlens_home)
    )  # fmt: skip
    assert imported["classes"] == sorted(colours) and imported["shape"] == [512, 512, 3], imported
    trained = last_json(
        run_cli("train", "--dataset", "four", "--size", "128", "--arch", "resnet", "--epochs", "1", "--quiet",
                "--batch-size", "8", "--json", home=medlens_home)  # 20 steps of 8 images: the path, not a figure
    )  # fmt: skip
    assert 0.0 <= trained["test_auc"] <= 1.0
    image = tmp_path / "one.png"
    Image.fromarray(rng.integers(0, 255, (600, 450, 3), dtype=np.uint8)).save(image)
    predicted = last_json(
        run_cli("predict", "--model", trained["model_id"], "--image", str(image), "--json", home=medlens_home)
    )
    assert set(predicted["probabilities"]) == set(colours)


@pytest.mark.slow
def test_predict_many_files_a_folder_or_a_zip_gives_one_row_each_and_a_csv(medlens_home, tmp_path, breast):
    from core.inputs.samples import SAMPLES, class_folder_zip

    model = store_untrained("breastmnist")
    cases = tmp_path / "cases"
    cases.mkdir()
    (cases / "retina.jpg").write_bytes(SAMPLES.get("retina.jpg")())
    (cases / "ct.dcm").write_bytes(SAMPLES.get("CT_small.dcm")())
    (cases / "readme.txt").write_text("hello")
    out = tmp_path / "rows.csv"
    result = last_json(
        run_cli("predict", "--model", model.id, "--image", str(cases), "--csv", str(out), "--json", home=medlens_home)
    )
    assert result["count"] == 2 and [r["case"] for r in result["cases"]] == [1, 3]  # ct, readme, retina: sorted
    assert result["refused"][0]["case"] == 2 and result["squaring"] == "pad"
    assert out.read_text().splitlines()[0].startswith("case,image_id,predicted") and "retina" not in out.read_text()
    source = tmp_path / "clinic.zip"
    source.write_bytes(class_folder_zip(breast, per_class=10, seed=2))
    both = last_json(
        run_cli(
            "predict", "--model", model.id, "--image", str(source), str(cases / "ct.dcm"), "--json", home=medlens_home
        )
    )
    assert both["count"] == 21
    validated = last_json(
        run_cli("evaluate", "--model", model.id, "--folder", str(source), "--json", home=medlens_home)
    )
    assert validated["images"] == 20 and validated["source"] == "external folder"
    assert {"accuracy", "auc", "intervals", "operating_point", "in_domain"} <= set(validated)
    wrong = run_cli("evaluate", "--model", model.id, "--folder", str(cases), home=medlens_home)
    assert wrong.returncode == 1 and wrong.stderr.strip().splitlines()[-1].startswith("error: ")
