"""The stakeholder dashboard: an ipywidgets app over a results folder, served by Voila.

``build_app(results_dir)`` returns the widget; ``show(results_dir)`` is what
the thin notebook ``notebooks/dashboard.ipynb`` calls; ``serve(results_dir)``
runs Voila on that notebook (see :mod:`cxaudit.publish.dashboard.server`);
``prepare(store)`` precomputes the tables the dashboard reads (called at
``cxaudit run`` time, see :mod:`cxaudit.publish.dashboard.precompute`).

Importing this package does not import matplotlib, seaborn, spaCy or ipywidgets
(``cxaudit run`` and the report use :mod:`.precompute` and the queries without the
``dashboard`` extra); the plotting stack loads when the first PNG is drawn.
"""

from __future__ import annotations

import html
import logging
import os
from pathlib import Path
from urllib.parse import parse_qs

from typing import TYPE_CHECKING

from cxaudit._extras import require
from cxaudit.publish.charts.png import _pyplot

from .precompute import prepare
from .queries import AuditData
from .server import ENV_VAR, PRERENDER_KEY
from .server import serve as _serve

if TYPE_CHECKING:  # the widgets come with the dashboard extra, imported when a widget is built
    import ipywidgets as widgets

__all__ = ["build_app", "show", "serve", "prepare", "resolve_results_dir", "ENV_VAR"]

log = logging.getLogger(__name__)



def resolve_results_dir(results_dir: str | os.PathLike | None = None) -> Path:
    """The results folder to show: the argument, else ``?results=`` in Voila's query string, else $CXAUDIT_RESULTS.

    Raises ``ValueError`` when none of them names a folder.
    """
    if results_dir:
        return Path(results_dir)
    query = parse_qs(os.environ.get("QUERY_STRING", ""))
    if query.get("results", [""])[0]:
        return Path(query["results"][0])
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    raise ValueError(f"no results folder given: pass results_dir, add ?results=DIR to the URL "
                     f"or set ${ENV_VAR}")


def _widgets():
    """The ipywidgets module, or a one-line error naming the ``dashboard`` extra."""
    require("dashboard", "the dashboard")
    import ipywidgets  # the dashboard extra: `cxaudit run` and the report import this package without it

    return ipywidgets


def build_app(results_dir: str | os.PathLike, *, page_size: int = 20) -> "widgets.Widget":
    """The dashboard widget over ``results_dir`` (a folder holding ``cxaudit.duckdb``).

    Opens one read-only DuckDB connection for the app's life. Raises
    ``FileNotFoundError``/``ValueError`` when the folder holds no complete store.
    """
    _widgets()
    from .app import DashboardApp  # the dashboard extra: app.py imports ipywidgets at its top

    return DashboardApp(AuditData(results_dir), page_size=page_size)


def _app_or_error(results_dir: str | os.PathLike | None) -> "widgets.Widget":
    """The app for ``results_dir``, or an escaped "No audit to show" message when it cannot be opened."""
    widgets = _widgets()
    try:
        return build_app(resolve_results_dir(results_dir))
    except (OSError, ValueError) as exc:
        log.warning("dashboard: %s", exc)
        return widgets.HTML(f'<div class="cx-error"><h2>No audit to show</h2><p>{html.escape(str(exc))}</p></div>')


def _preheated() -> bool:
    """True in a kernel Voila pre-heated before any page asked for it (``--preheat_kernel``)."""
    return os.environ.get("VOILA_PREHEAT", "False") == "True"


def show(results_dir: str | os.PathLike | None = None) -> "widgets.Widget":
    """Build the app (see :func:`resolve_results_dir`) and display it once.

    A folder that cannot be opened is reported as a readable message on the
    page (escaped), not as a traceback. Before the app, a static copy of its
    first screen (title, headline, Summary; output metadata
    :data:`PRERENDER_KEY`) is displayed: the ``cxaudit-offline`` Voila
    template puts it in the page as HTML, so the Summary is readable before
    Voila's scripts have loaded; it hides itself once the app is on the page. In a kernel pre-heated by Voila the
    app for the default folder is built *before* the page is requested; the
    cell then waits for the request, and only when the page's ``?results=``
    names another folder is the app rebuilt for it.
    """
    widgets = _widgets()
    from IPython.display import display  # the dashboard extra (IPython comes with ipywidgets)

    root = widgets.VBox([_app_or_error(results_dir)])
    if hasattr(root.children[0], "prerender_html"):
        # shown by the cxaudit-offline template as soon as the page arrives (see server.write_offline_template)
        display({"text/html": root.children[0].prerender_html()}, raw=True, metadata={PRERENDER_KEY: True})
    display(root)
    if results_dir is None and _preheated():
        built_for = os.environ.get("QUERY_STRING", "")
        from voila.utils import wait_for_request  # the dashboard extra, in a kernel Voila pre-heated

        _pyplot()  # the plotting stack (PNG downloads) loads while no page waits for it
        wait_for_request()  # returns once a page has claimed this kernel; sets QUERY_STRING
        if os.environ.get("QUERY_STRING", "") != built_for and parse_qs(os.environ.get("QUERY_STRING", "")).get(
                "results", [""])[0]:
            old = root.children[0]
            root.children = [_app_or_error(None)]
            if hasattr(old, "data"):
                old.data.close()
    return root.children[0]


def serve(results_dir: str | os.PathLike, *, host: str = "127.0.0.1", port: int | None = None,
          open_browser: bool = False, block: bool = True, token: str | None = None):
    """Serve the dashboard with Voila: see :func:`cxaudit.publish.dashboard.server.serve`."""
    return _serve(results_dir, host=host, port=port, open_browser=open_browser, block=block, token=token)
