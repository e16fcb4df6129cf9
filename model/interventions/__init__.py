"""Intervention instruments. Importing this package registers every instrument type.

Families (one module each): industry, employment, relocation, safety_net, health,
education, housing, village (roads, irrigation, water), collective (collective economy).
"""

from model.interventions import (  # noqa: F401  (each registers its types)
    collective,
    education,
    employment,
    health,
    housing,
    industry,
    relocation,
    safety_net,
    village,
)
from model.interventions.base import REGISTRY, Intervention, InterventionConfig, register

__all__ = ["REGISTRY", "Intervention", "InterventionConfig", "register"]
