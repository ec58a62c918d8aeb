"""The Pareto chart of compression candidates: size (log) against accuracy, coloured by latency."""

import plotly.graph_objects as go

from core.compress.run import CompressionResult
from core.compress.search import pareto_front, size_of


def pareto_chart(
    results: list[CompressionResult],
    metric: str = "gzip",
    max_drop: float | None = None,
    target_ratio: float | None = None,
    highlight: str | None = None,
) -> go.Figure:
    """One point per measured recipe; the front joined by a line; the limits drawn as dashed lines."""
    figure = go.Figure()
    if not results:
        return figure
    baseline = results[0].baseline
    base_size = baseline.gzip_bytes if metric == "gzip" else baseline.bytes
    label = "gzip size (bytes)" if metric == "gzip" else "file size (bytes)"
    front = pareto_front(results, metric)
    figure.add_scatter(
        x=[size_of(r, metric) for r in front],
        y=[r.measurement.test_accuracy for r in front],
        mode="lines",
        line={"color": "#1f6f8b", "width": 2},
        name="Pareto front",
        hoverinfo="skip",
    )
    figure.add_scatter(
        x=[size_of(r, metric) for r in results],
        y=[r.measurement.test_accuracy for r in results],
        mode="markers",
        name="candidates",
        customdata=[
            [r.recipe.name, r.measurement.latency_ms, r.accuracy_drop * 100, base_size / size_of(r, metric)]
            for r in results
        ],
        text=[r.recipe.name for r in results],
        marker={
            "size": [16 if r.recipe.name == highlight else 11 for r in results],
            "color": [r.measurement.latency_ms for r in results],
            "colorscale": "Viridis",
            "colorbar": {"title": "latency (ms)"},
            "symbol": ["diamond" if r in front else "circle" for r in results],
            "line": {"width": [3 if r.recipe.name == highlight else 0 for r in results], "color": "crimson"},
        },
        hovertemplate=(
            "<b>%{customdata[0]}</b><br>size %{x:,} bytes (%{customdata[3]:.1f}x smaller)<br>"
            "accuracy %{y:.4f} (drop %{customdata[2]:.2f} points)<br>latency %{customdata[1]:.3f} ms<extra></extra>"
        ),
    )
    figure.add_scatter(
        x=[base_size],
        y=[baseline.test_accuracy],
        mode="markers+text",
        marker={"symbol": "star", "size": 16, "color": "black"},
        text=["original (float32)"],
        textposition="top left",
        name="original",
        hovertemplate="original float32 TFLite<br>%{x:,} bytes, accuracy %{y:.4f}<extra></extra>",
    )
    if max_drop is not None:
        figure.add_hline(
            y=baseline.test_accuracy - max_drop,
            line_dash="dash",
            line_color="crimson",
            annotation_text=f"accuracy limit (−{max_drop * 100:.1f} points)",
        )
    if target_ratio is not None:
        figure.add_vline(
            x=base_size / target_ratio,
            line_dash="dash",
            line_color="darkorange",
            annotation_text=f"size target ({target_ratio:g}x smaller)",
        )
    figure.update_xaxes(type="log", title=label)
    figure.update_yaxes(title="test accuracy (measured on the TFLite file)")
    figure.update_layout(height=460, legend={"orientation": "h", "y": -0.2})
    return figure
