"""Calibration by simulated method of moments: targets and free parameters (spec), the
search (search), its output files (outputs) and the entry point `fit.calibrate`."""
