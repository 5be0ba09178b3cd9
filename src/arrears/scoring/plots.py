"""PNG charts of a scorer's evaluation: ROC curve and calibration (reliability) plot.

Uses Matplotlib's non-interactive Agg backend, so it works on servers without a display.
Every function draws one figure, saves it, closes it and returns the path written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy.typing as npt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from arrears.scoring.metrics import auc, calibration_table, ece, roc_points

DPI = 110
FIGSIZE = (5.0, 5.0)


def _save(fig: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fig.savefig(path, dpi=DPI, format="png")
    finally:
        plt.close(fig)
    return path


def roc_plot(y: npt.ArrayLike, p: npt.ArrayLike, path: Path, *, title: str = "ROC curve") -> Path:
    """ROC curve of ``p`` against ``y`` with the chance diagonal and the AUC in the legend, as PNG."""
    fpr, tpr = roc_points(y, p)  # validates y and p
    area = auc(y, p)
    fig, ax = plt.subplots(figsize=FIGSIZE)
    ax.plot(fpr, tpr, color="tab:blue", linewidth=2, label=f"Model (AUC = {area:.3f})")
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="Chance")
    return _finish(fig, ax, ("False positive rate", "True positive rate"), title, "lower right", path)


def calibration_plot(
    y: npt.ArrayLike, p: npt.ArrayLike, path: Path, *, bins: int = 10, title: str = "Calibration"
) -> Path:
    """Observed default rate against mean predicted probability per equal-frequency bin, as PNG.

    Draws the perfect-calibration diagonal and reports the ECE (same bins) in the legend.
    """
    table = calibration_table(y, p, bins=bins)  # validates y, p and bins
    error = ece(y, p, bins=bins)
    mean_p = table["mean_p"].to_numpy()
    observed = table["observed_rate"].to_numpy()
    fig, ax = plt.subplots(figsize=FIGSIZE)
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="Perfect calibration")
    ax.plot(mean_p, observed, color="tab:orange", marker="o", linewidth=2, label=f"Model (ECE = {error:.3f})")
    labels = ("Mean predicted probability of default", "Observed default rate")
    return _finish(fig, ax, labels, title, "upper left", path)


Corner = Literal["lower right", "upper left"]


def _finish(fig: Figure, ax: Axes, labels: tuple[str, str], title: str, legend: Corner, path: Path) -> Path:
    """Unit square axes, labels, title, legend and grid; saved as PNG."""
    ax.set_xlim(0.0, 1.0)
    ax.set_ylim(0.0, 1.0)
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    ax.set_title(title)
    ax.legend(loc=legend)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return _save(fig, path)
