"""Scenario discovery: in which ranges of the factors is an outcome bad?

The cases are a sweep's points (factor values) with one indicator each; a case is "of
interest" when the indicator is above (or below) a threshold. Three views, all from the EMA
workbench's `analysis` package (Kwakkel 2017, ema_workbench 2.5), kept here as pure
functions over frames:

- PRIM (Friedman and Fisher 1999; Bryant and Lempert 2010) peels the factor space toward
  a box dense in cases of interest. Its peeling trajectory trades coverage (the share of
  all cases of interest inside the box) against density (the share of the box's cases that
  are of interest); `choose_box` picks the densest box that still covers `min_coverage`.
  Each restricted factor has a quasi-p value (a one-sided binomial test of whether the
  restriction matters; below 0.05 it does).
- CART (scikit-learn's decision tree through EMA's wrapper): the leaves as boxes, a second
  view that splits the whole space rather than finding one box.
- Feature scores (extra trees, EMA's `get_ex_feature_scores`): how much each factor
  explains of the indicator and of the bad/good split, whatever its range.

EMA's plotting uses pyplot; the figures are drawn instead by model.report.figures_discovery
from the tables these functions return.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from model.errors import UserError

DEFAULT_MIN_COVERAGE = 0.5
"""choose_box: the densest box of the trajectory that keeps this share of the cases of
interest: at least half of the bad cases explained, as dense as the trajectory allows
(Bryant and Lempert 2010 leave the pick to the analyst; --min-coverage changes it)."""
PEEL_ALPHA = 0.05
"""Share of the remaining cases PRIM peels off per step (EMA's default)."""
MASS_MIN = 0.05
"""Smallest box PRIM and CART leaves may have, as a share of the cases (EMA's default)."""
SIGNIFICANT_QP = 0.05
INTEREST_THRESHOLD = 1e-9
"""PRIM's `threshold` on the 0/1 outcome: a case is of interest when y >= it (y = 1), and PRIM
keeps the box it found whenever the box's mean reaches it, so the whole peeling trajectory
is always kept; the box is chosen from it by `choose_box`, not by a density threshold."""
FEATURE_TREES = 200
SEED = 0
"""Seeds CART's and the extra trees' tie-breaking, so the same sweep gives the same files."""
TRAJECTORY_COLUMNS = ["step", "coverage", "density", "mass", "restricted_factors", "cases",
                      "cases_of_interest", "chosen"]  # fmt: skip
BOX_COLUMNS = ["method", "box", "coverage", "density", "mass", "factor", "low", "high",
               "values", "full_low", "full_high", "qp_low", "qp_high", "significant"]  # fmt: skip


def _ema():
    """EMA's analysis modules, imported on first use (about 2 s: scikit-learn, statsmodels)
    and without the warning about its optional ipyparallel evaluator."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            from ema_workbench.analysis import cart, feature_scoring, prim
            from ema_workbench.analysis.scenario_discovery_util import RuleInductionType
    except ImportError as exc:
        raise UserError(
            f"scenario discovery needs the EMA workbench ({exc}); install it with "
            "pip install -e '.[discovery]'"
        ) from None
    return prim, cart, feature_scoring, RuleInductionType


def _make_box(factors: pd.DataFrame) -> pd.DataFrame:
    """The box spanning every case (EMA's own helper: two rows, low and high or the set of
    categories), the reference a box's restrictions are read against."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        from ema_workbench.analysis.scenario_discovery_util import _make_box as make_box
    return make_box(factors)


def cases_of_interest(values: np.ndarray, threshold: float, above: bool) -> np.ndarray:
    """Which cases are bad: the indicator above (or below) the threshold; NaN is never bad."""
    values = np.asarray(values, dtype=float)
    bad = values > threshold if above else values < threshold
    return bad & ~np.isnan(values)


def prepared_factors(x: pd.DataFrame) -> pd.DataFrame:
    """The factor table as PRIM reads it: numbers as float or int64, anything else (scenario
    files, switches) as categories; columns with a single value are dropped (nothing to
    restrict)."""
    prepared = {}
    for column in x.columns:
        values = x[column]
        if values.nunique(dropna=False) < 2:
            continue
        if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
            prepared[column] = values.astype(str).astype("category")
        elif pd.api.types.is_integer_dtype(values):
            prepared[column] = values.astype(np.int64)
        else:
            prepared[column] = values.astype(np.float64)
    return pd.DataFrame(prepared).reset_index(drop=True)


@dataclass
class PrimResult:
    """The peeling trajectory (TRAJECTORY_COLUMNS), the chosen step and its box (BOX_COLUMNS
    rows, one per restricted factor)."""

    trajectory: pd.DataFrame
    chosen: int
    box: pd.DataFrame


def choose_box(trajectory: pd.DataFrame, min_coverage: float) -> int:
    """The step of the densest box whose coverage is at least `min_coverage`; among equally
    dense boxes the one with fewer restricted factors, then the earlier."""
    eligible = trajectory[trajectory["coverage"] >= min_coverage - 1e-12]
    if eligible.empty:
        return 0
    ranked = eligible.sort_values(
        ["density", "restricted_factors", "step"], ascending=[False, True, True], kind="stable"
    )
    return int(ranked["step"].iloc[0])


def find_box(
    x: pd.DataFrame,
    bad: np.ndarray,
    min_coverage: float = DEFAULT_MIN_COVERAGE,
    peel_alpha: float = PEEL_ALPHA,
    mass_min: float = MASS_MIN,
) -> PrimResult:
    """PRIM's first box on the cases `x` (factor values, one row per case) with `bad` marking
    the cases of interest; the box chosen on its trajectory by `choose_box`."""
    prim, _cart, _features, _kind = _ema()
    factors = prepared_factors(x)
    with warnings.catch_warnings():  # EMA 2.5 on pandas 3: drop(inplace=True) is deprecated
        warnings.filterwarnings("ignore", "The inplace keyword", category=Warning)
        algorithm = prim.Prim(
            factors, np.asarray(bad, dtype=int), threshold=INTEREST_THRESHOLD,
            peel_alpha=peel_alpha, mass_min=mass_min,
        )  # fmt: skip
        box = algorithm.find_box()
    peeled = box.peeling_trajectory
    trajectory = pd.DataFrame(
        {
            "step": peeled["id"].astype(int).to_numpy(),
            "coverage": peeled["coverage"].astype(float).to_numpy(),
            "density": peeled["density"].astype(float).to_numpy(),
            "mass": peeled["mass"].astype(float).to_numpy(),
            "restricted_factors": peeled["res_dim"].astype(int).to_numpy(),
            "cases": peeled["n"].astype(int).to_numpy(),
            "cases_of_interest": peeled["k"].astype(int).to_numpy(),
        }
    )
    chosen = choose_box(trajectory, min_coverage)
    trajectory["chosen"] = trajectory["step"] == chosen
    stats = trajectory.set_index("step").loc[chosen]
    limits = box_rows(
        "prim", chosen, stats, box.box_lims[chosen], box.box_lims[0], box.qp[chosen]
    )
    return PrimResult(trajectory[TRAJECTORY_COLUMNS], chosen, limits)


def box_rows(
    method: str,
    number: int,
    stats: pd.Series,
    limits: pd.DataFrame,
    full: pd.DataFrame,
    qp: dict[str, list[float]] | None = None,
) -> pd.DataFrame:
    """BOX_COLUMNS rows of one box: each factor whose limits differ from the full range
    (numbers: low and high; categories: the values kept, joined by '|'); a box that
    restricts nothing gets one row with an empty factor."""
    rows = []
    for factor in limits.columns:
        low, high = limits[factor].iloc[0], limits[factor].iloc[1]
        full_low, full_high = full[factor].iloc[0], full[factor].iloc[1]
        categorical = isinstance(low, set)
        if (low == full_low and high == full_high) if not categorical else low == full_low:
            continue
        qp_low, qp_high = (qp or {}).get(factor, [np.nan, np.nan])
        qp_low, qp_high = (np.nan if v is None or v < 0 else float(v) for v in (qp_low, qp_high))
        significant = [v for v in (qp_low, qp_high) if not np.isnan(v)]
        rows.append(
            {
                "factor": factor,
                "low": np.nan if categorical else float(low),
                "high": np.nan if categorical else float(high),
                "values": "|".join(sorted(map(str, low))) if categorical else "",
                "full_low": np.nan if categorical else float(full_low),
                "full_high": np.nan if categorical else float(full_high),
                "qp_low": qp_low,
                "qp_high": qp_high,
                "significant": bool(significant) and min(significant) < SIGNIFICANT_QP,
            }
        )
    if not rows:
        rows.append({"factor": "", "values": "", "significant": False})
    table = pd.DataFrame(rows).assign(
        method=method,
        box=number,
        coverage=float(stats["coverage"]),
        density=float(stats["density"]),
        mass=float(stats["mass"]),
    )
    return table.reindex(columns=BOX_COLUMNS)


def cart_boxes(
    x: pd.DataFrame, bad: np.ndarray, mass_min: float = MASS_MIN, seed: int = SEED
) -> tuple[pd.DataFrame, str]:
    """CART's leaves as boxes (BOX_COLUMNS rows, densest leaf first) and the tree as text.

    EMA's wrapper builds scikit-learn's tree without a random_state, which draws from
    NumPy's global RandomState to break ties; it is seeded here and restored after."""
    from sklearn.tree import export_text

    _prim, cart, _features, _kind = _ema()
    factors = prepared_factors(x)
    mass_min = max(mass_min, (1 + 1e-9) / len(factors))  # a leaf holds at least one case
    algorithm = cart.CART(factors, np.asarray(bad, dtype=int), mass_min=mass_min)
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        algorithm.build_tree()
    finally:
        np.random.set_state(state)
    full = _make_box(factors)
    leaves = [
        box_rows("cart", number, pd.Series(stats), limits, full)
        for number, (limits, stats) in enumerate(
            zip(algorithm.boxes, algorithm.stats, strict=True)
        )
    ]
    table = pd.concat(leaves, ignore_index=True)
    table = table.sort_values(["density", "box"], ascending=[False, True], kind="stable")
    tree_text = export_text(algorithm.clf, feature_names=list(algorithm.feature_names))
    return table.reset_index(drop=True), tree_text


def feature_scores(
    x: pd.DataFrame, values: np.ndarray, bad: np.ndarray, seed: int = SEED
) -> pd.DataFrame:
    """Extra-trees feature scores of each factor, for the indicator's values (regression)
    and for the bad/good split (classification), most important first; scores of one kind
    sum to 1."""
    _prim, _cart, features, kind = _ema()
    factors = prepared_factors(x)
    scores = {}
    for column, target, mode in (
        ("score_indicator", np.asarray(values, dtype=float), kind.REGRESSION),
        ("score_bad", np.asarray(bad, dtype=int), kind.CLASSIFICATION),
    ):
        table, _forest = features.get_ex_feature_scores(
            factors, target, mode=mode, nr_trees=FEATURE_TREES, random_state=seed,
            max_features=max(1, round(factors.shape[1] / 3)),
        )  # fmt: skip
        scores[column] = table.iloc[:, 0]
    table = pd.DataFrame(scores).rename_axis("factor").reset_index()
    return table.sort_values("score_indicator", ascending=False, ignore_index=True)
