"""Find the smallest model inside an accuracy-drop and size budget, on a measured Pareto front.

Candidates come from a fixed grid ordered coarse to fine (cheap exports first, then
pruning, clustering and factorisation at growing strength); the first ``budget`` are
measured, each through the on-disk cache, so a repeated search costs nothing.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from core.compress.candidates import CandidateTrial, CompressionInputs, Outcome, write_entry
from core.compress.figures import FIGURES
from core.compress.recipe import BUILTIN, Recipe, Step
from core.compress.run import CompressionResult, Compressor, cache_folder
from core.compute.config import ComputeConfig
from core.compute.executor import Sweep
from core.compute.run import run_trials
from core.errors import MedLensError


def _chain(name: str, prune: float = 0.0, clusters: int = 0, lowrank: float = 0.0, mode: str = "int8") -> Recipe:
    steps = []
    if lowrank:
        steps.append(Step("lowrank", {"energy": lowrank}))
    if prune:
        steps.append(Step("prune", {"sparsity": prune, "epochs": 6 if prune >= 0.8 else 3}))
    if clusters:
        steps.append(Step("cluster", {"clusters": clusters, "preserve_sparsity": bool(prune), "epochs": 3}))
    steps.append(Step("export", {"mode": mode}))
    return Recipe(name, tuple(steps))


GRID: tuple[Recipe, ...] = (
    BUILTIN["int8"],
    BUILTIN["float16"],
    BUILTIN["dynamic"],
    _chain("prune50-int8", prune=0.5),
    BUILTIN["prune80-cluster16-int8"],
    _chain("lowrank90-int8", lowrank=0.9),
    _chain("cluster16-int8", clusters=16),
    _chain("prune80-int8", prune=0.8),
    _chain("prune90-cluster16-int8", prune=0.9, clusters=16),
    _chain("prune80-cluster8-int8", prune=0.8, clusters=8),
    _chain("prune50-cluster16-int8", prune=0.5, clusters=16),
    _chain("prune90-cluster8-int8", prune=0.9, clusters=8),
    _chain("lowrank80-prune50-int8", lowrank=0.8, prune=0.5),
    BUILTIN["prune80-cluster16-qat-int8"],
    _chain("prune95-cluster8-int8", prune=0.95, clusters=8),
    _chain("prune80-cluster4-int8", prune=0.8, clusters=4),
)


@dataclass(frozen=True)
class SearchConfig:
    max_drop: float = 0.01  # accuracy, as a fraction (0.01 = 1 point)
    target_ratio: float = 10.0  # times smaller than the float32 TFLite, on the size metric
    size_metric: str = "gzip"  # "gzip" (what a download costs) or "bytes" (the raw file)
    budget: int = 12
    # Clinical limits, None = not limited: AUC drop, sensitivity-at-95 %-specificity drop (fractions), ECE rise.
    max_auc_drop: float | None = None
    max_sens_drop: float | None = None
    max_ece_rise: float | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.max_drop <= 1.0:
            raise MedLensError("max_drop is a fraction of accuracy between 0 and 1 (0.01 = one point).")
        for name, value in self.limits().items():
            if not 0.0 <= value <= 1.0:
                raise MedLensError(f"The limit on {FIGURES[name].title} is a fraction between 0 and 1, not {value}.")
        if self.target_ratio < 1.0:
            raise MedLensError("target_ratio must be at least 1 (times smaller than the float32 model).")
        if self.size_metric not in ("gzip", "bytes"):
            raise MedLensError("size_metric is 'gzip' or 'bytes'.")
        if not 1 <= self.budget <= len(GRID):
            raise MedLensError(f"budget must be between 1 and {len(GRID)} candidates.")

    def limits(self) -> dict[str, float]:
        """Figure name -> the most it may get worse than the original, for every limit that is set."""
        limits = {
            "accuracy": self.max_drop,
            "auc": self.max_auc_drop,
            "sens_at_95_spec": self.max_sens_drop,
            "ece": self.max_ece_rise,
        }
        return {name: value for name, value in limits.items() if value is not None}

    def breaches(self, result: CompressionResult) -> list[str]:
        """The limits ``result`` breaks, in words ("AUC drop 0.021 > 0.010"); a figure it lacks breaks its limit."""
        found = []
        for name, limit in self.limits().items():
            figure, worse = FIGURES[name], result.worsening(name)
            if worse is None:
                found.append(f"{figure.title} not measured")
            elif worse > limit + 1e-12:
                found.append(f"{figure.title} {figure.change_word} {worse:.3f} > {limit:.3f}")
        return found


@dataclass
class SearchResult:
    config: SearchConfig
    candidates: list[CompressionResult]
    front: list[CompressionResult]
    recommended: CompressionResult | None
    verdict: str  # plain words: what was found and whether the size target was met
    skipped: list[str] = field(default_factory=list)  # recipes this model does not support, with why
    trial_seconds: dict[str, float] = field(default_factory=dict)  # recipe -> its trial's time, this search only

    def summary(self) -> dict:
        return {
            "max_drop": self.config.max_drop,
            "target_ratio": self.config.target_ratio,
            "size_metric": self.config.size_metric,
            "limits": self.config.limits(),
            "candidates": [c.summary() for c in self.candidates],
            "front": [c.recipe.name for c in self.front],
            "recommended": self.recommended.summary() if self.recommended else None,
            "verdict": self.verdict,
            "skipped": self.skipped,
            "trial_seconds": self.trial_seconds,
        }


def size_of(result: CompressionResult, metric: str) -> int:
    return result.measurement.gzip_bytes if metric == "gzip" else result.measurement.bytes


def ratio_of(result: CompressionResult, metric: str) -> float:
    return result.gzip_ratio if metric == "gzip" else result.size_ratio


def pareto_front(results: list[CompressionResult], metric: str = "gzip", figure: str = "accuracy") -> list:
    """Results no other result beats on both size (smaller) and ``figure`` (better), smallest first; a result
    without that figure is never on the front."""
    spec = FIGURES[figure]
    scored = [(r, score) for r in results if (score := spec.goodness(r.measurement)) is not None]
    ordered = sorted(scored, key=lambda pair: (size_of(pair[0], metric), -pair[1]))
    front, best = [], float("-inf")
    for result, score in ordered:
        if score > best:
            front.append(result)
            best = score
    return front


def recommend(results: list[CompressionResult], config: SearchConfig) -> tuple[CompressionResult | None, str]:
    within = [r for r in results if not config.breaches(r)]
    if not within:
        limits = ", ".join(_limit_words(name, value) for name, value in config.limits().items())
        return None, f"No candidate stays within every limit ({limits})."
    smallest = min(within, key=lambda r: (size_of(r, config.size_metric), r.accuracy_drop))
    ratio = ratio_of(smallest, config.size_metric)
    if ratio >= config.target_ratio:
        return smallest, (
            f"{smallest.recipe.name} is {ratio:.1f}x smaller and loses {smallest.accuracy_drop:+.1%} accuracy: "
            "the smallest inside both limits."
        )
    return smallest, (
        f"No candidate reaches {config.target_ratio:g}x within the accuracy limit; the smallest that keeps "
        f"accuracy is {smallest.recipe.name} at {ratio:.1f}x."
    )


def _limit_words(name: str, value: float) -> str:
    figure = FIGURES[name]
    amount = f"{value * 100:g} points" if figure.in_points else f"{value:g}"
    return f"{figure.title} {figure.change_word} at most {amount}"


def search(
    compressor: Compressor,
    config: SearchConfig = SearchConfig(),
    *,
    compute: ComputeConfig | None = None,
    on_progress: Callable[[float, str], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> SearchResult:
    """Measure the first ``config.budget`` recipes of the grid (each a trial on the ``compute`` executor; results
    land in this process's cache either way) and recommend one."""
    grid = [recipe for recipe in GRID[: config.budget] if compressor.cached(recipe) is None]
    cancelled = "The search was cancelled; every candidate measured so far is cached."
    outcomes = _measure(compressor, grid, compute, cancelled, on_progress, should_stop) if grid else []
    skipped = [outcome.skipped for outcome in outcomes if outcome.skipped]
    results = [hit for recipe in GRID[: config.budget] if (hit := compressor.cached(recipe)) is not None]
    if on_progress:
        on_progress(1.0, "done")
    recommended, verdict = recommend(results, config)
    seconds = {outcome.recipe: round(outcome.seconds, 2) for outcome in outcomes}
    front = pareto_front(results, config.size_metric)
    return SearchResult(config, results, front, recommended, verdict, skipped, seconds)


def measure_one(
    compressor: Compressor,
    recipe: Recipe,
    *,
    compute: ComputeConfig | None = None,
    on_progress: Callable[[float, str], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> CompressionResult:
    """One recipe, measured where sweeps run (a Ray worker on a server started with MEDLENS_EXECUTOR=ray, so a
    class's compressions do not load the process that serves its pages), cached here either way."""
    hit = compressor.cached(recipe)
    if hit is not None:
        return hit
    (outcome,) = _measure(compressor, [recipe], compute, "Cancelled; nothing was kept.", on_progress, should_stop)
    if outcome.skipped:
        raise MedLensError(outcome.skipped)
    result = compressor.cached(recipe)
    assert result is not None, recipe.name
    return result


def _measure(compressor: Compressor, recipes: list[Recipe], compute, cancelled: str, on_progress, should_stop):
    """Each recipe a trial on the ``compute`` executor (locally on this ``compressor``, sharing its pruned
    prefixes; on Ray from the shipped model and baseline), its cache entry published here as it finishes."""
    compute = compute or ComputeConfig()
    compressor.baseline()
    shared = compressor if compute.executor == "local" else CompressionInputs.of(compressor)

    def keep(index: int, outcome: Outcome) -> None:
        if outcome.files:
            write_entry(cache_folder(compressor.key, recipes[index], compressor.seed), outcome.files)

    sweep = Sweep(CandidateTrial(), recipes, shared, [r.name for r in recipes], cancelled)
    return run_trials(sweep, compute, on_result=keep, on_progress=on_progress, should_stop=should_stop)


def candidate_rows(results: list, metric: str) -> list[dict]:
    """The table of measured candidates a person compares: sizes, accuracy, AUC, speed, agreement, front."""
    front = {r.recipe.name for r in pareto_front(results, metric)}
    return [
        {
            "recipe": r.recipe.name,
            "on front": r.recipe.name in front,
            "bytes": r.measurement.bytes,
            "gzip bytes": r.measurement.gzip_bytes,
            "x smaller": round(r.size_ratio, 2),
            "x smaller (gzip)": round(r.gzip_ratio, 2),
            "accuracy": round(r.measurement.test_accuracy, 4),
            "drop (points)": round(r.accuracy_drop * 100, 2),
            "AUC": round(r.measurement.test_auc, 4),
            "sens@95%spec": _rounded(FIGURES["sens_at_95_spec"].value(r.measurement)),
            "ECE": _rounded(FIGURES["ece"].value(r.measurement)),
            "flips": r.decision_flips()["count"],
            "latency ms": round(r.measurement.latency_ms, 3),
            "agreement": round(r.measurement.agreement, 4),
            "non-zero weights": r.measurement.nonzero_params,
        }
        for r in results
    ]


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
