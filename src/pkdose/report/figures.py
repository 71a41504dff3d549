"""Plotly figure factories for the reports (offline: nothing here refers to a CDN).

Every text that comes from a trial file (patient, region names) is HTML-escaped before it reaches
plotly, whose labels accept a subset of HTML.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

__all__ = ["curve_band", "tac_figure", "measurement_figure", "dose_figure", "bed_figure", "dose_per_activity_figure"]

_QUANTITY_AXIS = {"activity": "activity [MBq]", "concentration": "activity concentration [MBq/L]",
                  "cumulative_excreted": "cumulative excreted activity [MBq]"}

_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")


def _e(text: object) -> str:
    return html.escape(str(text))


def curve_band(fit: Any, t: np.ndarray, *, level: float = 0.95, n: int = 400, seed: int = 0
               ) -> tuple[np.ndarray, np.ndarray] | None:
    """Pointwise ``level`` band of a fitted curve [MBq] at times *t* [h] from parameter draws.

    Parameters are drawn from the normal approximation of the fit (its covariance matrix); draws
    with a negative rate (outside the model's domain) are discarded. Returns None when the fit
    has no covariance (no honest band can be drawn).
    """
    from ..fit.exponentials import exp_sum

    if getattr(fit, "covariance", None) is None or not fit.success:
        return None
    curves = [exp_sum(t, *fit.terms(p)) for p in fit.parameter_draws(n, seed)]
    if len(curves) < 20:
        return None
    arr = np.asarray(curves)
    lo, hi = np.percentile(arr, [50 * (1 - level), 50 * (1 + level)], axis=0)
    return lo, hi


def tac_figure(curves: Sequence[tuple[str, Any, Any]], *, title: str, log_y: bool = True,
               level: float = 0.95, quantity: str = "activity", unit: str = "MBq") -> go.Figure:
    """Measured activities and fitted curves of one region, one trace group per curve.

    Parameters
    ----------
    curves : sequence of (label, TimeActivityCurve, ExponentialFit)
        Legend label, measurements and their fit, e.g. the cycles of one patient and region
        (``"cycle 1"``, ...) or one cycle of every patient.
    title : str
        Figure title (escaped).
    log_y : bool
        Logarithmic activity axis.
    level : float
        Coverage of the shaded band (parameter uncertainty of the fit).
    quantity, unit : str
        What the curves measure, for the axis and hover labels (e.g. ``"concentration"``,
        ``"MBq/L"`` for blood samples).
    """
    fig = go.Figure()
    u = _e(unit)
    for i, (label, tac, fit) in enumerate(curves):
        color = _COLORS[i % len(_COLORS)]
        name = _e(label)
        t = np.linspace(0.0, float(tac.times_h[-1]) * 1.25, 121)
        band = curve_band(fit, t, level=level)
        if band is not None:
            fig.add_trace(go.Scatter(x=np.concatenate([t, t[::-1]]), y=np.concatenate([band[1], band[0][::-1]]),
                                     fill="toself", fillcolor=color, opacity=0.15, line={"width": 0},
                                     hoverinfo="skip", legendgroup=name, showlegend=False,
                                     name=f"{name} {100 * level:.0f} % band"))
        if fit.success:
            fig.add_trace(go.Scatter(x=t, y=fit.curve(t), mode="lines", line={"color": color}, legendgroup=name,
                                     name=f"{name}: fit {_e(fit.model)}", hovertemplate=f"%{{y:.3g}} {u} at %{{x:.1f}} h"))
        err = None if tac.sigma_MBq is None else {"type": "data", "array": np.asarray(tac.sigma_MBq), "visible": True}
        fig.add_trace(go.Scatter(x=tac.times_h, y=tac.activity_MBq, mode="markers", error_y=err,
                                 marker={"color": color, "size": 8}, legendgroup=name, name=f"{name}: measured",
                                 hovertemplate=f"%{{y:.4g}} {u} at %{{x:.2f}} h"))
    fig.update_layout(title=_e(title), xaxis_title="time after administration [h]",
                      yaxis_title=f"{_e(quantity)} [{u}] (not decay-corrected)", height=420,
                      yaxis_type="log" if log_y else "linear", template="plotly_white",
                      updatemenus=[{"type": "buttons", "direction": "left", "x": 1.0, "y": 1.15, "showactive": True,
                                    "buttons": [{"label": "log", "method": "relayout", "args": [{"yaxis.type": "log"}]},
                                                {"label": "linear", "method": "relayout",
                                                 "args": [{"yaxis.type": "linear"}]}]}])
    return fig


def measurement_figure(curves: Sequence[tuple[str, Any]], *, title: str) -> go.Figure:
    """Measured values of any quantity (blood concentration, cumulative excretion) against time, no fit."""
    fig = go.Figure()
    quantity = "activity"
    for i, (label, tac) in enumerate(curves):
        quantity = getattr(tac, "quantity", "activity")
        err = None if tac.sigma_MBq is None else {"type": "data", "array": np.asarray(tac.sigma_MBq), "visible": True}
        fig.add_trace(go.Scatter(x=tac.times_h, y=tac.activity_MBq, mode="lines+markers", error_y=err,
                                 name=_e(label), marker={"color": _COLORS[i % len(_COLORS)]},
                                 line={"width": 1, "color": _COLORS[i % len(_COLORS)]}))
    fig.update_layout(title=_e(title), xaxis_title="time after administration [h]",
                      yaxis_title=_QUANTITY_AXIS.get(quantity, quantity), height=400, template="plotly_white",
                      yaxis_type="log" if quantity == "concentration" else "linear")
    return fig


def dose_figure(doses: pd.DataFrame, *, title: str, value: str = "absorbed_Gy", sd: str = "absorbed_sd_Gy",
                label: str = "absorbed dose", unit: str = "Gy") -> go.Figure:
    """Per-cycle doses per target as grouped bars with ±1 SD error bars (one patient)."""
    fig = go.Figure()
    for i, (cycle, g) in enumerate(doses.groupby("cycle", sort=True)):
        fig.add_trace(go.Bar(x=[_e(t) for t in g["target"]], y=g[value], name=f"cycle {cycle}",
                             marker_color=_COLORS[i % len(_COLORS)],
                             error_y={"type": "data", "array": g[sd].to_numpy(), "visible": True},
                             hovertemplate="%{y:.3g} " + unit))
    fig.update_layout(title=_e(title), barmode="group", yaxis_title=f"{_e(label)} [{unit}]", height=420,
                      template="plotly_white")
    return fig


def bed_figure(cumulative: pd.DataFrame, limits: Sequence[Any], *, target: str = "kidneys") -> go.Figure:
    """Cumulative BED of *target* per patient against the published thresholds (dashed lines)."""
    sel = cumulative[cumulative["target"] == target]
    fig = go.Figure(go.Bar(x=[_e(p) for p in sel["patient"]], y=sel["bed_Gy"], name=f"{_e(target)} BED",
                           error_y={"type": "data", "array": sel["bed_sd_Gy"].to_numpy(), "visible": True},
                           hovertemplate="%{y:.3g} Gy"))
    for lim in limits:
        if lim.tissue == target:
            fig.add_hline(y=lim.bed_Gy, line_dash="dash", line_color="#d62728",
                          annotation_text=f"{lim.bed_Gy:g} Gy ({_e(lim.condition)})", annotation_position="top left")
    top = max([float(sel["bed_Gy"].max()) if len(sel) else 0.0] + [lim.bed_Gy for lim in limits if lim.tissue == target])
    fig.update_layout(title=f"Cumulative {_e(target)} BED over all cycles", yaxis_title="BED [Gy]",
                      yaxis_range=[0, 1.15 * top], height=420, template="plotly_white")
    return fig


def dose_per_activity_figure(doses: pd.DataFrame, *, title: str) -> go.Figure:
    """Absorbed dose per administered activity [Gy/GBq] per target, all patients and cycles."""
    fig = go.Figure()
    for i, (target, g) in enumerate(doses.groupby("target", sort=True)):
        fig.add_trace(go.Box(y=g["Gy_per_GBq"], name=_e(target), boxpoints="all", jitter=0.4, pointpos=0,
                             marker_color=_COLORS[i % len(_COLORS)],
                             text=[f"{_e(p)} cycle {c}" for p, c in zip(g["patient"], g["cycle"])],
                             hovertemplate="%{text}: %{y:.3g} Gy/GBq"))
    fig.update_layout(title=_e(title), yaxis_title="absorbed dose per activity [Gy/GBq]", yaxis_type="log",
                      showlegend=False, height=450, template="plotly_white")
    return fig
