"""The planner's web app (`python run.py app`): compare mixes, follow one county year by
year and open a sweep, in a browser. A Solara app; its pages call the same functions as
the command line (model.workflows), so both give the same numbers."""
