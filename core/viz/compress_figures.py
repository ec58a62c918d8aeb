"""The Pareto chart of compression candidates: size (log) against a chosen figure, coloured by latency."""

import plotly.graph_objects as go

from core.compress.figures import FIGURES
from core.compress.run import CompressionResult
from core.compress.search import pareto_front, size_of


def pareto_chart(
    results: list[CompressionResult],
    metric: str = "gzip",
    max_worsening: float | None = None,
    target_ratio: float | None = None,
    highlight: str | None = None,
    figure_name: str = "accuracy",
) -> go.Figure:
    """One point per measured recipe with the figure; the front joined by a line; the limit on that figure
    (how much worse than the original it may get) and the size target drawn as dashed lines."""
    chart = go.Figure()
    spec = FIGURES[figure_name]
    shown = [r for r in results if spec.value(r.measurement) is not None]
    if not shown:
        return chart
    baseline = shown[0].baseline
    base_size = baseline.gzip_bytes if metric == "gzip" else baseline.bytes
    front = pareto_front(shown, metric, figure_name)
    chart.add_scatter(
        x=[size_of(r, metric) for r in front],
        y=[spec.value(r.measurement) for r in front],
        mode="lines",
        line={"color": "#1f6f8b", "width": 2},
        name="Pareto front",
        hoverinfo="skip",
    )
    chart.add_scatter(
        x=[size_of(r, metric) for r in shown],
        y=[spec.value(r.measurement) for r in shown],
        mode="markers",
        name="candidates",
        customdata=[
            [r.recipe.name, r.measurement.latency_ms, r.worsening(figure_name), base_size / size_of(r, metric)]
            for r in shown
        ],
        text=[r.recipe.name for r in shown],
        marker={
            "size": [16 if r.recipe.name == highlight else 11 for r in shown],
            "color": [r.measurement.latency_ms for r in shown],
            "colorscale": "Viridis",
            "colorbar": {"title": "latency (ms)"},
            "symbol": ["diamond" if r in front else "circle" for r in shown],
            "line": {"width": [3 if r.recipe.name == highlight else 0 for r in shown], "color": "crimson"},
        },
        hovertemplate=(
            "<b>%{customdata[0]}</b><br>size %{x:,} bytes (%{customdata[3]:.1f}x smaller)<br>"
            f"{spec.title} %{{y:.4f}} ({spec.change_word} %{{customdata[2]:.4f}})<br>"
            "latency %{customdata[1]:.3f} ms<extra></extra>"
        ),
    )
    original = spec.value(baseline)
    if original is not None:
        chart.add_scatter(
            x=[base_size],
            y=[original],
            mode="markers+text",
            marker={"symbol": "star", "size": 16, "color": "black"},
            text=["original (float32)"],
            textposition="top left",
            name="original",
            hovertemplate=f"original float32 TFLite<br>%{{x:,}} bytes, {spec.title} %{{y:.4f}}<extra></extra>",
        )
    if max_worsening is not None and original is not None:
        sign = -1 if spec.higher_is_better else 1
        chart.add_hline(
            y=original + sign * max_worsening,
            line_dash="dash",
            line_color="crimson",
            annotation_text=f"limit ({spec.change_word} at most {max_worsening:.3g})",
        )
    if target_ratio is not None:
        chart.add_vline(
            x=base_size / target_ratio,
            line_dash="dash",
            line_color="darkorange",
            annotation_text=f"size target ({target_ratio:g}x smaller)",
        )
    chart.update_xaxes(
        type="log",
        title="gzip size (KB, log scale)" if metric == "gzip" else "file size (KB, log scale)",
        tickvals=size_ticks(base_size),
        ticktext=[f"{v / 1024:g}" for v in size_ticks(base_size)],
    )
    chart.update_yaxes(title=f"{spec.title} (measured on the TFLite file)")
    chart.update_layout(height=460, legend={"orientation": "h", "y": -0.2})
    return chart


def size_ticks(largest: float) -> list[float]:
    """1-2-5 steps in KB from about 1/100 of the original size to the original: labels a person reads on a log
    axis (not "6 7 8 9 100k 2 3")."""
    ticks, kb = [], 1.0
    while kb * 1024 <= largest * 2:
        for step in (1, 2, 5):
            value = kb * step * 1024
            if largest / 200 <= value <= largest * 2:
                ticks.append(value)
        kb *= 10
    return ticks
