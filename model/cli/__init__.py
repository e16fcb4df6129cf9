"""The command line (`python run.py COMMAND`): one module per subcommand, shared options
in `options`, and `main` which builds the parser and maps user errors to exit code 2."""

from model.cli.commands import main

__all__ = ["main"]
