"""The web app in a real browser: a server on a free loopback port in a subprocess, and
Debian's Chromium driven by Playwright with no network beyond that server.

Playwright's own browser download cannot reach the network, so tests launch
/usr/bin/chromium (`.ci/run` installs it); every request to another host is aborted, so a
page that still needed Solara's CDN would fail to render.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from tests.support.paths import REPO_ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
SERVER_START_SECONDS = 90


def free_port() -> int:
    """A TCP port nobody listens on now, on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_serving(url: str, server: subprocess.Popen, log: Path) -> None:
    """Return once `url` answers; fail with the server's log if it exits or takes too long."""
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the app server exited ({server.returncode}):\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the app server did not answer in {SERVER_START_SECONDS} s:\n"
                       f"{log.read_text()}")  # fmt: skip


@contextlib.contextmanager
def app_server(workdir: Path) -> Iterator[str]:
    """`python run.py app` on a free port with `workdir` as its working directory (its
    outputs/ go there); yields the base URL and stops the server afterwards."""
    port = free_port()
    log = workdir / "app_server.log"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    with open(log, "w") as log_file:
        server = subprocess.Popen(
            [sys.executable, str(REPO_ROOT / "run.py"), "app", "--port", str(port)],
            cwd=workdir, stdout=log_file, stderr=subprocess.STDOUT, env=env,
            start_new_session=True,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}/"
        try:
            wait_until_serving(url, server, log)
            yield url
        finally:
            os.killpg(server.pid, 15)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, 9)
                server.wait()


def only_local(route) -> None:
    """Playwright route handler: let loopback requests through, abort every other one."""
    host = route.request.url.split("/")[2].split(":")[0] if "://" in route.request.url else ""
    if host in ("127.0.0.1", "localhost") or route.request.url.startswith(("data:", "blob:")):
        route.continue_()
    else:
        route.abort()
