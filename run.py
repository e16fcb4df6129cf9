"""Command-line entry point: `python run.py run SCENARIO`, `python run.py validate SCENARIO`."""

from model.cli import main

raise SystemExit(main())
