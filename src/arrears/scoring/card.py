"""The model card as Markdown (the JSON card is the source)."""

from __future__ import annotations

from typing import Any


def _number(value: object, digits: int = 4) -> str:
    return f"{value:.{digits}f}" if isinstance(value, float) else "-" if value is None else str(value)


def _groups(rows: list[dict[str, Any]]) -> list[str]:
    lines = ["| group | accounts | default rate | mean p | AUC | ECE |", "|---|---|---|---|---|---|"]
    for row in rows:
        cells = [row["group"], f"{row['accounts']:,}"]
        cells += [_number(row.get(key)) for key in ("default_rate", "mean_p", "auc", "ece")]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def card_markdown(card: dict[str, Any]) -> str:
    cv, data = card["cv"], card["data"]
    lines = [
        f"# Model card: {card['version']}",
        "",
        f"Probability that an account does not pay its next statement ({card['target']}).",
        f"Created {card['created_at']} by Arrears {card['arrears_version']} with LightGBM "
        f"{card['lightgbm_version']}; training took {card['training_seconds']:.1f} s.",
        "",
        "## Data",
        "",
        f"`{data['file']}`, sha256 `{data['sha256']}`: {data['rows']:,} accounts, default rate "
        f"{data['default_rate']:.4f}.",
        "",
        f"## Cross-validation ({card['parameters']['folds']} folds, out of fold)",
        "",
        "| metric | mean | std |",
        "|---|---|---|",
    ]
    for name in ("auc", "ks", "brier", "ece"):
        lines.append(f"| {name.upper()} | {cv[name]['mean']:.4f} | {cv[name]['std']:.4f} |")
    raw = cv["ece_uncalibrated"]
    lines += [
        f"| ECE before calibration | {raw['mean']:.4f} | {raw['std']:.4f} |",
        "",
        f"ECE of all out-of-fold probabilities together: {cv['ece_pooled']:.4f}. On one fold's "
        f"accounts a perfectly calibrated model would show an ECE of about {cv['ece_noise_floor']:.4f} "
        "from sampling noise alone (10 equal-frequency bins).",
        "",
        f"Calibration: {card['calibration']['method']}, fitted on out-of-fold scores (each fold's "
        "figures use a calibration fitted on the other folds).",
        "",
        "## Features",
        "",
        f"Interaction structure: every tree uses {', '.join(card['hub'])} and at most one other "
        "feature, so reasons are LightGBM's exact contributions (decision 0007).",
        "",
        "| feature | group | reason (zh) | reason (en) |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {f['name']} | {f['group']} | {f['reason_zh']} | {f['reason_en']} |" for f in card["features"]
    ]
    protected = card["protected_attributes"]
    lines += ["", "## Protected attributes", ""]
    used = protected["used"]
    lines.append(
        f"Used: {', '.join(used) if used else 'none (sex and marital status are left out)'}. "
        f"CV AUC {protected['cv_auc']:.4f}."
    )
    if "compared_cv_auc" in protected:
        lines.append(
            f"Trained {protected['compared_features']}: CV AUC {protected['compared_cv_auc']:.4f} "
            f"(difference {protected['compared_cv_auc'] - protected['cv_auc']:+.4f})."
        )
    lines += ["", "### By sex", "", *_groups(card["groups"]["sex"]), "", "### By age band", ""]
    lines += [*_groups(card["groups"]["age_band"]), "", "## Score and tiers", ""]
    scale = card["scale"]
    lines.append(
        f"Score 0-1000, higher is better: {scale['base_score']:.0f} points at good:bad odds of "
        f"{scale['base_odds']:.0f}:1, {scale['points_to_double_odds']:.0f} points to double the odds."
    )
    lines += ["", "| tier | p_default up to | score from |", "|---|---|---|"]
    lines += [f"| {t['tier']} | {t['max_p_default']:.2f} | {t['min_score']:.0f} |" for t in card["tiers"]]
    params = ", ".join(f"{k}={v}" for k, v in card["parameters"].items())
    lines += ["", "## Parameters", "", params, ""]
    return "\n".join(lines)
