"""The guided lesson: steps through the pillars on the demo model, a glossary of the words the pages use, and the
score of the predict-before-reveal exercise. Plain data and arithmetic; the Lesson page draws it."""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Step:
    title: str
    goal: str
    page: str  # the page file the step uses
    where: str  # the part of that page
    question: str


STEPS = (
    Step(
        "Look at the data",
        "See what the model will learn from: how many images, how the classes are balanced, what they look like.",
        "pages/data.py",
        "the split counts, the class balance chart and the sample rows",
        "The test split has a different share of pneumonia than the training split. Why does that matter when "
        "you read the model's accuracy?",
    ),
    Step(
        "Augment",
        "Build an augmentation pipeline and see which changes keep an X-ray an X-ray.",
        "pages/augment.py",
        "the preview grid: move a slider and watch the images change",
        "Why is a left-right flip risky for a chest X-ray, but fine for a cell under a microscope?",
    ),
    Step(
        "Train (or use the demo model)",
        "Read a model's report card: accuracy, AUC, calibration, and the threshold slider.",
        "pages/train.py",
        "the report card of the demo model and the threshold slider under the ROC curve",
        "Move the threshold down: what happens to sensitivity and to specificity, and which error would a "
        "paediatrician rather make?",
    ),
    Step(
        "Compress",
        "Make the model smaller and check that it still gives the same answers.",
        "pages/compress.py",
        "one recipe (int8), then the Pareto chart and the list of patients whose call changed",
        "A model 4x smaller agrees with the original on 99 % of images. Is that good enough? What about the 1 %?",
    ),
    Step(
        "Explain",
        "Ask where the model looked, with two methods, and whether the map is faithful.",
        "pages/explain.py",
        "the overlay, the methods side by side and the deletion/insertion curves",
        "Two methods highlight different regions on the same X-ray. Which one would you trust, and why?",
    ),
    Step(
        "Transfer",
        "Carry the chest X-ray model to another kind of image and measure how far apart the two kinds are.",
        "pages/transfer.py",
        "the shift panel: the two-sample AUC next to the two-halves reading",
        "The two-sample AUC is 0.99. What does that predict about how much the chest X-ray model can help?",
    ),
)

GLOSSARY = {
    "accuracy": "The share of images the model labels correctly. Depends on the class mix: a model that always "
    "says 'pneumonia' is 62 % accurate on a test set that is 62 % pneumonia.",
    "AUC": "Area under the ROC curve: the chance that the model scores a random sick case above a random healthy "
    "one. 0.5 is guessing, 1.0 is perfect; it does not depend on the threshold or the class mix.",
    "sensitivity": "Of the sick, the share the model calls sick (recall of the positive class).",
    "specificity": "Of the healthy, the share the model calls healthy.",
    "operating point": "The threshold on the model's probability above which it calls an image positive, chosen "
    "on validation images by a stated rule.",
    "calibration": "Whether a model's 90 % means right 9 times in 10. ECE (expected calibration error) measures "
    "the gap; temperature scaling shrinks it.",
    "confidence interval": "A range that would contain the true value in 95 of 100 repetitions of the "
    "experiment; wide with few test images.",
    "augmentation": "Random changes (rotation, brightness, …) applied to training images so the model learns "
    "what does not matter.",
    "seed": "The number that fixes every random choice, so a run can be repeated exactly.",
    "epoch": "One pass of training over every training image.",
    "sparsity": "The share of a model's weights set to exactly zero by pruning.",
    "pruning": "Removing the weights that matter least, then training briefly to recover.",
    "polynomial schedule": "Pruning that raises the sparsity step by step during fine-tuning instead of at once.",
    "unstructured": "Pruning single weights anywhere (the file shrinks when zipped) rather than whole filters.",
    "clustering": "Letting each layer use only a few distinct weight values (a small palette).",
    "quantization": "Storing weights (and computing) with 8-bit integers instead of 32-bit floats: 4x smaller.",
    "export float16/dynamic": "TFLite export modes: float16 halves the weights; dynamic stores 8-bit weights and "
    "computes in float.",
    "gzip": "A standard file compressor; a pruned or clustered model shrinks much more once zipped.",
    "Pareto front": "The candidates no other candidate beats on both size and quality: the best trade-offs.",
    "agreement": "The share of test images where the compressed model gives the same answer as the original.",
    "distillation": "Training the small model to copy the original model's soft answers, not only the labels.",
    "Grad-CAM": "A map of which regions of the last convolution layer pushed the chosen class up.",
    "SHAP": "Shapley values: each region's fair share of the difference between the model's output and a base "
    "value (its output with the image blurred away).",
    "masker": "How SHAP and LIME hide parts of the image (here: blur them) to see what the model loses.",
    "max evals": "How many masked copies SHAP may run: more gives finer maps, slower.",
    "LIME": "Fits a simple linear model on many copies of the image with superpixels switched off.",
    "IoU": "Intersection over union: how much two highlighted regions overlap (1 = the same).",
    "rank correlation": "Whether two maps order the pixels alike (1 = same order, 0 = unrelated).",
    "deletion/insertion AUC": "Faithfulness tests: remove the pixels a map calls important first (the "
    "probability should fall fast: low deletion AUC) or add them first (rise fast: high insertion AUC).",
    "out of domain": "An image unlike those the model learnt from; its answer says nothing reliable.",
    "transfer learning": "Starting a model for a new task from one trained on another, instead of from scratch.",
    "two-sample AUC": "How well a simple classifier tells two sets of images apart (0.5: it cannot).",
}


def glossary_anchor(term: str) -> str:
    """The anchor of a term on the Lesson page (``/lesson#sparsity``)."""
    return "".join(c if c.isalnum() else "-" for c in term.lower()).strip("-")


@dataclass(frozen=True)
class Score:
    """The predict-before-reveal tally of one session: the students' guesses and the model's, on the same images."""

    rounds: int = 0
    student_right: int = 0
    model_right: int = 0

    def after(self, guess: int, model_answer: int, truth: int) -> "Score":
        return Score(self.rounds + 1, self.student_right + (guess == truth), self.model_right + (model_answer == truth))


def exercise_images(labels: np.ndarray, count: int, seed: int) -> np.ndarray:
    """Test-image indices for the exercise: classes in turn, shuffled with ``seed``, so no class runs away."""
    rng = np.random.default_rng(seed)
    pools = [rng.permutation(np.flatnonzero(labels == c)) for c in np.unique(labels)]
    picks = [pool[i] for i in range(max(len(p) for p in pools)) for pool in pools if i < len(pool)]
    return np.asarray(picks[:count], dtype=np.int64)
