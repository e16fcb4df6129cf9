"""Batch experiments over scenario keys: sweep files and their factors (spec, factors, load),
the points of a design and the scenario of each (design), the resumable runner on local
processes or Dask (runner, tasks, directory) and Sobol sensitivity indices (sensitivity)."""
