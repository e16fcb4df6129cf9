"""Batch experiments over scenario keys: sweep files and their factors (design, factors),
the resumable runner on local processes or Dask (runner, tasks, directory) and Sobol
sensitivity indices (sensitivity)."""
