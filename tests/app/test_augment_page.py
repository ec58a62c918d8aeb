"""The Augment page with AppTest: builder, preview, import/export and the efficiency panel."""

import pytest

from tests.helpers import finish_job, open_page, texts


def test_builder_and_preview_render_and_react():
    at = open_page("augment", dataset="breastmnist")
    assert not at.exception
    assert texts(at.title) == "Augment"
    assert at.expander[0].label == "Augmentation, in plain words"  # the plain-words note opens the page
    assert [e.label for e in at.expander if e.label[0].isdigit()][:5] == [
        "1. Rotation",
        "2. Translation",
        "3. Zoom",
        "4. Brightness",
        "5. Contrast",
    ]
    assert "Preview" in texts(at.subheader)
    first = at.image[0].proto.markup if hasattr(at.image[0].proto, "markup") else str(at.image[0].proto)
    at.number_input(key="aug_seed").set_value(3).run()
    assert not at.exception
    assert str(at.image[0].proto) != first  # a new seed redraws the preview
    at.selectbox(key="aug_new_op").set_value("hflip").run()
    at.button(key="aug_add").click().run()
    assert "6. Horizontal flip" in [e.label for e in at.expander]
    assert "heart on the wrong side" in texts(at.warning)  # the clinical caution next to the op
    at.selectbox(key="aug_isolate").set_value("6. hflip").run()
    assert not at.exception
    assert "OpStep('hflip'" in at.code[0].value  # the snippet follows the pipeline


def test_preset_load_and_remove():
    at = open_page("augment", dataset="breastmnist")
    at.selectbox(key="aug_preset").set_value("classic_keras").run()
    at.button(key="aug_load_preset").click().run()
    labels = [e.label for e in at.expander if e.label[0].isdigit()]
    assert labels[:6] == [
        "1. Rotation",
        "2. Translation",
        "3. Shear",
        "4. Zoom",
        "5. Horizontal flip",
        "6. Vertical flip",
    ]
    remove = next(b for b in at.button if b.key and b.key.endswith("_remove"))
    remove.click().run()
    assert not at.exception and len([e for e in at.expander if e.label[0].isdigit()]) == 5


@pytest.mark.slow
def test_efficiency_panel_runs_in_the_background():
    at = open_page("augment", dataset="breastmnist")
    at.multiselect(key="aug_fractions").set_value([0.25]).run()
    at.slider(key="aug_eff_seeds").set_value(1).run()
    at.slider(key="aug_eff_epochs").set_value(2).run()
    at.button(key="aug_eff_run").click().run()
    finish_job(at, "aug_efficiency_job")
    assert not at.exception
    assert len(at.get("plotly_chart")) >= 2  # histogram and the efficiency chart


def test_preview_of_picked_images_and_bad_indices():
    at = open_page("augment", dataset="breastmnist")
    at.text_input(key="aug_picked").input("3, 5").run()
    assert not at.exception and "Left: the original" in str(at.image[0].proto)
    at.text_input(key="aug_picked").input("x, 99999").run()
    assert not at.exception and "Give indices between 0 and 545" in texts(at.warning)


def test_the_experiment_starts_small_with_an_estimate_and_the_full_settings_one_click_away():
    at = open_page("augment", dataset="breastmnist")
    assert "4 trainings; no estimate yet" in texts(at.caption)  # nothing trained here yet: no guess
    at.button(key="aug_eff_full").click().run()
    assert "30 trainings" in texts(at.caption)  # 5 shares x 3 seeds x with and without
