"""Voila command line and server start-up checks (the real server is exercised by test_browser_dashboard)."""

from __future__ import annotations

import socket

import pytest

from cxaudit.publish.dashboard import server as serve


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

    from cxaudit.publish.dashboard import serve as serve_fn

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


@pytest.mark.parametrize("host,loopback", [("127.0.0.1", True), ("localhost", True), ("::1", True),
                                           ("127.0.1.1", True), ("0.0.0.0", False), ("192.168.1.20", False),
                                           ("::", False)])
def test_dashboard_server_token_only_off_loopback(host, loopback):
    assert serve.is_loopback(host) is loopback
    token = serve.token_for(host)
    assert (token is None) is loopback
    if not loopback:
        assert len(token) >= 30 and serve.token_for(host) != token  # random each time
        assert "every quote" in serve.host_warning(host) and host in serve.host_warning(host)
    assert serve.token_for(host, "given") == "given"


def test_dashboard_server_command_token_never_on_the_command_line(tmp_path):
    cmd = serve.voila_command(tmp_path / "nb.ipynb", host="0.0.0.0", port=8123, token=True,
                              template=serve.TEMPLATE)
    assert "--Voila.auto_token=True" in cmd and not any("token=" in a.lower() and "auto" not in a.lower()
                                                        for a in cmd)
    assert f"--template={serve.TEMPLATE}" in cmd
    timeout = int(next(a for a in cmd if "cull_idle_timeout" in a).split("=")[1])
    interval = int(next(a for a in cmd if "cull_interval" in a).split("=")[1])
    assert timeout + interval <= 60  # a closed page frees its kernel within a minute


def test_dashboard_server_offline_template_has_no_external_links(tmp_path):
    folder = serve.write_offline_template(tmp_path)
    assert folder is not None and (folder / "conf.json").is_file()
    text = (folder / "index.html.j2").read_text(encoding="utf-8")
    import re

    assert "cdn." not in text and not re.search(r"""(href|src)=["']?(https?:)?//""", text)


def test_dashboard_server_offline_template_renders_the_prerendered_page(tmp_path, caplog):
    """The template puts the output marked PRERENDER_KEY into the page as HTML (other outputs stay JSON for
    Voila's scripts); a template without the expected blocks is kept as it is, with a warning."""
    import jinja2

    from cxaudit.publish.dashboard import PRERENDER_KEY

    text = (serve.write_offline_template(tmp_path) / "index.html.j2").read_text(encoding="utf-8")
    block = text[text.index("{% block data_priority scoped %}"):text.index("{% endblock data_priority %}")]
    block += "{% endblock data_priority %}"
    env = jinja2.Environment()
    env.filters["trusted"] = lambda x: x
    env.filters["tojson"] = lambda x: "JSON"
    tpl = env.from_string(block)
    html = '<div class="cx-prerender">x &lt;b&gt;</div>'
    pre = tpl.render(output={"output_type": "display_data", "data": {"text/html": html},
                             "metadata": {PRERENDER_KEY: True}})
    assert html in pre and "cell-output+json" not in pre
    other = tpl.render(output={"output_type": "display_data", "data": {"text/html": html}, "metadata": {}})
    assert html not in other and "cell-output+json" in other
    assert "#rendered_cells:has(.cx-prerender)" in text and "cx-other-results" in text
    with caplog.at_level("WARNING"):
        assert serve._with_prerender("{% block x %}{% endblock %}") == "{% block x %}{% endblock %}"
    assert "Summary appears only once" in caplog.text


def test_dashboard_server_widget_extension_ranges_aligned_within_a_major_only():
    provided = {"@jupyterlab/notebook": "4.2.5", "@jupyterlab/services": "7.2.5", "@lumino/widgets": "2.5.0"}
    text = ('{shareScope:"default",shareKey:"@jupyterlab/notebook",import:null,requiredVersion:"^4.6.2",s}'
            '{shareKey:"@jupyterlab/services",import:null,requiredVersion:"^8.0.1",s}'  # another major: kept
            '{shareKey:"@lumino/widgets",import:null,requiredVersion:"^2.3.1",s}'  # already satisfied: kept
            '{shareKey:"@jupyterlab/unknown",import:null,requiredVersion:"^4.9.0",s}'  # not provided: kept
            'y("default","@jupyterlab/services",!1,[1,7,5,10]),y("default","@jupyterlab/notebook",!1,[1,3,0,0])')
    out, n = serve._align_ranges(text, provided)
    assert n == 2
    assert 'shareKey:"@jupyterlab/notebook",import:null,requiredVersion:"^4.2.5"' in out
    assert '"^8.0.1"' in out and '"^2.3.1"' in out and '"^4.9.0"' in out
    assert 'y("default","@jupyterlab/services",!1,[1,7,2,5])' in out and "[1,3,0,0]" in out


def test_dashboard_server_writes_aligned_widget_extensions(tmp_path):
    """With the installed Voila and widgets, the served copies declare only versions the page provides."""
    import re

    provided = serve.page_versions()
    assert provided.get("@jupyterlab/rendermime")
    serve.write_widget_extensions(tmp_path)
    for sub, name in serve.WIDGET_EXTENSIONS:
        folder = tmp_path.joinpath(*sub.split("/")) / name
        if not folder.is_dir():
            continue  # nothing to align for this one
        assert (folder / "package.json").is_file()
        for js in (folder / "static").glob("*.js"):
            text = js.read_text(encoding="utf-8")
            for key, major, minor, patch in re.findall(
                    r'shareKey:"([^"]+)",import:[^,]*,requiredVersion:"\^(\d+)\.(\d+)\.(\d+)"', text):
                have = provided.get(key)
                if have and int(have.split(".")[0]) == int(major):
                    assert tuple(map(int, have.split("."))) >= (int(major), int(minor), int(patch)), key
