"""Lesson: a guided walk through the pillars on the demo model, a predict-before-reveal exercise with a running
score, and the glossary every page's words link to. A presenter setting enlarges text for a projector."""

import numpy as np
import streamlit as st

from pages.common import dataset_or_stop, model_id_or_prompt, plain, route_through_app, stored_predictor

STEP_KEY, SCORE_KEY, ROUND_KEY = "lesson_step", "lesson_score", "lesson_round"
PRESENTER_KEY = "presenter"  # read by every page (pages.common.presenter_style)
ROUNDS = 10


def steps_ui() -> None:
    from core.lesson import STEPS

    st.subheader("The steps")
    index = st.session_state.setdefault(STEP_KEY, 0)
    step = STEPS[index]
    st.progress((index + 1) / len(STEPS), text=f"Step {index + 1} of {len(STEPS)}: {step.title}")
    st.markdown(f"**Goal.** {step.goal}  \n**Where.** {step.where}.  \n**Question for the class.** {step.question}")
    st.page_link(step.page, label=f"Open the page for “{step.title}”", icon=":material/arrow_forward:")
    back, forward, _ = st.columns([1, 1, 4])
    if back.button("Previous step", key="lesson_back", disabled=index == 0):
        st.session_state[STEP_KEY] = index - 1
        st.rerun()
    if forward.button("Next step", key="lesson_next", disabled=index == len(STEPS) - 1):
        st.session_state[STEP_KEY] = index + 1
        st.rerun()


def exercise_ui() -> None:
    """Guess first, then see the truth, the model's answer and where it looked."""
    from core.lesson import Score, exercise_images

    st.subheader("Predict before you see")
    model_id = model_id_or_prompt()
    if model_id is None:
        return
    dataset = dataset_or_stop()
    order = exercise_images(dataset.labels("test"), ROUNDS, seed=0)
    score = st.session_state.setdefault(SCORE_KEY, Score())
    if score.rounds >= len(order):
        _final(score)
        return
    index = int(order[score.rounds])
    image = dataset.images("test")[index]
    left, right = st.columns([1, 2])
    left.image(image[..., 0] if image.shape[2] == 1 else image, width=260, caption=f"Image {score.rounds + 1}")
    names = list(dataset.class_names)
    with right:
        guess = st.radio("Your call", range(len(names)), format_func=names.__getitem__, index=None, key="lesson_guess")
        st.caption(
            f"So far: you {score.student_right} of {score.rounds}, the model {score.model_right} of {score.rounds}."
        )
        if st.session_state.get(ROUND_KEY) == score.rounds:
            _reveal(model_id, dataset, image, index, score)
        elif st.button("Reveal", key="lesson_reveal", disabled=guess is None, type="primary"):
            st.session_state[ROUND_KEY] = score.rounds
            st.rerun()


def _reveal(model_id, dataset, image, index: int, score) -> None:
    from core.explain.service import explain
    from core.models.store import read_meta
    from core.viz.explain_figures import overlay_figure

    names = list(dataset.class_names)
    truth = int(dataset.labels("test")[index])
    predictor = stored_predictor(model_id, read_meta(model_id).created)
    from core.explain.service import predict

    probabilities = predict(predictor, image)[0]
    answer = int(probabilities.argmax())
    guess = st.session_state.get("lesson_guess")
    st.markdown(
        f"The truth: **{plain(names[truth])}**. You said **{plain(names[guess])}**"
        f"{' ✔' if guess == truth else ' ✘'}; the model said **{plain(names[answer])}** "
        f"({probabilities[answer]:.0%}){' ✔' if answer == truth else ' ✘'}."
    )
    result = explain(predictor, image[np.newaxis], "gradcam", None, np.array([answer]))
    st.plotly_chart(overlay_figure(image, result.maps[0], 0.5, f"where the model looked for '{names[answer]}'"),
                    key="lesson_overlay")  # fmt: skip
    if st.button("Next image", key="lesson_next_image", type="primary"):
        st.session_state[SCORE_KEY] = score.after(guess, answer, truth)
        st.session_state.pop("lesson_guess", None)
        st.rerun()


def _final(score) -> None:
    st.success(
        f"Done: the class got {score.student_right} of {score.rounds} right, the model {score.model_right} of "
        f"{score.rounds}. Where did you disagree with the model, and who was right?"
    )
    if st.button("Start again", key="lesson_restart"):
        from core.lesson import Score

        st.session_state[SCORE_KEY] = Score()
        st.session_state.pop(ROUND_KEY, None)
        st.rerun()


def glossary_ui() -> None:
    from core.lesson import GLOSSARY, glossary_anchor

    st.subheader("Glossary", anchor="glossary")
    query = st.text_input("Find a word", key="lesson_glossary_find").strip().lower()
    for term, meaning in GLOSSARY.items():
        if query in term.lower() or query in meaning.lower():
            st.markdown(f'<span id="{glossary_anchor(term)}"></span>**{term}**: {meaning}', unsafe_allow_html=True)


def main() -> None:
    st.title("Lesson")
    st.toggle(
        "Presenter mode (larger text, high-contrast maps)",
        value=bool(st.session_state.get(PRESENTER_KEY)),
        key="lesson_presenter",
        on_change=lambda: st.session_state.update({PRESENTER_KEY: st.session_state["lesson_presenter"]}),
        help="For a projector: every page's text grows and maps use saturated colours, on every page until you "
        "turn it off here.",
    )
    st.caption(
        "A path for a class through the four pillars, on the demo model. Each step names a goal, the part of the "
        "page it uses, and a question to discuss."
    )
    steps_ui()
    exercise_ui()
    glossary_ui()


route_through_app()
main()
