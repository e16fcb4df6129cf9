"""One county, year by year: `PovertyModel` under Mesa's SolaraViz.

SolaraViz gives the model parameters, Reset, Step and Play; this module adds a village
view (the model has no Mesa grid: villages are drawn as cells of a square layout, coloured
by poverty incidence or by registered incidence and sized by population) and the yearly
indicators as Mesa plot components.
"""

from __future__ import annotations

import math

import numpy as np
import solara
from matplotlib.figure import Figure
from mesa.visualization import SolaraViz, make_plot_component
from mesa.visualization.utils import update_counter

from model.abm.model import PovertyModel
from model.app.paths import library_scenarios
from model.config.scenario import Scenario

DEFAULT_SCENARIO = "baseline_calibrated"
VILLAGE_COLOURINGS = {
    "income-poor persons (share)": "poor",
    "registered persons (share)": "registered",
}


class CountyModel(PovertyModel):
    """PovertyModel with a library scenario chosen by name (SolaraViz passes plain values),
    without Mesa agent objects (the arrays decide the results; model.abm.model)."""

    def __init__(
        self, scenario_name: str = DEFAULT_SCENARIO, n_households: int = 2_000,
        years: int = 7, seed: int = 2014,
    ):  # fmt: skip
        library = library_scenarios()
        if scenario_name not in library:
            scenario_name = DEFAULT_SCENARIO
        super().__init__(
            library[scenario_name], n_households=n_households, years=years, seed=seed,
            create_agents=False,
        )  # fmt: skip
        self.scenario_name = scenario_name


def village_shares(model: PovertyModel) -> dict[str, np.ndarray]:
    """Per village: persons, and the shares of them income-poor and registered this year."""
    households, villages = model.simulation.households, model.simulation.villages
    size = np.where(households.active, households.size, 0).astype(np.float64)
    where = households.village
    persons = np.bincount(where, weights=size, minlength=villages.n)
    poor = np.bincount(where, weights=size * households.poor_last_year, minlength=villages.n)
    registered = np.bincount(where, weights=size * households.registered, minlength=villages.n)
    safe = np.where(persons > 0, persons, 1.0)
    return {"persons": persons, "poor": poor / safe, "registered": registered / safe}


def village_figure(model: PovertyModel, colouring: str) -> Figure:
    """Villages as cells of a square layout, coloured by `colouring` and sized by persons."""
    shares = village_shares(model)
    count = shares["persons"].size
    columns = max(1, math.ceil(math.sqrt(count)))
    x, y = np.arange(count) % columns, -(np.arange(count) // columns)
    persons = shares["persons"]
    area = 900.0 * persons / max(persons.max(), 1.0)
    figure = Figure(figsize=(6.0, 5.0), dpi=90)
    axes = figure.add_subplot()
    cells = axes.scatter(
        x, y, s=area, c=shares[colouring], cmap="YlOrRd", vmin=0.0, vmax=0.6, marker="s",
        edgecolors="#555555", linewidths=0.5,
    )  # fmt: skip
    figure.colorbar(cells, ax=axes, label=f"share of persons {colouring}", format="{x:.0%}")
    axes.set_title(
        f"{count} villages after {model.year} (cell area: population)", fontsize=10
    )
    axes.set_xticks([]), axes.set_yticks([])
    axes.set_xlim(-1, columns), axes.set_ylim(-(math.ceil(count / columns)), 1)
    return figure


@solara.component
def VillageView(model: PovertyModel):
    """The village view, redrawn after every step."""
    update_counter.get()
    label, set_label = solara.use_state(next(iter(VILLAGE_COLOURINGS)))
    solara.Markdown(f"**Villages after {model.year}** ({model.scenario.name})")
    solara.ToggleButtonsSingle(label, values=list(VILLAGE_COLOURINGS), on_value=set_label)
    solara.FigureMatplotlib(
        village_figure(model, VILLAGE_COLOURINGS[label]), format="png",
        dependencies=[update_counter.value, label, id(model)],
    )  # fmt: skip


def model_parameters() -> dict:
    """SolaraViz's model parameters, each control's range from the scenario schema."""
    households = Scenario.model_fields["population"].annotation.model_fields["n_households"]
    return {
        "scenario_name": {
            "type": "Select", "value": DEFAULT_SCENARIO, "label": "scenario",
            "values": list(library_scenarios()),
        },
        "n_households": {
            "type": "SliderInt", "value": 2_000, "label": "households",
            "min": max(100, int(households.metadata[0].ge)), "max": 20_000, "step": 100,
        },
        "years": {"type": "SliderInt", "value": 7, "label": "policy years", "min": 1,
                  "max": 20, "step": 1},
        "seed": {"type": "SliderInt", "value": 2014, "label": "seed", "min": 0, "max": 10_000,
                 "step": 1},
    }  # fmt: skip


INDICATOR_PLOTS = [
    make_plot_component({"incidence_persons": "tab:red",
                         "registered_incidence_persons": "tab:blue"}),  # fmt: skip
    make_plot_component({"exits_households": "tab:green", "relapses_households": "tab:orange"}),
    make_plot_component({"spending_total": "tab:purple"}),
]


@solara.component
def CountyPage():
    """SolaraViz of one county under a library scenario."""
    model = solara.use_memo(lambda: CountyModel(), [])
    SolaraViz(
        model, components=[VillageView, *INDICATOR_PLOTS], model_params=model_parameters(),
        name="One county, year by year",
    )  # fmt: skip
