"""Relapse risk from the household panel: the relapse-risk curve, survival after exit, and
the vulnerability score (README, "Relapse and vulnerability").

- Relapse-risk curve: P(true income below the line in at least one of the next h years |
  income-to-line ratio this year), for h = 1, 3, 5, on ratio bins from 0.8 to 3.0, for
  every household-year whose household is still active h years later; by recorded cause.
  Intervals are Clopper-Pearson (exact binomial). Household-years of one household are
  correlated, so the intervals are narrower than a clustered interval would be.
- Survival after exit: Kaplan-Meier over exit spells (one per exit), by exit channel, for
  two events: `poor_again` (true income below the line) and `re_registered` (a relapse on
  the registry); a spell is censored when the run ends or the household dissolves.
- Vulnerability: the share of replicates in which a household is poor in the first policy
  year (and within three), when every replicate starts from the same households.

Every function here is pure: arrays in, arrays or frames out. Per-replicate counts are
added up over replicates before probabilities are taken.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from model.analysis.intervals import INTERVAL_LEVEL
from model.engine.state import CAUSES, EXIT_CHANNELS
from model.simulation.panel import HouseholdPanel

HORIZONS_YEARS = (1, 3, 5)
RATIO_BIN_EDGES = np.round(np.arange(0.8, 3.0 + 1e-9, 0.1), 10)
"""Income-to-line ratio bins 0.8-0.9, ..., 2.9-3.0 (the issue's range, steps of 0.1)."""
ALL = "all"
SURVIVAL_EVENTS = ("poor_again", "re_registered")
NO_EVENT = np.iinfo(np.int32).max


def clopper_pearson(
    successes: np.ndarray, trials: np.ndarray, level: float = INTERVAL_LEVEL
) -> tuple[np.ndarray, np.ndarray]:
    """Exact binomial interval (low, high) of successes/trials; NaN where trials is 0.

    low = Beta quantile (1-level)/2 with (k, n-k+1), high = quantile (1+level)/2 with
    (k+1, n-k); low is 0 at k = 0 and high is 1 at k = n.
    """
    k = np.asarray(successes, dtype=np.float64)
    n = np.asarray(trials, dtype=np.float64)
    tail = (1 - level) / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        low = np.where(k > 0, special.betaincinv(k, n - k + 1, tail), 0.0)
        high = np.where(k < n, special.betaincinv(k + 1, n - k, 1 - tail), 1.0)
    empty = n <= 0
    return np.where(empty, np.nan, low), np.where(empty, np.nan, high)


def relapse_curve_counts(panel: HouseholdPanel) -> pd.DataFrame:
    """Household-years at risk and those that fell below the line within h years, by group
    (all, and each recorded cause), horizon and ratio bin; one replicate's counts.

    A household-year counts at horizon h when the household is active then and h years
    later and its ratio is within the bins; it fell below when its true income was below
    the line in at least one of the h following years.
    """
    recorded = panel.recorded
    ratio = panel.income_to_line_ratio[:recorded]
    active = panel.active[:recorded]
    cause = panel.cause[:recorded]
    n_bins = RATIO_BIN_EDGES.size - 1
    in_range = (ratio >= RATIO_BIN_EDGES[0]) & (ratio < RATIO_BIN_EDGES[-1])
    # each household-year's bin, looked up for those within the bins only (about half)
    within = np.flatnonzero(in_range)
    bins = np.zeros(ratio.shape, dtype=np.intp)
    bins.ravel()[within] = np.searchsorted(RATIO_BIN_EDGES, ratio.ravel()[within], side="right") - 1
    # poor_through[t]: poor years among rows 0..t-1, so "poor in rows t+1..t+h" is a difference
    poor = panel.poor.astype(np.int32)
    poor_through = np.concatenate([np.zeros((1, poor.shape[1]), np.int32), poor.cumsum(axis=0)])
    groups, horizons, household_years, fell_below = [], [], [], []
    n_causes = len(CAUSES)
    for horizon in HORIZONS_YEARS:
        starts = recorded - horizon
        if starts <= 0:
            continue
        now = slice(0, starts)
        # The household-years at risk as flat positions in (starts x households): selecting
        # through positions costs a fraction of boolean-mask indexing of the 2-D arrays.
        at_risk = np.flatnonzero(active[now] & active[horizon:] & in_range[now])
        fell = (poor_through[horizon + 1 :] - poor_through[1 : starts + 1]) > 0
        bin_at_risk = bins[now].ravel()[at_risk]
        fell_at_risk = fell.ravel()[at_risk]
        cause_at_risk = cause[now].ravel()[at_risk].astype(np.int64)
        # All, then each recorded cause (CAUSE_NONE in none): one bincount over cause x bin
        has_cause = np.flatnonzero((cause_at_risk >= 0) & (cause_at_risk < n_causes))
        by_cause = cause_at_risk[has_cause] * n_bins + bin_at_risk[has_cause]
        size = n_causes * n_bins
        trials_by_group = np.concatenate([
            np.bincount(bin_at_risk, minlength=n_bins),
            np.bincount(by_cause, minlength=size),
        ]).reshape(1 + n_causes, n_bins)  # fmt: skip
        events_by_group = np.concatenate([
            np.bincount(bin_at_risk, weights=fell_at_risk, minlength=n_bins),
            np.bincount(by_cause, weights=fell_at_risk[has_cause], minlength=size),
        ]).reshape(1 + n_causes, n_bins)  # fmt: skip
        for group_index, group in enumerate((ALL, *CAUSES)):
            trials = trials_by_group[group_index]
            if group_index and not trials.any():
                continue
            groups.append(group)
            horizons.append(horizon)
            household_years.append(trials.astype(np.int64))
            fell_below.append(events_by_group[group_index].astype(np.int64))
    if not groups:
        return pd.DataFrame(columns=CURVE_COUNT_COLUMNS)
    # one frame built at once: a frame per group and horizon, concatenated, took a tenth of
    # a 10,000-household replicate
    return pd.DataFrame(
        {
            "group": np.repeat(np.array(groups, dtype=object), n_bins),
            "horizon_years": np.repeat(np.array(horizons, dtype=np.int64), n_bins),
            "ratio_low": np.tile(RATIO_BIN_EDGES[:-1], len(groups)),
            "ratio_high": np.tile(RATIO_BIN_EDGES[1:], len(groups)),
            "household_years": np.concatenate(household_years),
            "fell_below": np.concatenate(fell_below),
        }
    )


CURVE_KEYS = ["group", "horizon_years", "ratio_low", "ratio_high"]
COUNTED = ["household_years", "fell_below"]
CURVE_COUNT_COLUMNS = [*CURVE_KEYS, *COUNTED]


def relapse_curve(counts: pd.DataFrame) -> pd.DataFrame:
    """relapse_curve.csv rows from counts of one or more replicates (summed here)."""
    summed = counts.groupby(CURVE_KEYS, sort=False, as_index=False)[COUNTED].sum()
    trials = summed["household_years"].to_numpy()
    events = summed["fell_below"].to_numpy()
    low, high = clopper_pearson(events, trials)
    with np.errstate(invalid="ignore", divide="ignore"):
        summed["probability"] = np.where(trials > 0, events / np.maximum(trials, 1), np.nan)
    summed["probability_low"], summed["probability_high"] = low, high
    return summed


def next_event_row(event: np.ndarray) -> np.ndarray:
    """(years x households): the first row after each row where `event` holds, else
    NO_EVENT. A backward pass over the years, vectorised over households."""
    following = np.full(event.shape, NO_EVENT, dtype=np.int32)
    for row in range(event.shape[0] - 2, -1, -1):
        following[row] = np.where(event[row + 1], row + 1, following[row + 1])
    return following


def exit_spells(panel: HouseholdPanel) -> pd.DataFrame:
    """One row per exit: its year, channel and recorded cause, the years followed, and the
    years until the household was poor again and until it was re-registered (NaN when it
    was not, within the years followed)."""
    rows = slice(0, panel.recorded)
    exit_row, household = np.nonzero(panel.exited[rows])
    last_row = panel.recorded - 1
    dissolved = next_event_row(~panel.active[rows])[exit_row, household]
    end_row = np.minimum(np.where(dissolved == NO_EVENT, last_row, dissolved - 1), last_row)
    followed = end_row - exit_row
    spell = {
        "household_row": household.astype(np.int32),
        "exit_year": (panel.first_year + exit_row).astype(np.int32),
        "exit_channel": np.array(EXIT_CHANNELS)[panel.exit_channel[exit_row, household]],
        "years_followed": followed.astype(np.int32),
    }
    for event, flags in (("poor_again", panel.poor), ("re_registered", panel.relapsed[rows])):
        event_row = next_event_row(flags)[exit_row, household]
        happened = event_row <= end_row
        spell[f"years_to_{event}"] = np.where(happened, event_row - exit_row, np.nan)
    return pd.DataFrame(spell)


def kaplan_meier_steps(
    durations: np.ndarray, observed: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(times, survival, at risk, events) at each distinct duration, the Kaplan-Meier steps
    exactly as scipy.stats.ecdf computes them (same operations, so the same floats) without
    importing scipy.stats, which took 0.3 s of a comparison. Needs one observed event."""
    if observed.all():  # scipy's uncensored branch: 1 - the empirical CDF
        times, events = np.unique(np.sort(durations), return_counts=True)
        events_so_far = np.cumsum(events)
        n = durations.size
        survival = 1 - events_so_far / n
        at_risk = np.concatenate(([n], n - events_so_far[:-1]))
        return times, survival, at_risk, events
    # scipy's right-censored branch: events first, censored after, sorted by duration
    ended = np.concatenate((durations[observed], durations[~observed]))
    died = np.asarray([1] * int(observed.sum()) + [0] * int((~observed).sum()))
    order = np.argsort(ended)
    ended, died = ended[order], died[order]
    at_risk_each = np.arange(ended.size, 0, -1)
    distinct = np.diff(ended, prepend=-np.inf, append=np.inf) > 0
    first, last = distinct[:-1], distinct[1:]
    at_risk = at_risk_each[first]
    events = np.diff(np.cumsum(died)[last], prepend=0)
    survival = np.cumprod((at_risk - events) / at_risk)
    return ended[first], survival, at_risk, events


def step_values(steps: np.ndarray, values: np.ndarray, at: np.ndarray) -> np.ndarray:
    """A survival step function (1 before the first step) read at `at`: the value of the last
    step at or before each point, as scipy's ecdf evaluates it (interp1d, kind 'previous')."""
    index = np.searchsorted(steps, at, side="right")
    return np.where(index == 0, 1.0, values[np.maximum(index - 1, 0)])


def kaplan_meier(
    durations: np.ndarray, observed: np.ndarray, times: np.ndarray, level: float = INTERVAL_LEVEL
) -> pd.DataFrame:
    """Kaplan-Meier survival S(t) at `times` with its interval (Greenwood variance on the
    log-log scale, the "exponential Greenwood" of scipy.stats.ecdf's confidence_interval,
    whose numbers these are), the number at risk at t and the events at t."""
    durations = np.asarray(durations, dtype=np.float64)
    observed = np.asarray(observed, dtype=bool)
    at_risk = (durations[None, :] >= times[:, None]).sum(axis=1)
    events = ((durations[None, :] == times[:, None]) & observed[None, :]).sum(axis=1)
    survival = np.ones(times.size)
    low = np.full(times.size, np.nan)
    high = np.full(times.size, np.nan)
    if observed.any():
        steps, step_survival, step_at_risk, step_events = kaplan_meier_steps(durations, observed)
        # undefined where S is 0 or 1 (NaN or infinite terms): handled below
        with np.errstate(divide="ignore", invalid="ignore"):
            inverse_log_squared = 1 / np.log(step_survival) ** 2  # scipy's order of operations
            greenwood = np.cumsum(step_events / (step_at_risk * (step_at_risk - step_events)))
            variance = inverse_log_squared * greenwood
            z_se = special.ndtri(1 / 2 + level / 2) * np.sqrt(variance)
            log_minus_log = np.log(-np.log(step_survival))
            step_low = np.clip(np.exp(-np.exp(log_minus_log + z_se)), 0, 1)
            step_high = np.clip(np.exp(-np.exp(log_minus_log - z_se)), 0, 1)
        survival = step_values(steps, step_survival, times)
        low, high = step_values(steps, step_low, times), step_values(steps, step_high, times)
    before_any_event = times < (durations[observed].min() if observed.any() else np.inf)
    low[before_any_event], high[before_any_event] = 1.0, 1.0  # S = 1 exactly there
    unobserved = at_risk == 0  # after the longest spell S is not estimated
    survival = np.where(unobserved, np.nan, survival)
    low, high = np.where(unobserved, np.nan, low), np.where(unobserved, np.nan, high)
    return pd.DataFrame(
        {
            "years_since_exit": times.astype(np.int32),
            "at_risk": at_risk,
            "events": events,
            "survival": survival,
            "survival_low": low,
            "survival_high": high,
        }
    )


SURVIVAL_KEYS = ["exit_channel", "event", "years_since_exit"]
SURVIVAL_COLUMNS = [
    *SURVIVAL_KEYS[:2], "exits", SURVIVAL_KEYS[2],
    "at_risk", "events", "survival", "survival_low", "survival_high",
]  # fmt: skip
"""Columns of survival.csv (before `scenario`), also when there were no exits."""


def survival_table(spells: pd.DataFrame, max_years: int) -> pd.DataFrame:
    """survival.csv rows: Kaplan-Meier by exit channel (and all exits) for each event."""
    times = np.arange(max_years + 1)
    tables = []
    for channel in (ALL, *EXIT_CHANNELS):
        chosen = spells if channel == ALL else spells[spells["exit_channel"] == channel]
        if chosen.empty:
            continue
        for event in SURVIVAL_EVENTS:
            years = chosen[f"years_to_{event}"].to_numpy()
            observed = np.isfinite(years)
            durations = np.where(observed, years, chosen["years_followed"].to_numpy())
            table = kaplan_meier(durations, observed, times)
            table.insert(0, "exits", len(chosen))
            table.insert(0, "event", event)
            table.insert(0, "exit_channel", channel)
            tables.append(table)
    if not tables:  # no exits: every column, no rows (an empty analysis is a result)
        return pd.DataFrame(columns=SURVIVAL_COLUMNS)
    return pd.concat(tables, ignore_index=True)


def poor_in_first_years(panel: HouseholdPanel, years: int) -> np.ndarray:
    """(households,) whether each household was poor in any of the first `years` policy
    years (rows 1..years); one replicate's contribution to the vulnerability score."""
    return panel.poor[1 : years + 1].any(axis=0)
