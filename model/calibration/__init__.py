"""Calibration by simulated method of moments: the input files (targets, parameters and
what both share, inputs), the problem and its loss (problem), the evaluations and their
resumable log (evaluations), the search (search), its output files (outputs) and the
entry point `fit.calibrate`."""
