"""`sqflow serve`: the README's run command starts the web app and a timer worker, and stops both."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

from tests.conftest import free_port

REPO = Path(__file__).resolve().parents[1]


def test_serve_with_demo_prints_the_url_and_logins_serves_pages_and_stops_its_worker(tmp_path):
    port = free_port()
    env = {**os.environ, "SQFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'sqflow.db'}", "SQFLOW_VAR_DIR": str(tmp_path),
           "SQFLOW_UNKNOWN_YEAR_POLICY": "provisional"}
    server = subprocess.Popen([sys.executable, "-m", "cli.main", "serve", "--demo", "--port", str(port),
                               "--workers", "1"], cwd=REPO, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        printed = []
        for line in server.stdout:  # blocks until the server says it is ready
            printed.append(line)
            if "Booting worker" in line:
                break
        output = "".join(printed)
        assert f"http://127.0.0.1:{port}/" in output
        assert "ma.manager" in output and "sqflow-demo" in output
        page = urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=10).read().decode()
        assert "登录" in page
        children = subprocess.run(["pgrep", "-f", "cli.main worker", "-g", str(os.getpgid(server.pid))],
                                  capture_output=True, text=True).stdout.split()
        assert children, "serve started no timer worker"
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    assert server.returncode == 0
    leftover = subprocess.run(["pgrep", "-g", str(server.pid)], capture_output=True, text=True).stdout.split()
    assert leftover == []
