"""Command-line entry point: `python run.py run|validate|sweep|sensitivity ...` (see --help).

The guard matters for sweeps: worker processes started by "spawn" or "forkserver"
re-import the main module, and must not run the command line again.
"""

from model.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
