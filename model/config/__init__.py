"""Scenario files: the schema that joins the engine's parameters and the instruments'
settings, YAML loading with `extends:`, validation messages that name the file and key
path, overrides, and the generated instrument reference (docs/interventions.md)."""
