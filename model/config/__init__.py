"""Scenario files: the schema that joins the engine's parameters and the instruments'
settings, validation messages that name the file and key path, and overrides (scenario);
YAML reading with `extends:` (scenario_files); expectations; and the generated
instrument reference (docs/interventions.md)."""
