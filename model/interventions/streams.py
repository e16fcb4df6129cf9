"""Lasting effects of a one-off delivery: a yearly income that starts after a lag, lasts a
number of years, decays, and may be lost for good (a failed business, a lost job, a
return from a resettlement site). Their scenario keys (`LastingEffectConfig`), the
per-household streams (`IncomeStreams`) and the yearly cycle (`LastingEffect`) live here.

One `IncomeStreams` per instrument holds, per household, the year its stream started,
its full yearly amount and its own yearly loss risk. The payment in year t of a stream
delivered in year s, with k = t - s, is

    amount * (1 - decay) ** (k - lag)   if lag <= k < lag + duration, else 0.

A household holds at most one stream per instrument; a new delivery replaces the old.

With `fading` (the default of LastingEffectConfig.ending), `duration_years` is not a fixed
end but an expected life: the stream runs until it is lost, with a yearly loss hazard of
1 / duration on top of its own loss risk, so a cohort of projects fades out gradually
instead of all stopping in the same year (no cliff in the county's income).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from model.engine.state import NEVER
from model.interventions import kernels
from model.interventions.base import InterventionConfig


class LastingEffectConfig(InterventionConfig):
    """Keys of instruments whose effect outlasts the year of delivery (see IncomeStreams)."""

    lag_years: int = Field(
        default=0, ge=0, le=50, description="years between delivery and the first income"
    )
    duration_years: int | None = Field(
        default=None,
        ge=1,
        le=100,
        description="years the income lasts once it starts; none = "
        "for as long as the household keeps it",
    )
    decay_per_year: float = Field(
        default=0.0, ge=0, le=1, description="share of the income lost each year after the first"
    )
    yearly_loss_risk: float = Field(
        default=0.0, ge=0, le=1, description="chance each year that the income stops for good"
    )
    ending: Literal["cliff", "fading"] = Field(
        default="fading",
        description="how the income ends: fading (default), duration_years is the expected "
        "life, a yearly hazard of 1 / duration_years of losing it, so a cohort of projects "
        "fades out gradually as household projects and placements did (project issue 17); "
        "cliff, every stream stops after exactly duration_years",
    )


def fading_loss_risk(yearly_loss_risk, duration_years: int | None):
    """Yearly chance a fading stream ends: its own loss risk combined with the hazard
    1 / duration_years (expected life duration_years paying years without other loss):
    1 - (1 - risk) x (1 - 1 / duration). No duration: the loss risk alone."""
    if duration_years is None:
        return yearly_loss_risk
    keep = 1.0 - np.asarray(yearly_loss_risk, dtype=np.float64)
    return 1.0 - keep * (1.0 - 1.0 / duration_years)


class IncomeStreams:
    """Per-household lasting income of one instrument (yuan/year), as arrays."""

    def __init__(
        self,
        n_households: int,
        lag_years: int,
        duration_years: int | None,
        decay_per_year: float,
        fading: bool = False,
    ):
        self.lag_years = lag_years
        self.fading = fading and duration_years is not None
        # a fading stream has no fixed end: its duration is a hazard added to the loss risk
        self.expected_life_years = duration_years
        self.duration_years = None if self.fading else duration_years
        self.decay_per_year = decay_per_year
        self.start_year = np.full(n_households, NEVER, dtype=np.int16)
        self.amount = np.zeros(n_households, dtype=np.float64)
        self.loss_risk = np.zeros(n_households, dtype=np.float64)

    @property
    def running(self) -> np.ndarray:
        """Households holding a stream that has not been lost (it may be lagging or over)."""
        return self.start_year != NEVER

    def start(
        self,
        households: np.ndarray,
        year: int,
        yuan_per_year: np.ndarray | float,
        loss_risk: np.ndarray | float = 0.0,
    ) -> None:
        """Start (or replace) the streams of `households` in `year`."""
        self.start_year[households] = year
        self.amount[households] = yuan_per_year
        if self.fading:
            loss_risk = fading_loss_risk(loss_risk, self.expected_life_years)
        self.loss_risk[households] = loss_risk

    def lose(self, loss_draw: np.ndarray) -> np.ndarray:
        """End, for good, the running streams whose draw falls below their loss risk.
        Returns the households whose stream ended."""
        lost = kernels.lost_streams(self.start_year, loss_draw, self.loss_risk)
        self.stop(lost)
        return lost

    def stop(self, households: np.ndarray) -> None:
        self.start_year[households] = NEVER
        self.amount[households] = 0.0

    def paying(self, year: int) -> tuple[np.ndarray, np.ndarray]:
        """The households whose stream pays in `year` and what each pays (yuan/year);
        computed on the running rows only, a small share of the county."""
        duration = -1 if self.duration_years is None else self.duration_years
        rows, years_paid = kernels.paying_streams(self.start_year, year, self.lag_years, duration)
        return rows, self.amount[rows] * (1.0 - self.decay_per_year) ** years_paid

    @property
    def nbytes(self) -> int:
        return self.start_year.nbytes + self.amount.nbytes + self.loss_risk.nbytes


class LastingEffect:
    """Mixin for instruments with a lasting income stream: streams from the config's lag,
    duration and decay; each year, losses first, then new deliveries, then payment."""

    streams: IncomeStreams

    def init_streams(self, sim) -> None:
        c = self.config
        self.streams = IncomeStreams(
            sim.households.n,
            c.lag_years,
            c.duration_years,
            c.decay_per_year,
            fading=getattr(c, "ending", "cliff") == "fading",
        )

    HORIZON_YEARS = 20  # an open-ended effect is valued over at most this many years

    def expected_years(self) -> float:
        """Expected payments of one delivery in full-income years: the sum over its paying
        years of (1 - decay)^k x (1 - yearly loss)^(lag + k), undiscounted, at most
        HORIZON_YEARS; so a lasting effect is weighed against a yearly transfer fairly."""
        s = self.streams
        loss = getattr(self.config, "yearly_loss_risk", 0.0)
        if s.fading:
            loss = float(fading_loss_risk(loss, s.expected_life_years))
        years = min(s.duration_years or self.HORIZON_YEARS, self.HORIZON_YEARS)
        k = np.arange(years)
        kept = (1 - loss) ** (s.lag_years + k)
        return float(((1 - s.decay_per_year) ** k * kept).sum())

    draws = ("failure", "loss")

    def begin_year(self, sim) -> None:
        super().begin_year(sim)
        self.streams.lose(self.loss_draw)

    def end_year(self, sim) -> None:
        """Pay this year's part of every running stream to its (living) household."""
        rows, amounts = self.streams.paying(sim.year)
        amounts = self.adjust_payments(sim, rows, amounts)
        keep = sim.households.active[rows] & (amounts != 0)
        self.pay(sim, rows[keep], amounts[keep])

    def adjust_payments(self, sim, rows: np.ndarray, amounts: np.ndarray) -> np.ndarray:
        """This year's payments (yuan/year) of the streams of `rows` as the instrument pays
        them: unchanged by default; e.g. in this year's money, or cut by a shock."""
        return amounts
