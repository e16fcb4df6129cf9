"""`run.py app`: safe defaults and argument errors in the house style."""

from __future__ import annotations

from model.cli.app import server_command
from model.cli.commands import build_parser
from tests.support.cli import assert_user_error, run_cli


def test_the_app_listens_on_this_machine_only_unless_told():
    args = build_parser().parse_args(["app"])
    assert (args.host, args.port) == ("127.0.0.1", 8765)
    command = server_command(args.host, args.port)
    assert command[command.index("--host") + 1] == "127.0.0.1"
    assert "--production" in command  # assets from the server, not a CDN


def test_a_port_out_of_range_is_a_user_error():
    assert_user_error(run_cli("app", "--port", "70000"), "must be at most 65535")
