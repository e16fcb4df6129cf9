"""Calibration by simulated method of moments: the input files (targets, parameters and
what both share, inputs), the search (search), its output files (outputs) and the entry
point `fit.calibrate`."""
