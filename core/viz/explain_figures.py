"""Explanation figures: the heatmap overlay (Plotly and PNG), method grids, faithfulness curves."""

import io

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

COLOURSCALE = "RdBu_r"  # diverging: red = evidence for the class, blue = against, white = none
HIGH_CONTRAST = [[0.0, "#0000ff"], [0.5, "#ffffff"], [1.0, "#ff0000"]]  # saturated ends, for a projector


def _grey(image: np.ndarray) -> np.ndarray:
    return image[..., 0] if image.shape[-1] == 1 else image.mean(axis=-1)


def overlay_figure(
    image: np.ndarray,
    attribution: np.ndarray,
    opacity: float = 0.6,
    title: str = "",
    segments=None,
    high_contrast: bool = False,
    relative: bool = False,
):
    """The image in grey with the attribution on top, a colour scale centred on zero, hover values; with
    ``high_contrast`` (presenter mode) fully saturated colours; with ``relative`` the map divided by its largest
    absolute value, so every method reads on the same −1 … 1 scale (methods differ in units)."""
    limit = float(np.abs(attribution).max()) or 1.0
    if relative:
        attribution, limit = attribution / limit, 1.0
    grey = _grey(image).astype(float)
    figure = go.Figure()
    if image.shape[-1] == 3:
        figure.add_trace(go.Image(z=image, hoverinfo="skip"))
    else:
        figure.add_trace(go.Heatmap(z=grey, colorscale="gray", showscale=False, hoverinfo="skip"))
    figure.add_trace(
        go.Heatmap(
            z=attribution,
            customdata=grey,
            colorscale=HIGH_CONTRAST if high_contrast else COLOURSCALE,
            zmid=0.0,
            zmin=-limit,
            zmax=limit,
            opacity=opacity,
            colorbar={"title": "relative" if relative else "attribution"},
            hovertemplate="row %{y}, col %{x}<br>pixel %{customdata:.0f}<br>attribution %{z:.4f}<extra></extra>",
        )
    )
    if segments is not None:
        from skimage.segmentation import find_boundaries

        shown = np.isin(segments, np.unique(segments[attribution != 0]))
        edges = find_boundaries(np.where(shown, segments, -1), mode="inner") & shown
        rows, cols = np.nonzero(edges)
        figure.add_scatter(
            x=cols, y=rows, mode="markers", marker={"size": 3, "color": "gold"}, name="superpixels", hoverinfo="skip"
        )
    figure.update_yaxes(
        autorange="reversed", scaleanchor="x", showticklabels=False, ticks="", showgrid=False, zeroline=False
    )
    figure.update_xaxes(showticklabels=False, ticks="", showgrid=False, zeroline=False)
    figure.update_layout(
        title=title, height=420, margin={"l": 10, "r": 10, "t": 40, "b": 10}, showlegend=False, plot_bgcolor="white"
    )
    return figure


def method_grid(image: np.ndarray, maps: dict[str, np.ndarray], opacity: float = 0.6) -> go.Figure:
    """The same image explained by several methods, side by side, each map over the image and scaled to its own
    largest value, so one colour bar (−1 … 1, relative attribution) reads for all: methods differ in units."""
    names = list(maps)
    figure = make_subplots(rows=1, cols=len(names), subplot_titles=names, horizontal_spacing=0.02)
    grey = _grey(image).astype(float)
    for column, name in enumerate(names, start=1):
        limit = float(np.abs(maps[name]).max()) or 1.0
        figure.add_trace(go.Heatmap(z=grey, colorscale="gray", showscale=False, hoverinfo="skip"), row=1, col=column)
        figure.add_trace(
            go.Heatmap(z=maps[name] / limit, colorscale=COLOURSCALE, zmid=0, zmin=-1, zmax=1, opacity=opacity,
                       showscale=column == 1, colorbar={"title": "relative"},
                       hovertemplate=f"{name}<br>%{{z:.3f}} of its largest value<extra></extra>"),
            row=1, col=column,
        )  # fmt: skip
    figure.update_yaxes(autorange="reversed", showticklabels=False, ticks="", showgrid=False, zeroline=False)
    for column in range(1, len(names) + 1):  # square pixels in every panel
        figure.update_yaxes(scaleanchor="x" if column == 1 else f"x{column}", row=1, col=column)
    figure.update_xaxes(showticklabels=False, ticks="", showgrid=False, zeroline=False)
    figure.update_layout(plot_bgcolor="white", height=260, margin={"l": 10, "r": 10, "t": 40, "b": 10})
    return figure


METHOD_COLOURS = ("#1f6f8b", "#c05f1f", "#5b8c2a", "#8c2a6f", "#7f7f7f", "#b8a21f", "#2a5b8c", "#8c5b2a")


def faithfulness_curves(curves_by_method: dict) -> go.Figure:
    """Deletion (solid) and insertion (dashed) curves per method: fast fall and fast rise are faithful."""
    figure = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=(
            "deletion (most important pixels removed first): lower is better",
            "insertion: higher is better",
        ),
    )
    for index, (name, curve) in enumerate(curves_by_method.items()):
        colour = METHOD_COLOURS[index % len(METHOD_COLOURS)]
        figure.add_scatter(
            x=curve.fractions, y=curve.deletion, name=f"{name}: deletion AUC {curve.deletion_auc:.3f}",
            line={"color": colour}, legendgroup=name, row=1, col=1,
        )  # fmt: skip
        figure.add_scatter(
            x=curve.fractions, y=curve.insertion, name=f"{name}: insertion AUC {curve.insertion_auc:.3f}",
            line={"color": colour, "dash": "dash"}, legendgroup=name, row=1, col=2,
        )  # fmt: skip
    figure.update_xaxes(title="share of pixels")
    figure.update_yaxes(title="probability of the class", row=1, col=1)
    figure.update_layout(height=360)
    return figure


def overlay_png(image: np.ndarray, attribution: np.ndarray, opacity: float = 0.6, scale: int = 8) -> bytes:
    """A PNG of the overlay, enlarged ``scale`` times, with the same diverging colours."""
    from PIL import Image

    limit = float(np.abs(attribution).max()) or 1.0
    value = np.clip(attribution / limit, -1.0, 1.0)
    red = np.where(value > 0, 1.0, 1.0 + value)
    blue = np.where(value < 0, 1.0, 1.0 - value)
    green = 1.0 - np.abs(value)
    heat = np.stack([red, green, blue], axis=-1)
    grey = np.repeat((_grey(image) / 255.0)[..., np.newaxis], 3, axis=-1)
    weight = opacity * np.abs(value)[..., np.newaxis]
    blended = (grey * (1 - weight) + heat * weight) * 255.0
    pixels = np.repeat(np.repeat(blended.astype(np.uint8), scale, axis=0), scale, axis=1)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def probability_bars(class_names, probabilities) -> go.Figure:
    """One horizontal bar per class on a fixed 0–100 % axis: a 50.1 / 49.9 case reads as two half bars."""
    values = [float(p) * 100 for p in probabilities]
    figure = go.Figure(
        go.Bar(
            x=values,
            y=list(class_names),
            orientation="h",
            text=[f"{v:.1f} %" for v in values],
            textposition="auto",
            marker={"color": "#1f6f8b"},
        )
    )
    figure.update_xaxes(range=[0, 100], title="probability (%)", ticksuffix=" %")
    figure.update_yaxes(autorange="reversed")
    figure.update_layout(height=60 + 40 * len(values), margin={"l": 10, "r": 10, "t": 10, "b": 40})
    return figure


def upsampled(attribution: np.ndarray, side: int) -> np.ndarray:
    """A model-resolution map stretched smoothly (bilinear) to ``side`` x ``side``, to lie over the image as the
    user sees it; the values keep their scale."""
    from scipy.ndimage import zoom

    factor = side / attribution.shape[0]
    return zoom(attribution.astype(np.float32), (factor, side / attribution.shape[1]), order=1)[:side, :side]
