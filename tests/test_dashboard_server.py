"""Voila command line and server start-up checks (the real server is exercised by test_browser_dashboard)."""

from __future__ import annotations

import socket

import pytest

from cxaudit.dashboard import server as serve


def test_dashboard_serve_command_flags(tmp_path):
    cmd = serve.voila_command(tmp_path / "nb.ipynb", host="127.0.0.1", port=8123)
    for flag in ("--no-browser", "--port=8123", "--Voila.ip=127.0.0.1", "--strip_sources=True",
                 "--show_tracebacks=False", "--Voila.port_retries=0"):
        assert flag in cmd
    assert any(a.startswith("--MappingKernelManager.cull_idle_timeout=") for a in cmd)
    assert cmd[-1].endswith("nb.ipynb")


def test_dashboard_serve_free_port_is_bindable():
    port = serve.free_port()
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))


def test_dashboard_serve_missing_store(tmp_path):
    with pytest.raises(FileNotFoundError, match="cxaudit.duckdb"):
        serve.start(tmp_path)


def test_dashboard_serve_packaged_notebook_exists():
    assert serve.notebook_path().is_file()


def test_dashboard_server_serve_is_exported_as_a_function():
    import inspect

    from cxaudit.dashboard import serve as serve_fn

    assert callable(serve_fn) and not inspect.ismodule(serve_fn)
    params = inspect.signature(serve_fn).parameters
    assert params["host"].default == "127.0.0.1" and params["port"].default is None
    assert params["open_browser"].default is False


@pytest.mark.slow
def test_dashboard_cli_sigterm_stops_voila_too(tmp_path):
    """`kill` (or `timeout`) on `cxaudit dashboard` must not leave an orphaned Voila server."""
    import signal
    import subprocess
    import sys
    import time
    import urllib.request

    import pandas as pd

    from cxaudit.store import write_tables

    write_tables(tmp_path, {"documents": pd.DataFrame({"doc_id": ["a"], "source": ["s"], "kind": ["comment"],
                                                       "content_hash": ["h"]})})
    port = serve.free_port()
    proc = subprocess.Popen([sys.executable, "-m", "cxaudit", "dashboard", str(tmp_path), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert "127.0.0.1" in proc.stdout.readline()
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30).close()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    deadline = time.time() + 30
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) != 0:
                break
        time.sleep(0.5)
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0, "Voila still listening after SIGTERM"
