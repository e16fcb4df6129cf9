"""`python run.py app [--host 127.0.0.1] [--port 8765]`: start the planner's web app.

The app is a Solara app (model/app/app.py). This command starts Solara's server on it in a
child process (by module name, so the command line does not import the app) and prints the
address. It listens on 127.0.0.1 unless --host says otherwise, and runs in production
mode: the page loads every asset from the server itself (solara-assets), none from a CDN.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

APP_MODULE = "model.app.app"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def server_command(host: str, port: int) -> list[str]:
    """The command that serves the app (Solara's own `solara run`)."""
    return [
        sys.executable, "-m", "solara", "run", APP_MODULE, "--host", host, "--port", str(port),
        "--production", "--no-open", "--log-level", "warning",
    ]  # fmt: skip


def server_environment() -> dict[str, str]:
    """The environment of the server: no usage telemetry sent anywhere. (Assets come from
    the installed solara-assets package, which Solara serves itself.)"""
    return {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}


def app_command(args: argparse.Namespace) -> int:
    """`app`: serve the web app until interrupted (Ctrl+C)."""
    shown_host = f"[{args.host}]" if ":" in args.host else args.host
    print(f"planner's web app: http://{shown_host}:{args.port}/  (Ctrl+C stops it)", flush=True)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"warning: listening on {args.host}: other machines can reach the app", flush=True)
    completed = subprocess.run(
        server_command(args.host, args.port), env=server_environment(), check=False
    )
    return completed.returncode


def add_app_command(subparsers) -> None:
    """Declare `app [--host HOST] [--port PORT]`."""
    from model.cli.options import port_number

    parser = subparsers.add_parser(
        "app", help="start the planner's web app (compare mixes in a browser)",
        description="Serve the planner's web app: compare scenarios with their levers, follow "
        "one county year by year, open a sweep. Runs write under outputs/app/.",
    )  # fmt: skip
    parser.add_argument(
        "--host", default=DEFAULT_HOST,
        help=f"address to listen on (default {DEFAULT_HOST}: this machine only)",
    )  # fmt: skip
    parser.add_argument(
        "--port", type=port_number, default=DEFAULT_PORT,
        help=f"port to listen on (default {DEFAULT_PORT})",
    )  # fmt: skip
    parser.set_defaults(handler=app_command)
