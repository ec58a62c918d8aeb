"""How far apart two image domains are, measured before any training, on a model's own features.

Both domains go through the source model up to its penultimate layer (the features its head reads). On those
embeddings: MMD with an RBF kernel (bandwidth by the median heuristic) and a permutation p-value; the Fréchet
distance between the two Gaussian fits (the FID formula); and a classifier two-sample test, the held-out AUC of a
logistic regression told to tell the domains apart (0.5: it cannot), with a bootstrap CI. The same figures for two
random halves of the source domain calibrate the reading: that pair is "no shift" by construction.
"""

from dataclasses import asdict, dataclass

import numpy as np

from core.data.dataset import Dataset, to_float
from core.data.square import resize_stack
from core.models.clinical import auc_rows
from core.models.clinical_report import stratified_resamples
from core.models.domain import embedder

PER_DOMAIN = 400  # images drawn from each domain: enough for the tests, seconds on a CPU
PERMUTATIONS = 500
RESAMPLES = 1000
RIDGE = 1e-6


@dataclass(frozen=True)
class Shift:
    mmd: float  # squared MMD (biased estimate) with the median-heuristic RBF kernel
    mmd_p: float  # permutation p-value: small means the domains differ
    frechet: float
    c2st_auc: float
    c2st_ci: tuple[float, float]
    n: tuple[int, int]

    def as_dict(self) -> dict:
        return asdict(self) | {"c2st_ci": list(self.c2st_ci), "n": list(self.n)}


def as_model_input(images: np.ndarray, shape: tuple[int, int, int]) -> np.ndarray:
    """uint8 square images brought to a model's size and channels (gray <-> RGB)."""
    sized = resize_stack(images, shape[0])
    if sized.shape[3] == shape[2]:
        return sized
    if shape[2] == 3:
        return np.repeat(sized, 3, axis=3)
    return sized.mean(axis=3, keepdims=True).round().astype(np.uint8)


def sample(dataset: Dataset, split: str, count: int, seed: int) -> np.ndarray:
    images = dataset.images(split)
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.choice(len(images), size=min(count, len(images)), replace=False))
    return np.asarray(images[chosen])


def embed(model, images: np.ndarray, batch_size: int = 128) -> np.ndarray:
    from core.models.predict import forward

    inputs = as_model_input(images, tuple(model.input_shape[1:]))
    return np.asarray(forward(embedder(model), inputs, batch_size, to_float), dtype=np.float64)


def mmd_test(a: np.ndarray, b: np.ndarray, permutations: int = PERMUTATIONS, seed: int = 0) -> tuple[float, float]:
    """Squared MMD and its permutation p-value; every permutation at once (weights vectors against one kernel)."""
    pooled = np.concatenate([a, b])
    norms = (pooled**2).sum(1)
    squared = np.maximum(norms[:, None] + norms[None, :] - 2 * pooled @ pooled.T, 0.0)
    bandwidth = np.median(squared[np.triu_indices(len(pooled), 1)]) or 1.0
    kernel = np.exp(-squared / bandwidth)
    n, m = len(a), len(b)

    def weights(member_of_a: np.ndarray) -> np.ndarray:
        return np.where(member_of_a, 1.0 / n, -1.0 / m)

    observed = weights(np.arange(n + m) < n)
    value = float(observed @ kernel @ observed)
    rng = np.random.default_rng(seed)
    shuffled = np.argsort(rng.random((permutations, n + m)), axis=1) < n
    draws = weights(shuffled)
    null = np.einsum("bi,ij,bj->b", draws, kernel, draws)
    return value, float((1 + np.sum(null >= value)) / (1 + permutations))


def frechet(a: np.ndarray, b: np.ndarray) -> float:
    """||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^1/2)."""
    import warnings

    from scipy.linalg import LinAlgWarning, sqrtm

    mean_gap = float(((a.mean(0) - b.mean(0)) ** 2).sum())
    ridge = RIDGE * np.eye(a.shape[1])  # features a ReLU never fires give singular covariances
    cov_a, cov_b = np.cov(a, rowvar=False) + ridge, np.cov(b, rowvar=False) + ridge
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LinAlgWarning)
        root = sqrtm(cov_a @ cov_b)
    root = root.real if np.iscomplexobj(root) else root
    return max(0.0, mean_gap + float(np.trace(cov_a + cov_b - 2 * root)))


def c2st(a: np.ndarray, b: np.ndarray, seed: int = 0) -> tuple[float, tuple[float, float]]:
    """Held-out AUC of a logistic regression telling ``a`` from ``b`` (half of each to fit, half to score) and its
    stratified bootstrap 95 % CI."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    features = np.concatenate([a, b])
    truth = np.concatenate([np.zeros(len(a), int), np.ones(len(b), int)])
    fit_x, test_x, fit_y, test_y = train_test_split(features, truth, test_size=0.5, stratify=truth, random_state=seed)
    classifier = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000))
    scores = classifier.fit(fit_x, fit_y).predict_proba(test_x)[:, 1]
    pos_rows, neg_rows = stratified_resamples(test_y, RESAMPLES, seed)
    value = float(auc_rows(scores[test_y == 1][None, :], scores[test_y == 0][None, :])[0])
    draws = auc_rows(scores[pos_rows], scores[neg_rows])
    low, high = np.percentile(draws, [2.5, 97.5])
    return value, (float(low), float(high))


def compare(a: np.ndarray, b: np.ndarray, seed: int = 0) -> Shift:
    """Every figure for two sets of embeddings."""
    mmd, p = mmd_test(a, b, seed=seed)
    auc, interval = c2st(a, b, seed)
    return Shift(mmd, p, frechet(a, b), auc, interval, (len(a), len(b)))


def halves(embeddings: np.ndarray, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    order = np.random.default_rng(seed).permutation(len(embeddings))
    middle = len(order) // 2
    return embeddings[order[:middle]], embeddings[order[middle:]]


def map_2d(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both domains on the first two principal axes of the pooled embeddings."""
    from sklearn.decomposition import PCA

    pooled = PCA(n_components=2, random_state=0).fit_transform(np.concatenate([a, b]))
    return pooled[: len(a)], pooled[len(a) :]


@dataclass(frozen=True)
class ShiftReport:
    pair: Shift  # the source domain against the target
    halves: Shift  # two random halves of the source domain: what "no shift" reads as
    source_map: np.ndarray  # (n, 2) PCA coordinates
    target_map: np.ndarray

    def as_dict(self) -> dict:
        return self.pair.as_dict() | {"halves": self.halves.as_dict()}


def measure(model, source: np.ndarray, target: np.ndarray, seed: int = 0) -> ShiftReport:
    """Embed both image sets with ``model`` and compare them, with the two-halves reading beside."""
    a, b = embed(model, source), embed(model, target)
    first, second = halves(a, seed)
    coordinates = map_2d(a, b)
    return ShiftReport(compare(a, b, seed), compare(first, second, seed), *coordinates)
