"""What a user asks for, end to end: simulate, analyse and write the directory.

The command line (model.cli) and the planner's web app (model.app) both call these
functions, so the two front ends give the same numbers and write the same files.
"""
