"""The Lesson page driven end to end with AppTest: steps, the predict-before-reveal exercise and its score, the
glossary, and presenter mode carried to another page."""

import pytest

from core.lesson import GLOSSARY, STEPS, Score, exercise_images
from tests.conftest import store_untrained
from tests.helpers import open_page, texts


def test_the_score_counts_the_class_and_the_model_apart():
    score = Score().after(guess=1, model_answer=0, truth=1).after(guess=0, model_answer=0, truth=0)
    assert (score.rounds, score.student_right, score.model_right) == (2, 2, 1)


def test_exercise_images_take_the_classes_in_turn(pneumonia):
    picks = exercise_images(pneumonia.labels("test"), 6, seed=0)
    assert [int(pneumonia.labels("test")[i]) for i in picks] == [0, 1, 0, 1, 0, 1]


@pytest.mark.slow
def test_a_class_walks_the_steps_guesses_before_the_reveal_and_reads_the_glossary():
    model = store_untrained("pneumoniamnist")
    at = open_page("lesson", model_id=model.id)
    assert not at.exception and texts(at.title) == "Lesson"
    assert f"Step 1 of {len(STEPS)}" in str(at.get("progress")[0].proto.text)
    for _ in STEPS[1:]:
        at.button(key="lesson_next").click().run()
    assert f"Step {len(STEPS)} of {len(STEPS)}" in str(at.get("progress")[0].proto.text)
    assert at.button(key="lesson_next").disabled

    assert at.button(key="lesson_reveal").disabled  # no guess yet: nothing is shown
    assert "The truth" not in texts(at.markdown)
    at.radio(key="lesson_guess").set_value(1).run()
    at.button(key="lesson_reveal").click().run()
    assert "The truth" in texts(at.markdown) and "the model said" in texts(at.markdown)
    at.button(key="lesson_next_image").click().run()
    assert "you 0 of 1" in texts(at.caption)  # the first image is of class 0; the class guessed 1
    assert at.session_state["lesson_score"].rounds == 1

    at.text_input(key="lesson_glossary_find").input("sparsity").run()
    assert "share of a model's weights" in texts(at.markdown) and "Pareto front" not in texts(at.markdown)
    assert len(GLOSSARY) >= 25

    at.toggle(key="lesson_presenter").set_value(True).run()
    at.switch_page("pages/data.py").run()
    assert not at.exception and at.session_state["presenter"] is True
    assert any("font-size" in str(m.value) for m in at.markdown)


def test_a_parameter_named_like_a_glossary_word_links_to_it():
    from pages.widgets import with_glossary

    assert "/lesson#sparsity" in with_glossary("Share of weights set to zero.", "sparsity")
    assert with_glossary("Steps.", "warm up steps") == "Steps."
