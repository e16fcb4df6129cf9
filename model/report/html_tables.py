"""How report.html shows numbers and tables: each figure's kind (share, index, yuan, count)
and label from its name, numbers and ranges formatted for reading, and the headline,
comparison and efficiency tables as HTML. The app's results view formats its numbers the
same way. The page that holds these tables is model/report/html.py.
"""

from __future__ import annotations

import html
import math
from typing import Any

import pandas as pd

INTERVAL_PERCENT = 90
"""Interval level of every figure (model.analysis.intervals.INTERVAL_LEVEL; not imported here)."""

HEADLINE_LABELS = {
    "incidence_persons_first_year": "poverty incidence, first year (share of persons)",
    "incidence_persons_final_year": "poverty incidence, final year (share of persons)",
    "poor_households_final_year": "income-poor households, final year",
    "registered_households_first_year": "registered households, first year",
    "registered_households_final_year": "registered households, final year",
    "exits_households_total": "exits, all years (households)",
    "exit_rate_mean": "exit rate, mean of years (share of registered)",
    "relapses_households_total": "relapses, all years (households)",
    "relapse_share_of_exits": "relapses per exit",
    "relapse_within_3y_share_of_exits": "relapses within 3 years of exit, per exit",
    "wrongly_exited_share_of_exits": "exited while truly poor, per exit",
    "missed_poor_share_final_year": "poor not registered, final year (share of the poor)",
    "spending_total": "spending, all years (yuan)",
    "spending_per_exit": "spending per exit (yuan)",
    "spending_leakage_share": "spending on the non-poor (share of spending)",
    "cost_per_lasting_exit": "cost per additional lasting exit (yuan)",
}
"""Figures shown first, in this order, with their labels; the rest follow by name."""


# --- numbers -------------------------------------------------------------------------------


def number_kind(name: str) -> str:
    """How to show a figure, from its name: share (%), index, yuan or count."""
    if name.startswith(("fgt1", "fgt2")):
        return "index"
    if any(word in name for word in ("share", "incidence", "rate")):
        return "share"
    if any(word in name for word in ("spending", "yuan", "funds", "cost")):
        return "yuan"
    return "count"


def is_number(value: Any) -> bool:
    """True for a finite int or float (None, NaN and text are not)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def format_number(value: Any, kind: str, difference: bool = False) -> str:
    """A figure for the tables: shares as % (differences in percentage points), yuan and
    large counts whole with thousands separators, small counts to one decimal."""
    if not is_number(value):
        return "n/a"
    sign = "+" if difference else ""
    if kind == "share":
        text = f"{value * 100:{sign}.1f} pp" if difference else f"{value:.1%}"
    elif kind == "index":
        text = f"{value:{sign}.4f}"
    elif abs(value) >= 100 or kind == "yuan":
        text = f"{value:{sign},.0f}"
    else:
        text = f"{value:{sign},.1f}"
    rounded_to_zero = text.startswith("-") and not text.strip("-0.,% p")
    return text.replace("-", "+" if difference else "", 1) if rounded_to_zero else text


def format_range(low: Any, high: Any, kind: str, difference: bool = False) -> str:
    """`low to high`, or n/a when either bound is missing."""
    if not (is_number(low) and is_number(high)):
        return "n/a"
    return f"{format_number(low, kind, difference)} to {format_number(high, kind, difference)}"


def cell_value(value: Any) -> Any:
    """A frame cell as a plain Python value (NaN as None)."""
    if isinstance(value, float) and math.isnan(value):
        return None
    return value.item() if hasattr(value, "item") else value


# --- HTML pieces ---------------------------------------------------------------------------


def escape(text: Any) -> str:
    """HTML-escaped text of any value."""
    return html.escape(str(text), quote=True)


def table(header: list[str], rows: list[list[str]], numeric_from: int) -> str:
    """An HTML table of already formatted cells; columns from `numeric_from` right-aligned."""
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="number">{escape(c)}</td>' if i >= numeric_from else f"<td>{escape(c)}</td>"
            for i, c in enumerate(row)
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table>\n<tr>{head}</tr>\n" + "\n".join(body) + "\n</table>"


def headline_split(names: list[str]) -> tuple[list[str], list[str]]:
    """(the headline figures among `names` in HEADLINE_LABELS order, the others by name)."""
    return [k for k in HEADLINE_LABELS if k in names], sorted(
        k for k in set(names) if k not in HEADLINE_LABELS
    )


def figure_label(name: str) -> str:
    """A readable label with its unit for a summary figure or comparison indicator."""
    if name in HEADLINE_LABELS:
        return HEADLINE_LABELS[name]
    tidy = name.replace("_", " ")
    if name.startswith("exit_share_"):
        return f"exits via {tidy.removeprefix('exit share ')} (share of exits)"
    if name.startswith("spending_fund_") and name.endswith("_total"):
        return f"spending from the {tidy[len('spending fund ') : -len(' total')]} fund (yuan)"
    if name.startswith("spending_") and name.endswith("_total"):
        return f"spending on {tidy[len('spending ') : -len(' total')]} (yuan)"
    unit = {"share": "share", "yuan": "yuan", "index": "index", "count": "households"}
    return f"{tidy} ({unit[number_kind(name)]})"


def whole_number(value: Any) -> str:
    """A count such as the number of replicates, without decimals."""
    return f"{int(value):,}" if is_number(value) else ""


def summary_table(summary: dict[str, dict], keys: list[str]) -> str:
    """Figures `keys` of summary.json: mean, 90% range of replicates, 90% interval of the mean
    and the number of replicates."""
    rows = []
    for key in keys:
        figure = summary[key] if isinstance(summary[key], dict) else {"mean": summary[key]}
        kind = number_kind(key)
        rows.append([
            figure_label(key),
            format_number(figure.get("mean"), kind),
            format_range(figure.get("low"), figure.get("high"), kind),
            format_range(figure.get("mean_low"), figure.get("mean_high"), kind),
            whole_number(figure.get("n")),
        ])  # fmt: skip
    header = [
        "figure", "mean", f"{INTERVAL_PERCENT}% of replicates",
        f"{INTERVAL_PERCENT}% interval of the mean", "replicates",
    ]  # fmt: skip
    return table(header, rows, numeric_from=1)


def comparison_table(comparison: pd.DataFrame, indicators: list[str]) -> str:
    """comparison.csv's `indicators` x scenario: mean with its interval, and the difference to
    the first scenario with its paired (common random numbers) and unpaired intervals."""
    frame = comparison.copy()
    frame["scenario"] = frame["scenario"].fillna("").astype(str)
    frame["indicator"] = frame["indicator"].fillna("").astype(str)
    first = frame["scenario"].iloc[0] if len(frame) else ""
    rows = []
    for indicator in indicators:
        kind = number_kind(indicator)
        label = figure_label(indicator)
        for record in frame[frame["indicator"] == indicator].to_dict("records"):
            value = {key: cell_value(item) for key, item in record.items()}
            is_first = value["scenario"] == first
            rows.append([
                label, value["scenario"], format_number(value.get("mean"), kind),
                format_range(value.get("mean_low"), value.get("mean_high"), kind),
                "reference" if is_first else format_number(value.get("difference"), kind, True),
                "" if is_first else format_range(
                    value.get("difference_low"), value.get("difference_high"), kind, True
                ),
                "" if is_first else format_range(
                    value.get("difference_unpaired_low"), value.get("difference_unpaired_high"),
                    kind, True,
                ),
                whole_number(value.get("replicates")),
            ])  # fmt: skip
            label = ""  # the indicator is named on its first row only
    header = [
        "indicator", "scenario", "mean", f"{INTERVAL_PERCENT}% interval of the mean",
        f"difference to {first}", f"{INTERVAL_PERCENT}% interval, paired",
        f"{INTERVAL_PERCENT}% interval, unpaired", "replicates",
    ]  # fmt: skip
    return table(header, rows, numeric_from=2)


def efficiency_table(efficiency: pd.DataFrame) -> str:
    """efficiency.csv: the package's measures against no intervention, then each instrument's
    leave-one-out contribution, with their intervals."""
    rows = []
    for record in efficiency.to_dict("records"):
        value = {key: cell_value(item) for key, item in record.items()}
        unit = str(value.get("unit") or "")
        kind = "share" if "share" in unit else number_kind(str(value.get("measure", "")))
        if kind == "share" and "share" not in unit:
            kind = "count"
        rows.append([
            str(value.get("scenario") or ""), str(value.get("left_out") or "whole package"),
            str(value.get("measure", "")).replace("_", " "), unit,
            format_number(value.get("mean"), kind),
            format_range(value.get("mean_low"), value.get("mean_high"), kind),
            whole_number(value.get("replicates")),
        ])  # fmt: skip
    header = [
        "scenario", "left out", "measure", "unit", "mean",
        f"{INTERVAL_PERCENT}% interval", "replicates",
    ]  # fmt: skip
    return table(header, rows, numeric_from=4)
