"""Intervention instruments. Importing this package registers every instrument type."""

from model.interventions import safety_net  # noqa: F401  (registers its types)
from model.interventions.base import REGISTRY, Intervention, InterventionConfig, register

__all__ = ["REGISTRY", "Intervention", "InterventionConfig", "register"]
