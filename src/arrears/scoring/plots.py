"""PNG charts of a scorer's evaluation: ROC curve and calibration (reliability) plot.

Uses Matplotlib's non-interactive Agg backend, so it works on servers without a display.
Every function draws one figure, saves it, closes it and returns the path written.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy.typing as npt
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
    ax.set_xlim(0.0, 1.0)
    ax.set_ylim(0.0, 1.0)
    ax.set_xlabel("False positive rate")
    ax.set_ylabel("True positive rate")
    ax.set_title(title)
    ax.legend(loc="lower right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return _save(fig, path)


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
    ax.set_xlim(0.0, 1.0)
    ax.set_ylim(0.0, 1.0)
    ax.set_xlabel("Mean predicted probability of default")
    ax.set_ylabel("Observed default rate")
    ax.set_title(title)
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return _save(fig, path)
