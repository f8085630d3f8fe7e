"""Dashboard speed: first render and filter-change-to-redraw latency, in-process and in Chromium.

Stores measured:
* ``sample``: the bundled sample audit run through ``cxaudit run`` (data/sample/audit.yml);
* ``synthetic-1M``: a generated store with 1,000,000 tag rows (deterministic, seed 0),
  without precomputed compare tables, so every chart is computed by the
  dashboard's DuckDB aggregations (the slowest case).

For each store: the app's build time without the precomputed dashboard tables
(temporary-table fallback), the time of ``cxaudit.publish.dashboard.prepare`` (which
``cxaudit run`` is meant to call), then on the prepared store: in-process
redraw latency (``DashboardApp.last_redraw_s``: headline + visible tab) over
>= 20 filter changes for every tab, with the app's cache (as users get it:
going back to a selection seen before is a cache hit) and cold (cache off);
and in the browser (Voila + Playwright/Chromium, every request off 127.0.0.1
blocked and counted): ``goto`` until the Summary (the first view) is visible,
with a pre-heated kernel waiting and without pre-heating (the pre-rendered Summary Voila sends in
the page, and the app's own Summary: filters and tabs usable); on **every view**, a
filter change until the view's redraw has arrived (the app's root carries a
``cx-r<N>`` class bumped after each redraw); click on a heatmap cell until its
quotes show. Load averages are recorded: the 2 cores are shared with other
engineers' work. Goals (issue 16): first chart < 3 s, every filter change on
every view p95 < 1 s, median < 300 ms.

Writes ``benchmarks/results/NAME.json`` and ``benchmarks/results/NAME.png`` (``--out NAME``, default
``dashboard``; a screenshot of the 1M dashboard) with the date, commit and load averages, and prints a
table. SIGTERM and Ctrl-C stop
the Voila servers it started. Usage::

    .venv/bin/python benchmarks/bench_dashboard.py [--tags 1000000] [--changes 24] [--no-browser] [--no-sample]
        [--out NAME]

``--prepare-paired RESULTS_DIR --baseline COMMIT [--reps 2]`` instead times only ``prepare()`` (the run's
dashboard stage) on copies of a results folder, with COMMIT's ``cxaudit`` package and with this checkout's,
alternating in child processes (wall and CPU seconds; writes ``results/NAME.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import time
import warnings
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "benchmarks" / "results"
CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]

from cxaudit.schemas import DOCUMENTS, SENTENCES, TAGS, TURNS, conform  # noqa: E402
from cxaudit.store import atomic_write_text, write_tables  # noqa: E402

_TOUCHPOINTS = ["branch", "web", "app", "phone", "pay", "get-help", "onboarding", "statement", None]
_CODES = {"functional": ["billing", "accuracy", "speed", "fees"], "mechanic": ["queue", "web", "forms", "place"],
          "humanic": ["staff", "empathy", "knowledge", "tone"]}
_WORDS = np.array("the staff were friendly but the queue was long and the bill was wrong again today".split())


def synthetic_tables(n_tags: int, *, seed: int = 0) -> dict[str, pd.DataFrame]:
    """Documents, turns, sentences and tags with ``n_tags`` tag rows (2 tags per sentence, 5 sentences per doc)."""
    rng = np.random.default_rng(seed)
    n_sent = n_tags // 2
    n_docs = max(n_sent // 5, 1)
    doc_ids = np.char.add("d", np.arange(n_docs).astype(str))
    docs = pd.DataFrame({
        "doc_id": doc_ids, "source": np.char.add(doc_ids, ".txt"),
        "kind": rng.choice(["interview", "comment", "review"], n_docs),
        "participant": np.char.add("P", (np.arange(n_docs) // 2).astype(str)),
        "segment": rng.choice(["retail", "business", "private", "student", "senior"], n_docs),
        "wave": rng.choice(["2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"], n_docs),
        "score": rng.integers(0, 11, n_docs).astype(float), "content_hash": doc_ids})
    sent_doc = np.repeat(doc_ids, 5)[:n_sent]
    sent_n = np.tile(np.arange(5), n_docs)[:n_sent]
    sentence_ids = np.char.add(np.char.add(sent_doc, "#0."), sent_n.astype(str))
    starts = rng.integers(0, 6, n_sent)
    text = [" ".join(_WORDS[s:s + 9]) + "." for s in starts]
    polarity = rng.uniform(-1, 1, n_sent).round(3)
    valence = np.where(polarity < -0.05, "negative", np.where(polarity > 0.05, "positive", "neutral"))
    mode = rng.choice(["current", "current", "current", "desired", "other"], n_sent)
    sents = pd.DataFrame({"sentence_id": sentence_ids, "doc_id": sent_doc, "turn_id": 0, "text": text,
                          "start_char": 0, "end_char": [len(t) for t in text], "sentiment": polarity,
                          "valence": valence, "mode": mode, "effort": False, "n_words": 10})
    turns = pd.DataFrame({"doc_id": doc_ids, "turn_id": 0, "speaker": "Customer", "role": "participant",
                          "start_s": rng.uniform(0, 3600, n_docs).round(1), "text": "…"})
    idx = np.repeat(np.arange(n_sent), 2)[:n_tags]
    clue_type = rng.choice(list(_CODES), n_tags)
    code = [f"{c}.{_CODES[c][k]}" for c, k in zip(clue_type, rng.integers(0, 4, n_tags))]
    tag_pol = np.clip(polarity[idx] + rng.normal(0, 0.2, n_tags), -1, 1).round(3)
    tags = pd.DataFrame({
        "sentence_id": sentence_ids[idx], "doc_id": sent_doc[idx], "codebook": "carbone-clues", "code": code,
        "clue_type": clue_type, "touchpoint": rng.choice(np.array(_TOUCHPOINTS, dtype=object), n_tags),
        "start_char": 4, "end_char": 9, "evidence": [t[4:9] for t in np.array(text, dtype=object)[idx]],
        "polarity": tag_pol,
        "valence": np.where(tag_pol < -0.05, "negative", np.where(tag_pol > 0.05, "positive", "neutral")),
        "mode": mode[idx], "method": "rule", "confidence": 1.0})
    return {"documents": conform(docs, DOCUMENTS), "turns": conform(turns, TURNS),
            "sentences": conform(sents, SENTENCES), "tags": conform(tags, TAGS),
            "meta": pd.DataFrame({"key": ["name"], "value": [f"Synthetic audit ({n_tags:,} tags)"]})}


def sample_store(out: Path) -> Path | None:
    """Run the bundled sample audit into ``out`` (None when the sample is absent)."""
    audit = ROOT / "data" / "sample" / "audit.yml"
    if not audit.is_file():
        print("data/sample/audit.yml absent: sample store skipped")
        return None
    from cxaudit.config import load_audit
    from cxaudit.run.pipeline import run_audit

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            run_audit(load_audit(audit), out)
    except Exception as exc:  # noqa: BLE001 - a benchmark reports what it could not measure
        print(f"sample audit could not be run ({type(exc).__name__}: {exc}): sample store skipped")
        return None
    return out


def _stats(values: list[float]) -> dict:
    arr = np.asarray(values, dtype=float)
    return {"n": len(arr), "median_ms": round(1000 * float(np.median(arr)), 1),
            "p95_ms": round(1000 * float(np.percentile(arr, 95)), 1), "max_ms": round(1000 * float(arr.max()), 1)}


def _load() -> list[float]:
    """1-, 5- and 15-minute load averages (other engineers share the 2 cores)."""
    return [round(x, 2) for x in os.getloadavg()]


def _changes(app, n: int) -> list[tuple[str, int]]:
    """A deterministic sequence of (filter, option index) changes cycling over filters and values
    (each change followed by its reset to "All")."""
    seq, names = [], ["wave", "segment", "kind", "clue_type", "touchpoint"]
    while len(seq) < n:
        for name in names:
            opts = len(app.filter_widgets[name].options)
            k = len(seq) // len(names)
            seq.append((name, (k % (opts - 1)) + 1 if opts > 1 else 0))
            seq.append((name, 0))
    return seq[:n]


def in_process(results: Path, n_changes: int, n_two: int = 6) -> dict:
    """Build the app and time redraws (headline + visible tab) per tab, with the app's cache and cold, and
    (cache on) selections of two filters at once (``n_two`` each)."""
    from cxaudit.publish.dashboard import build_app
    from cxaudit.publish.dashboard.app import TABS

    t0 = time.perf_counter()
    app = build_app(results)
    out = {"build_s": round(time.perf_counter() - t0, 2), "prepared": app.data.prepared, "load_before": _load()}
    for mode in ("cached", "cold"):
        app.cache_enabled = mode == "cached"
        app.clear_cache()
        for i, tab in enumerate(TABS):
            app.tabs.selected_index = i
            times = []
            for name, index in _changes(app, n_changes):
                app.filter_widgets[name].value = index
                times.append(app.last_redraw_s)
            out[f"redraw_{tab}_{mode}"] = _stats(times)
    app.cache_enabled = True
    for i, tab in enumerate(TABS):  # two filters at once: never a precomputed state, always computed live
        app.tabs.selected_index = i
        out[f"redraw_{tab}_two_filters"] = _stats(_two_filter_changes(app, n_two))
    out["load_after"] = _load()
    app.data.close()
    return out


def _two_filter_changes(app, n: int) -> list[float]:
    """Redraw times of ``n`` selections with a segment set on top of a wave (each pair a new selection),
    each followed by a reset of both (not timed)."""
    waves, segments = len(app.filter_widgets["wave"].options), len(app.filter_widgets["segment"].options)
    times = []
    for k in range(n):
        app.filter_widgets["wave"].value = 1 + k % max(waves - 1, 1) if waves > 1 else 0
        app.filter_widgets["segment"].value = 1 + (k // max(waves - 1, 1)) % max(segments - 1, 1) \
            if segments > 1 else 0
        times.append(app.last_redraw_s)
        app.filter_widgets["segment"].value = 0
        app.filter_widgets["wave"].value = 0
    return times


def _heatmap_version(page) -> int:
    return page.evaluate("""() => { const el = document.querySelector('.cx-heatmap');
        const c = el ? [...el.classList].find(x => /^cx-v\d+$/.test(x)) : null;
        return c ? parseInt(c.slice(4)) : -1; }""")


def _cpu_ticks(root_pid: int) -> int:
    """CPU ticks (user + system) used so far by the children of ``root_pid`` (Voila's kernels)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == root_pid:  # ppid
            total += int(fields[11]) + int(fields[12])
    return total


def _waiting_kernels(srv) -> int | None:
    """Kernels of the server waiting for a page: a pre-heated kernel whose notebook has run to
    ``wait_for_request`` holds a websocket to Voila's own port (``voila/query``); a kernel serving a page talks
    to Voila over ZMQ only. None without psutil."""
    try:
        import psutil
    except ImportError:
        return None
    port = urlparse(srv.url).port
    n = 0
    for child in psutil.Process(srv.process.pid).children():
        try:
            conns = child.net_connections("tcp")
        except psutil.Error:
            continue
        n += any(c.status == psutil.CONN_ESTABLISHED and c.raddr and c.raddr.port == port for c in conns)
    return n


def _wait_pool(srv, n_filled: int, timeout: float = 240.0, *, want: int = 1) -> bool:
    """Wait until Voila's kernel pool was filled ``n_filled`` times and its kernel is ready for a page.

    "Filled" is logged when the kernel has *started*; it then runs the notebook
    (imports, store, app) and waits for a page. Ready = the kernel is connected
    to Voila's query websocket (:func:`_waiting_kernels`; ``want`` of them), as when a visitor
    comes a while after the server started. (Until this round: "its kernels went
    quiet", < 5 % of a core over 1.5 s, which a kernel waiting on disk or
    descheduled on a loaded machine can fake: the one slow load per run.)
    Without psutil the CPU heuristic is used.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and srv.log_text().count("is filled with") < n_filled:
        time.sleep(0.2)
    if _waiting_kernels(srv) is not None:
        while time.monotonic() < deadline:
            if _waiting_kernels(srv) >= want:
                return True
            time.sleep(0.2)
        return False
    hz = os.sysconf("SC_CLK_TCK")
    while time.monotonic() < deadline:
        before = _cpu_ticks(srv.process.pid)
        time.sleep(1.5)
        if (_cpu_ticks(srv.process.pid) - before) / hz < 0.075:
            return True
    return False


_BLOCKED: list[str] = []
#: Page loads timed with a pre-heated kernel waiting.
N_FIRST = 5


def _offline_page(browser):
    """A page whose requests off 127.0.0.1 are aborted and recorded in ``_BLOCKED``."""
    page = browser.new_page(viewport={"width": 1400, "height": 1300})

    def guard(route):
        host = urlparse(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            _BLOCKED.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    return page


def _first_render(browser, url: str) -> tuple[float, float, object]:
    """``goto`` until the Summary is visible (the pre-rendered one Voila sends in the page, or the app's,
    whichever comes first), and until the app's own Summary is there (filters and tabs usable)."""
    page = _offline_page(browser)
    t0 = time.perf_counter()
    page.goto(url, wait_until="commit", timeout=180_000)
    page.wait_for_selector(".cx-summary .cx-finding >> visible=true", timeout=180_000)
    shown = time.perf_counter() - t0
    page.wait_for_selector(".cx-app .cx-summary-box .cx-summary", state="visible", timeout=180_000)
    return shown, time.perf_counter() - t0, page


def _redraws(page) -> int:
    return page.evaluate("""() => { const el = document.querySelector('.cx-app');
        const c = el ? [...el.classList].find(x => /^cx-r\\d+$/.test(x)) : null;
        return c ? parseInt(c.slice(4)) : -1; }""")


_VIEW_TITLES = {"summary": "Summary", "clue_map": "Clue map", "compare": "Current vs desired", "drivers": "Drivers",
                "waves": "Waves", "evidence": "Evidence"}


def _view_changes(page, n_changes: int) -> dict:
    """Per view: open it, then time ``n_changes`` filter changes until the app's redraw counter moves."""
    out = {}
    for key, title in _VIEW_TITLES.items():
        page.click(f".lm-TabBar-tab:has-text('{title}')")
        page.wait_for_timeout(1500)
        times = []
        for name, index in _changes_browser(page, n_changes):
            old = _redraws(page)
            t0 = time.perf_counter()
            page.locator(f".cx-filter-{name} select").select_option(index=index)
            page.wait_for_function(
                """old => { const el = document.querySelector('.cx-app');
                   const c = el ? [...el.classList].find(x => /^cx-r\\d+$/.test(x)) : null;
                   return c && parseInt(c.slice(4)) > old; }""", arg=old, timeout=60_000)
            times.append(time.perf_counter() - t0)
        out[f"redraw_{key}"] = _stats(times)
    return out


def in_browser(results: Path, n_changes: int, screenshot: Path | None) -> dict:
    """Serve with Voila, load the page in Chromium and time the first render, filter changes and cell clicks.

    First render = ``goto`` until the Summary is visible (see :func:`_first_render`): with a
    pre-heated kernel waiting (the usual case: the server was started before
    the visitor came), and without (``pool_size=0``: a kernel per request).
    """
    from playwright.sync_api import sync_playwright

    from cxaudit.publish.dashboard.server import POOL_SIZE, start

    out: dict = {"load_before": _load(), "pool_size": POOL_SIZE}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        try:
            srv = start(results)
            try:
                warm, live, filled = [], [], 1
                for _ in range(N_FIRST):
                    if not _wait_pool(srv, filled, want=POOL_SIZE):
                        print("kernel pool never filled: first render measured on whatever kernel answers")
                    dt, dt_live, page = _first_render(browser, srv.url)
                    warm.append(dt)
                    live.append(dt_live)
                    filled += 1
                    if len(warm) < N_FIRST:
                        page.close()
                out["first_render_preheated_s"] = [round(x, 2) for x in warm]
                out["interactive_preheated_s"] = [round(x, 2) for x in live]
                out["right_after_another"] = _back_to_back(browser, srv, filled, POOL_SIZE)
                out.update(_view_changes(page, n_changes))
                out["drill_click"] = _drill_clicks(page, 10)
                if screenshot:
                    page.locator(".cx-filter-wave select").select_option(index=0)
                    page.click(".lm-TabBar-tab:has-text('Clue map')")
                    page.wait_for_timeout(1500)
                    page.screenshot(path=str(screenshot), full_page=True)
                page.close()
            finally:
                srv.stop()
            srv = start(results, pool_size=0)
            try:
                cold, cold_live = [], []
                for _ in range(2):
                    dt, dt_live, page = _first_render(browser, srv.url)
                    cold.append(dt)
                    cold_live.append(dt_live)
                    page.close()
                out["first_render_no_preheat_s"] = [round(x, 2) for x in cold]
                out["interactive_no_preheat_s"] = [round(x, 2) for x in cold_live]
            finally:
                srv.stop()
        finally:
            browser.close()
    out["load_after"] = _load()
    out["requests_off_loopback"] = list(_BLOCKED)
    return out


def _back_to_back(browser, srv, filled: int, pool_size: int, pairs: int = 2) -> dict:
    """Two visitors a moment apart: with the pool ready, a page, then at once a second one (Voila refills its
    pool only after a kernel is used, and a refill runs the whole notebook). First render of both, and how many
    kernels were waiting when the second asked (0: it waited for a kernel still running the notebook)."""
    first, second, waiting = [], [], []
    for _ in range(pairs):
        _wait_pool(srv, filled, want=pool_size)
        a, _, page_a = _first_render(browser, srv.url)
        waiting.append(_waiting_kernels(srv))
        b, _, page_b = _first_render(browser, srv.url)
        first.append(round(a, 2))
        second.append(round(b, 2))
        page_a.close()
        page_b.close()
        filled += 2
    return {"first_s": first, "second_s": second, "kernels_waiting_when_second_asked": waiting}


def _drill_clicks(page, n: int) -> dict:
    """Time a click on a heatmap cell until its quotes are shown on the evidence tab."""
    times = []
    for i in range(n):
        page.click(".lm-TabBar-tab:has-text('Clue map')")
        cells = page.locator(".cx-heatmap button.cx-cell:not([disabled])")
        cells.first.wait_for(state="visible")
        cell = cells.nth(i % cells.count())
        label = cell.get_attribute("title").split(":")[0]
        clue_type = label.split(" \u00d7 ")[0]
        t0 = time.perf_counter()
        cell.click()
        page.wait_for_function(
            """ct => { const l = document.querySelector('.cx-drill-label');
               const t = document.querySelector('.cx-evidence caption');
               return l && t && l.offsetParent !== null && l.textContent.includes(ct); }""", arg=clue_type,
            timeout=60_000)
        times.append(time.perf_counter() - t0)
        page.click("button:has-text('Show all quotes')")
        page.wait_for_selector(".cx-drill-label:has-text('All quotes')", state="visible")
    return _stats(times)


def _changes_browser(page, n: int) -> list[tuple[str, int]]:
    counts = {name: page.locator(f".cx-filter-{name} select option").count()
              for name in ["wave", "segment", "kind", "clue_type", "touchpoint"]}

    class _Fake:
        filter_widgets = {k: type("D", (), {"options": [None] * v})() for k, v in counts.items()}

    return _changes(_Fake, n)


def _measure_store(path: Path, build_s: float, args, browser: bool, screenshot: Path | None) -> dict:
    """Unprepared app build, then prepare() and every figure on the prepared store."""
    import duckdb

    from cxaudit.publish.dashboard import build_app, prepare

    with duckdb.connect(str(path / "cxaudit.duckdb"), read_only=True) as con:
        n_tags = con.execute("SELECT count(*) FROM tags").fetchone()[0]
    entry = {"tags": int(n_tags), "store_build_s": round(build_s, 1)}
    t0 = time.perf_counter()
    app = build_app(path)  # no dash_* tables yet: the temporary-table fallback
    entry["build_app_unprepared_s"] = round(time.perf_counter() - t0, 2)
    app.data.close()
    t0 = time.perf_counter()
    entry["prepare"] = {**prepare(path), "seconds": round(time.perf_counter() - t0, 2)}
    entry["in_process"] = in_process(path, args.changes)
    if browser:
        entry["browser"] = in_browser(path, args.changes, screenshot)
    return entry


def _commit() -> str | None:
    """The checkout's commit (with "+dirty" when files differ from it), or None outside git."""
    import subprocess

    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "cxaudit", "benchmarks"],
                               cwd=ROOT, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+dirty" if dirty else "")


_PREPARE_CHILD = """
import json, os, shutil, sys, time
sys.path.insert(0, sys.argv[1])
import cxaudit
assert cxaudit.__file__.startswith(sys.argv[1]), cxaudit.__file__
from cxaudit.publish.dashboard.precompute import prepare
shutil.copytree(sys.argv[2], sys.argv[3])
t, c = time.perf_counter(), time.process_time()
counts = prepare(sys.argv[3])
print(json.dumps({"wall_s": round(time.perf_counter() - t, 2), "cpu_s": round(time.process_time() - c, 2),
                  "states": counts.get("dash_state_headline", 0), "load": round(os.getloadavg()[0], 1)}))
"""


def prepare_paired(store: Path, baseline: str, reps: int) -> dict:
    """``prepare()`` (the ``cxaudit run`` dashboard stage) on copies of the results folder ``store``, with the
    ``cxaudit`` package of commit ``baseline`` and of this checkout, alternating in child processes, ``reps``
    rounds: wall and CPU seconds (all threads) of each."""
    import subprocess

    work = Path(tempfile.mkdtemp(prefix="cxaudit-bench-prepare-"))
    try:
        subprocess.run(f"git archive {baseline} cxaudit | tar -x -C {work}", shell=True, cwd=ROOT, check=True)
        trees = {"baseline": work, "this checkout": ROOT}
        rounds = []
        for rep in range(reps):
            for name, tree in trees.items():
                out = work / f"store-{rep}-{name.replace(' ', '-')}"
                run = subprocess.run([sys.executable, "-c", _PREPARE_CHILD, str(tree), str(store), str(out)],
                                     capture_output=True, text=True, check=True)
                shutil.rmtree(out, ignore_errors=True)
                rounds.append({"code": name, "round": rep, **json.loads(run.stdout.strip().splitlines()[-1])})
                print(rounds[-1], flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    ratio = {k: round(sum(r[k] for r in rounds if r["code"] == "this checkout")
                      / sum(r[k] for r in rounds if r["code"] == "baseline"), 3) for k in ("wall_s", "cpu_s")}
    return {"store": str(store), "baseline": baseline, "rounds": rounds, "this_over_baseline": ratio}


def _stop_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit so ``finally`` blocks stop the Voila servers."""
    def handler(signum, _frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tags", type=int, default=1_000_000)
    ap.add_argument("--changes", type=int, default=24)
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--no-sample", action="store_true", help="skip the sample audit store")
    ap.add_argument("--out", default="dashboard", help="results name: benchmarks/results/NAME.json and NAME.png")
    ap.add_argument("--prepare-paired", metavar="RESULTS_DIR", type=Path,
                    help="only time prepare() on copies of this results folder, against --baseline, alternating")
    ap.add_argument("--baseline", default="HEAD", help="commit whose cxaudit package --prepare-paired compares")
    ap.add_argument("--reps", type=int, default=2, help="rounds of --prepare-paired")
    args = ap.parse_args(argv)
    _stop_on_sigterm()
    if args.prepare_paired:
        report = {"command": "benchmarks/bench_dashboard.py " + " ".join(argv if argv is not None else sys.argv[1:]),
                  "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "load_start": _load(),
                  **prepare_paired(args.prepare_paired, args.baseline, args.reps), "load_end": _load(),
                  "commit": _commit()}
        atomic_write_text(RESULTS / f"{args.out}.json", json.dumps(report, indent=2))
        print(report["this_over_baseline"])
        return 0
    browser = not args.no_browser and Path(CHROMIUM).is_file()
    if not args.no_browser and not browser:
        print(f"no Chromium at {CHROMIUM}: browser figures skipped (apt-get install -y chromium)")
    work = Path(tempfile.mkdtemp(prefix="cxaudit-bench-dashboard-"))
    report = {"machine": f"{os.cpu_count()} cores shared with other engineers; load averages recorded per run",
              "goals": {"first_chart_s": 3.0, "redraw_p95_ms": 1000.0, "redraw_median_ms": 300.0},
              "command": "benchmarks/bench_dashboard.py " + " ".join(argv if argv is not None else sys.argv[1:]),
              "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "load_start": _load(), "stores": {}}
    try:
        stores = {}
        if not args.no_sample:
            t0 = time.perf_counter()
            sample = sample_store(work / "sample")
            if sample is not None:
                stores["sample"] = (sample, time.perf_counter() - t0)
        t0 = time.perf_counter()
        write_tables(work / "synthetic", synthetic_tables(args.tags))
        stores[f"synthetic-{args.tags:,}"] = (work / "synthetic", time.perf_counter() - t0)
        for name, (path, build_s) in stores.items():
            shot = RESULTS / f"{args.out}.png" if name.startswith("synthetic") else None
            report["stores"][name] = _measure_store(path, build_s, args, browser, shot)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report["load_end"] = _load()
    RESULTS.mkdir(parents=True, exist_ok=True)
    report["commit"] = _commit()
    atomic_write_text(RESULTS / f"{args.out}.json", json.dumps(report, indent=2))
    _print_table(report)
    return 0


def _print_table(report: dict) -> None:
    """One line per store and measure: median / p95 in ms (first renders in s)."""
    print(f"load average at start {report['load_start']}, at end {report['load_end']} (2 shared cores)")
    for name, e in report["stores"].items():
        ip = e["in_process"]
        print(f"\n{name}: {e['tags']:,} tags; prepare {e['prepare']['seconds']} s; app build "
              f"{ip['build_s']} s prepared, {e['build_app_unprepared_s']} s unprepared; load {ip['load_before']}")
        for key, st in ip.items():
            if key.startswith("redraw_"):
                print(f"  in-process {key[7:]:<22} median {st['median_ms']:>7} ms  p95 {st['p95_ms']:>7} ms")
        br = e.get("browser")
        if br:
            print(f"  browser, a page right after another (pool of {br.get('pool_size')}): "
                  f"{br.get('right_after_another')}")
            print(f"  browser first render: Summary visible (pre-heated kernel) {br['first_render_preheated_s']} s, "
                  f"(no pre-heating) {br['first_render_no_preheat_s']} s; app interactive (pre-heated) "
                  f"{br.get('interactive_preheated_s')} s, (no pre-heating) {br.get('interactive_no_preheat_s')} s")
            for key in [k for k in br if k.startswith("redraw_")] + ["drill_click"]:
                print(f"  browser {key:<20} median {br[key]['median_ms']:>7} ms  p95 {br[key]['p95_ms']:>7} ms")
            print(f"  requests that would have left 127.0.0.1: {len(br.get('requests_off_loopback', []))}")


if __name__ == "__main__":
    raise SystemExit(main())
