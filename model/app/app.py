"""The planner's web app, as Solara serves it (`python run.py app` starts it).

Three pages: Compare (model.app.compare_page), One county (model.app.county_page, Mesa's
SolaraViz) and Sweeps (model.app.sweep_page). Solara finds `routes` in this module.
"""

from __future__ import annotations

import solara

from model.app.compare_page import ComparePage
from model.app.county_page import CountyPage
from model.app.sweep_page import SweepPage

routes = [
    solara.Route(path="/", component=ComparePage, label="Compare"),
    solara.Route(path="county", component=CountyPage, label="One county"),
    solara.Route(path="sweeps", component=SweepPage, label="Sweeps"),
]
