"""Serve the dashboard with Voila.

``start(results_dir)`` runs ``voila`` as a subprocess (its own process group)
on the packaged thin notebook, with the results folder passed in the
environment variable ``CXAUDIT_RESULTS``, sources stripped, tracebacks
hidden, bound to 127.0.0.1 unless told otherwise, and idle kernels culled
(each page load gets its own ~180 MB kernel). Kernels are pre-heated: Voila
keeps :data:`POOL_SIZE` kernel(s) that have already run the notebook (imports
done, store opened, app built) waiting for the next page, so a page request
does not wait for a kernel start. It returns once the server accepts
connections. ``serve()`` is the blocking entry point of ``cxaudit dashboard``.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import webbrowser
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from cxaudit import store

__all__ = ["ENV_VAR", "PRERENDER_KEY", "DashboardServer", "start", "serve", "notebook_path", "voila_command", "free_port", "token_for",
           "host_warning", "is_loopback", "write_offline_template", "write_widget_extensions", "page_versions",
           "kernel_pids"]

log = logging.getLogger(__name__)

#: Environment variable naming the results folder (set by :func:`serve`, read by the dashboard's kernel).
ENV_VAR = "CXAUDIT_RESULTS"
#: Output metadata key marking the pre-rendered page (static HTML the offline template puts in the page as is).
PRERENDER_KEY = "cxaudit_prerender"

#: Seconds an idle kernel without a connected page lives before it is culled, and how often the server
#: checks: a closed page frees its kernel within CULL_IDLE_TIMEOUT + CULL_INTERVAL (40 s). A page still
#: open keeps its kernel however long it idles (``cull_connected`` stays False).
CULL_IDLE_TIMEOUT = 30
CULL_INTERVAL = 10
#: Pre-heated kernels kept waiting for the next page (each holds one app: ~180 MB plus the store's cache).
#: The pool is per notebook and this server serves one notebook, so at most POOL_SIZE kernels wait. Two, not
#: one: Voila refills the pool only once a kernel is used, and the refill runs the whole notebook (~5 s, ~20 s
#: at load 10 on 2 cores), so with one a second visitor arriving within that time waited for it (first chart
#: 20-21.5 s measured at load 10-11 instead of 1.2-1.5 s); with two, the second gets the other waiting kernel.
POOL_SIZE = 2
#: JupyterLab front-end extensions installed in the environment that the page does not need (only the
#: widgets are needed): not loaded, so they neither cost a request nor warn in the console.
UNUSED_EXTENSIONS = ("@voila-dashboards/jupyterlab-preview", "jupyterlab_pygments")
#: Voila template the server writes at start: Voila's ``lab`` template without its links to a public
#: CDN (Font Awesome); the dashboard uses no icon font, so the page requests nothing off this server.
TEMPLATE = "cxaudit-offline"
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def notebook_path() -> Path:
    """The thin dashboard notebook shipped inside the package (same as ``notebooks/dashboard.ipynb``)."""
    return Path(str(resources.files("cxaudit").joinpath("templates/dashboard.ipynb")))


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def is_loopback(host: str) -> bool:
    """True when ``host`` only accepts connections from this machine."""
    return host in _LOOPBACK or host.startswith("127.")


def token_for(host: str, token: str | None = None) -> str | None:
    """The token the server requires: ``token`` when given, a new random one (``secrets.token_urlsafe``)
    for a host other than loopback, else None (loopback: no token)."""
    if token:
        return token
    return None if is_loopback(host) else secrets.token_urlsafe(24)


def host_warning(host: str) -> str:
    """What ``cxaudit dashboard --host HOST`` prints when HOST is not loopback."""
    return (f"listening on {host}, not only on this machine: anyone who can reach it and has the link "
            "(with its token) can read every quote of the audit. Share the link only with people allowed "
            "to read them; stop the server with Ctrl-C when they are done.")


def voila_command(notebook: Path, *, host: str, port: int, pool_size: int = POOL_SIZE,
                  token: bool = False, template: str | None = None) -> list[str]:
    """The ``voila`` command line (see ``voila --help-all`` of voila 0.5).

    ``pool_size`` > 0 turns on kernel pre-heating (``--preheat_kernel``) with
    that many waiting kernels; 0 starts a kernel per page request.
    ``token``: require Jupyter server's token (read from ``$JUPYTER_TOKEN``,
    never put on the command line, where other users could read it).
    ``template``: a Voila template name (see :func:`write_offline_template`).
    """
    preheat = ["--preheat_kernel=True", f"--pool_size={pool_size}"] if pool_size > 0 else []
    return [
        sys.executable, "-m", "voila", "--no-browser",
        f"--port={port}", f"--Voila.ip={host}", "--Voila.port_retries=0",
        "--strip_sources=True", "--show_tracebacks=False", *preheat,
        *(["--Voila.auto_token=True"] if token else []),
        *([f"--template={template}"] if template else []),
        *(f"--VoilaConfiguration.extension_denylist={e}" for e in UNUSED_EXTENSIONS),
        f"--MappingKernelManager.cull_idle_timeout={CULL_IDLE_TIMEOUT}",
        f"--MappingKernelManager.cull_interval={CULL_INTERVAL}",
        str(notebook),
    ]


def write_offline_template(root: Path) -> Path | None:
    """Write Voila's ``lab`` template, minus its links to public CDNs, as :data:`TEMPLATE` under
    ``root/voila/templates`` (``root`` goes first on ``$JUPYTER_PATH``). Returns the folder, or None
    (with a warning) when the ``lab`` template is not found."""
    from jupyter_core.paths import jupyter_path  # the dashboard extra (it comes with Voila)

    for base in jupyter_path("voila", "templates", "lab"):
        index = Path(base) / "index.html.j2"
        if index.is_file():
            break
    else:
        log.warning("Voila's lab template not found: the page will load Voila's default template")
        return None
    text = re.sub(r'\s*<link[^>]+href="https?://[^"]+"[^>]*>', "", index.read_text(encoding="utf-8"))
    text = _with_prerender(text)
    out = root / "voila" / "templates" / TEMPLATE
    out.mkdir(parents=True, exist_ok=True)
    (out / "index.html.j2").write_text(text, encoding="utf-8")
    (out / "conf.json").write_text(json.dumps({"base_template": "lab"}), encoding="utf-8")
    for name in ("page.html", "error.html", "browser-open.html", "tree.html", "tree-lab.html"):
        if (Path(base) / name).is_file():
            (out / name).write_text((Path(base) / name).read_text(encoding="utf-8"), encoding="utf-8")
    return out


#: Page head additions of the offline template: while Voila's scripts load (~2 s), the pre-rendered page
#: (``show()``'s static output) is visible instead of the spinner; once the app is on the page it hides
#: itself. With ``?results=`` in the URL the pre-rendered page may be another folder's: not shown then.
_PRERENDER_HEAD = """
<script>if (new URLSearchParams(location.search).has('results')) document.documentElement.classList.add('cx-other-results');</script>
<style>
html:not(.cx-other-results) #rendered_cells:has(.cx-prerender) { display: block !important; }
html:not(.cx-other-results) body:has(#rendered_cells .cx-prerender) #loading { display: none !important; }
.cx-other-results .cx-prerender { display: none !important; }
</style>
"""


def _with_prerender(text: str) -> str:
    """Voila's ``lab`` template text with the pre-rendered page: the output marked
    :data:`cxaudit.publish.dashboard.PRERENDER_KEY` goes into the page as HTML (Voila's scripts would otherwise
    render it only once they have loaded), and :data:`_PRERENDER_HEAD` shows it at once. The text is
    returned unchanged (with a warning) when the template does not have the expected blocks."""
    output_block = "{% block data_priority scoped %}\n{% if output %}"
    head_block = "{{ spinner.css() }}"
    if output_block not in text or head_block not in text:
        log.warning("Voila's lab template changed: the Summary appears only once Voila's scripts have loaded")
        return text
    raw = (f"{{% block data_priority scoped %}}\n{{% if output and (output.metadata or {{}}).get('{PRERENDER_KEY}') %}}\n"
           "{{ output.data['text/html'] }}\n{% elif output %}")
    return text.replace(output_block, raw, 1).replace(head_block, head_block + _PRERENDER_HEAD, 1)


#: The widget front-end extensions the page loads (folder under a Jupyter data path, package name).
WIDGET_EXTENSIONS = (("labextensions", "@jupyter-widgets/jupyterlab-manager"),
                     ("voila/labextensions", "@voila-dashboards/widgets-manager8"))


def page_versions() -> dict[str, str]:
    """Versions of the shared JupyterLab/Lumino modules Voila's page provides (read from its ``voila.js``)."""
    from jupyter_core.paths import jupyter_path  # the dashboard extra (it comes with Voila)

    for base in jupyter_path("voila", "templates", "base", "static"):
        main = Path(base) / "voila.js"
        if main.is_file():
            text = main.read_text(encoding="utf-8", errors="replace")
            return dict(re.findall(r'"(@(?:jupyterlab|lumino)/[a-z0-9-]+)","(\d+\.\d+\.\d+)"', text))
    return {}


def _align_ranges(text: str, provided: dict[str, str]) -> tuple[str, int]:
    """``text`` (a webpack module-federation bundle) with each required range of a shared module that the
    page provides in the same major version, but older than the range asks, set to the provided version
    (``requiredVersion:"^4.6.2"`` or ``[1,4,6,2]`` forms). Returns the text and the number of changes."""
    count = 0

    def version(name, major, minor, patch):
        have = provided.get(name)
        if not have:
            return None
        h = tuple(int(x) for x in have.split("."))
        want = (int(major), int(minor), int(patch))
        return h if h[0] == want[0] and h < want else None

    def as_string(m):
        nonlocal count
        v = version(m.group(2), m.group(3), m.group(4), m.group(5))
        if v is None:
            return m.group(0)
        count += 1
        return f'{m.group(1)}"^{v[0]}.{v[1]}.{v[2]}"'

    def as_array(m):
        nonlocal count
        v = version(m.group(2), m.group(3), m.group(4), m.group(5))
        if v is None:
            return m.group(0)
        count += 1
        return f"{m.group(1)}[1,{v[0]},{v[1]},{v[2]}]"

    text = re.sub(r'(shareKey:"([^"]+)",import:[^,]*,requiredVersion:)"\^(\d+)\.(\d+)\.(\d+)"', as_string, text)
    text = re.sub(r'(\("default","([^"]+)",!?[01],)\[1,(\d+),(\d+),(\d+)\]', as_array, text)
    return text, count


def write_widget_extensions(root: Path) -> list[str]:
    """Copies of :data:`WIDGET_EXTENSIONS` under ``root`` (first on ``$JUPYTER_PATH``, so Voila loads them
    instead of the installed ones) whose declared ranges of shared JupyterLab modules are the versions
    Voila's page provides (:func:`page_versions`), within the same major version.

    Why: jupyterlab_widgets and Voila's own widget manager are built against a newer JupyterLab (4.5/4.6)
    than the JupyterLab 4.2.5 modules Voila 0.5.13's page bundles; webpack's non-strict sharing loads
    them on 4.2.5 anyway, with one "Unsatisfied version" console warning per module. The code that runs
    is the same either way (the browser tests drive every widget the dashboard uses on it); only the
    declaration changes. Returns the names of the extensions copied with changes (nothing is written
    when nothing needs changing, e.g. with a Voila built on a newer JupyterLab).
    """
    from jupyter_core.paths import jupyter_path  # the dashboard extra (it comes with Voila)

    provided = page_versions()
    written = []
    for sub, name in WIDGET_EXTENSIONS:
        parts = sub.split("/")
        source = next((Path(p) / name for p in jupyter_path(*parts)
                       if (Path(p) / name / "package.json").is_file() and not Path(p).is_relative_to(root)), None)
        if source is None or not provided:
            continue
        changed = {}
        for js in (source / "static").glob("*.js"):
            text, n = _align_ranges(js.read_text(encoding="utf-8"), provided)
            if n:
                changed[js.name] = text
        if not changed:
            continue
        target = root.joinpath(*parts) / name
        shutil.copytree(source, target)
        for file_name, text in changed.items():
            (target / "static" / file_name).write_text(text, encoding="utf-8")
        written.append(name)
    return written


@dataclass
class DashboardServer:
    """A running Voila server; :meth:`stop` ends its whole process group."""

    process: subprocess.Popen
    url: str
    log_path: Path
    _log_file: object = field(repr=False, default=None)
    _scratch: object = field(repr=False, default=None)

    def log_text(self) -> str:
        """What Voila wrote so far (stdout and stderr)."""
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def stop(self, *, timeout: float = 10.0) -> None:
        """Terminate the process group (SIGTERM, then SIGKILL after ``timeout``) and wait."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=timeout)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
            self.log_path.unlink(missing_ok=True)
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None

    def __enter__(self) -> "DashboardServer":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def kernel_pids(server: "DashboardServer") -> list[int]:
    """Process ids of the kernels the server runs now (its ``ipykernel`` child processes; Linux /proc)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == server.process.pid and b"ipykernel" in (entry / "cmdline").read_bytes():
                pids.append(int(entry.name))
        except (OSError, ValueError, IndexError):
            continue
    return sorted(pids)


def _wait_ready(proc: subprocess.Popen, host: str, port: int, timeout: float) -> bool:
    """True once ``host:port`` accepts a connection; False when the process died or time ran out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def start(results_dir: str | os.PathLike, *, host: str = "127.0.0.1", port: int | None = None,
          timeout: float = 60.0, env: dict | None = None, pool_size: int = POOL_SIZE,
          token: str | None = None) -> DashboardServer:
    """Start Voila on the dashboard for ``results_dir``; returns once it answers.

    ``pool_size``: pre-heated kernels (0: none, each page starts its own).
    ``token``: require this Jupyter server token (``?token=…`` in the URL);
    on a ``host`` other than loopback one is generated when none is given,
    and a warning is logged: every quote is served to whoever can reach it.

    Raises ``FileNotFoundError`` when the folder holds no store and
    ``RuntimeError`` (with Voila's log) when the server does not come up.
    """
    results = Path(results_dir).resolve()
    if not store.store_path(results).is_file():
        raise FileNotFoundError(f"{store.store_path(results)} not found: run `cxaudit run … --out {results}` first")
    token = token_for(host, token)
    if not is_loopback(host):
        log.warning("%s", host_warning(host))
    attempts = 1 if port else 3
    last_log = ""
    for _ in range(attempts):
        p = port or free_port(host)
        log_file = tempfile.NamedTemporaryFile("w", prefix="cxaudit-voila-", suffix=".log", delete=False)
        scratch = tempfile.TemporaryDirectory(prefix="cxaudit-voila-")
        template = write_offline_template(Path(scratch.name))
        aligned = write_widget_extensions(Path(scratch.name))
        log.debug("widget extensions with aligned version ranges: %s", aligned)
        # pre-heated kernels ask the server for their page's query string on this address
        app_ip = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        jupyter_path = os.pathsep.join(x for x in (scratch.name, os.environ.get("JUPYTER_PATH", "")) if x)
        proc_env = {**os.environ, **(env or {}), ENV_VAR: str(results), "VOILA_APP_IP": app_ip,
                    "JUPYTER_PATH": jupyter_path}
        proc_env.pop("JUPYTER_TOKEN", None)
        if token:
            proc_env["JUPYTER_TOKEN"] = token
        cmd = voila_command(notebook_path(), host=host, port=p, pool_size=pool_size, token=bool(token),
                            template=TEMPLATE if template else None)
        proc = subprocess.Popen(cmd, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=proc_env, start_new_session=True)
        shown_host = f"[{host}]" if ":" in host else host
        query = f"?token={token}" if token else ""
        server = DashboardServer(proc, f"http://{shown_host}:{p}/{query}", Path(log_file.name), log_file, scratch)
        if _wait_ready(proc, host, p, timeout):
            log.info("dashboard for %s at %s", results, server.url)
            return server
        last_log = server.log_text()
        server.stop()
    raise RuntimeError(f"voila did not start on {host}:{port or 'a free port'}; its log:\n{last_log[-3000:]}")


def serve(results_dir: str | os.PathLike, *, host: str = "127.0.0.1", port: int | None = None,
          open_browser: bool = False, block: bool = True, token: str | None = None) -> DashboardServer | str:
    """Serve the dashboard of ``results_dir`` (the work of ``cxaudit dashboard``).

    Prints the URL to stdout (this is the command's interactive entry
    point), optionally opens a browser, then blocks until Ctrl-C and stops
    the server cleanly; returns the URL. With ``block=False`` returns the
    running :class:`DashboardServer` instead (the caller stops it).
    """
    server = start(results_dir, host=host, port=port, token=token)
    if not is_loopback(host):
        sys.stderr.write(f"cxaudit dashboard: WARNING: {host_warning(host)}\n")
        sys.stderr.flush()
    if open_browser:
        webbrowser.open(server.url)
    if not block:
        return server
    sys.stdout.write(f"cxaudit dashboard: {server.url}  (Ctrl-C to stop)\n")
    sys.stdout.flush()
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)  # `kill`, `timeout`: stop Voila too
    try:
        server.process.wait()
    except KeyboardInterrupt:
        log.info("stopping the dashboard")
    finally:
        server.stop()
        signal.signal(signal.SIGTERM, previous)
    return server.url


def _raise_interrupt(signum, frame) -> None:
    raise KeyboardInterrupt
