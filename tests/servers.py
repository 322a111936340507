"""Helpers for tests that start real servers: a free port (never 2024) and waiting until one answers."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from pathlib import Path

TAKEN = {2024}  # port 2024 belongs to something else on these machines


def free_port() -> int:
    """A port nothing listens on now."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port not in TAKEN:
            return port


def wait_until_up(process: subprocess.Popen, url: str, log: Path, timeout: float = 300) -> None:
    """Poll `url` until it answers 200; fail with the server's log if it dies or takes too long."""
    deadline = time.time() + timeout
    while True:
        assert process.poll() is None, log.read_text()[-3000:]
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        assert time.time() < deadline, f"{url} did not come up; log:\n{log.read_text()[-3000:]}"
        time.sleep(0.5)
