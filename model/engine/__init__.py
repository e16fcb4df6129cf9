"""The engine: a county's state as NumPy arrays and the pure yearly rules over them.

state (persons, households, villages), rng (named random streams), schedule (values by
year), params (the validated parameters of every rule, each with range and source; one
module per section of a scenario), population, household_schema, household_table and
population_table (where households come from: synthesized, or a county's table of the
schema's columns read, validated and built into the same arrays), dynamics and kernels
(demography, health, shocks, income), policy
(identification, exit, monitoring), budget (funds and the ledger) and context (what an
instrument may read of a running year).
Nothing here imports a layer above it: no scenario files, Mesa, analysis or output.
"""
