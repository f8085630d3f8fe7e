"""Dashboard speed: first render and filter-change-to-redraw latency, in-process and in Chromium.

Stores measured:
* ``sample``: the bundled sample audit run through ``cxaudit run`` (data/sample/audit.yml);
* ``synthetic-1M``: a generated store with 1,000,000 tag rows (deterministic, seed 0),
  without precomputed compare tables, so every chart is computed by the
  dashboard's DuckDB aggregations (the slowest case).

For each: in-process build time and redraw latency (``DashboardApp.last_redraw_s``
over >= 20 filter changes, headline + visible tab), and in the browser (Voila
+ Playwright/Chromium): time from ``goto`` to the first chart visible, and
from a filter change to the clue-map image being replaced (median and p95).
Goals: first render < 5 s, redraw p95 < 300 ms at 1M tags.

Writes ``benchmarks/results/dashboard.json`` and ``benchmarks/results/dashboard.png``
(a screenshot of the 1M dashboard) and prints a table. Usage::

    .venv/bin/python benchmarks/bench_dashboard.py [--tags 1000000] [--changes 24] [--no-browser]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

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
    from cxaudit.pipeline import run_audit

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


def _changes(app, n: int) -> list[tuple[str, int]]:
    """A deterministic sequence of (filter, option index) changes cycling over filters and values."""
    seq, names = [], ["wave", "segment", "kind", "clue_type", "touchpoint"]
    while len(seq) < n:
        for name in names:
            opts = len(app.filter_widgets[name].options)
            k = len(seq) // len(names)
            seq.append((name, (k % (opts - 1)) + 1 if opts > 1 else 0))
            seq.append((name, 0))
    return seq[:n]


def in_process(results: Path, n_changes: int) -> dict:
    """Build the app and time redraws in this process."""
    from cxaudit.dashboard import build_app

    t0 = time.perf_counter()
    app = build_app(results)
    build = time.perf_counter() - t0
    times = []
    for name, index in _changes(app, n_changes):
        app.filter_widgets[name].value = index
        times.append(app.last_redraw_s)
    evidence = []
    app.tabs.selected_index = 4
    for name, index in _changes(app, n_changes):
        app.filter_widgets[name].value = index
        evidence.append(app.last_redraw_s)
    app.data.close()
    return {"build_s": round(build, 2), "redraw_clue_map_tab": _stats(times), "redraw_evidence_tab": _stats(evidence)}


def in_browser(results: Path, n_changes: int, screenshot: Path | None) -> dict:
    """Serve with Voila, load the page in Chromium and time the first render and filter changes."""
    from playwright.sync_api import sync_playwright

    from cxaudit.dashboard.server import start

    srv = start(results)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
            first = []
            for _ in range(2):  # the first load also starts the server's first kernel
                page = browser.new_page(viewport={"width": 1280, "height": 1300})
                t0 = time.perf_counter()
                page.goto(srv.url)
                page.wait_for_selector("img.cx-chart-clue_map", state="visible", timeout=180_000)
                first.append(time.perf_counter() - t0)
                if len(first) < 2:
                    page.close()
            times = []
            for name, index in _changes_browser(page, n_changes):
                old = page.evaluate("() => document.querySelector('img.cx-chart-clue_map').src")
                t0 = time.perf_counter()
                page.locator(f".cx-filter-{name} select").select_option(index=index)
                page.wait_for_function(
                    "old => document.querySelector('img.cx-chart-clue_map').src !== old", arg=old, timeout=60_000)
                times.append(time.perf_counter() - t0)
            if screenshot:
                page.locator(".cx-filter-wave select").select_option(index=0)
                page.wait_for_timeout(1500)
                page.screenshot(path=str(screenshot), full_page=True)
            browser.close()
    finally:
        srv.stop()
    return {"first_render_s": [round(x, 2) for x in first], "redraw": _stats(times)}


def _changes_browser(page, n: int) -> list[tuple[str, int]]:
    counts = {name: page.locator(f".cx-filter-{name} select option").count()
              for name in ["wave", "segment", "kind", "clue_type", "touchpoint"]}

    class _Fake:
        filter_widgets = {k: type("D", (), {"options": [None] * v})() for k, v in counts.items()}

    return _changes(_Fake, n)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tags", type=int, default=1_000_000)
    ap.add_argument("--changes", type=int, default=24)
    ap.add_argument("--no-browser", action="store_true")
    args = ap.parse_args(argv)
    browser = not args.no_browser and Path(CHROMIUM).is_file()
    if not args.no_browser and not browser:
        print(f"no Chromium at {CHROMIUM}: browser figures skipped (apt-get install -y chromium)")
    work = Path(tempfile.mkdtemp(prefix="cxaudit-bench-dashboard-"))
    report = {"machine": "2 shared cores; figures contended by other work", "goals": {
        "first_render_s": 5.0, "redraw_p95_ms_at_1M": 300.0}, "stores": {}}
    try:
        stores = {}
        t0 = time.perf_counter()
        sample = sample_store(work / "sample")
        if sample is not None:
            stores["sample"] = (sample, time.perf_counter() - t0)
        t0 = time.perf_counter()
        tables = synthetic_tables(args.tags)
        write_tables(work / "synthetic", tables)
        stores[f"synthetic-{args.tags:,}"] = (work / "synthetic", time.perf_counter() - t0)
        for name, (path, build_s) in stores.items():
            import duckdb

            with duckdb.connect(str(path / "cxaudit.duckdb"), read_only=True) as con:
                n_tags = con.execute("SELECT count(*) FROM tags").fetchone()[0]
            entry = {"tags": int(n_tags), "store_build_s": round(build_s, 1),
                     "in_process": in_process(path, args.changes)}
            if browser:
                shot = RESULTS / "dashboard.png" if name.startswith("synthetic") else None
                entry["browser"] = in_browser(path, args.changes, shot)
            report["stores"][name] = entry
    finally:
        shutil.rmtree(work, ignore_errors=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    atomic_write_text(RESULTS / "dashboard.json", json.dumps(report, indent=2))
    _print_table(report)
    return 0


def _print_table(report: dict) -> None:
    rows = [("store", "tags", "build app s", "redraw med/p95 ms (in-proc)", "evidence med/p95 ms",
             "first render s (browser)", "redraw med/p95 ms (browser)")]
    for name, e in report["stores"].items():
        ip, br = e["in_process"], e.get("browser")
        rows.append((name, f"{e['tags']:,}", f"{ip['build_s']}",
                     f"{ip['redraw_clue_map_tab']['median_ms']}/{ip['redraw_clue_map_tab']['p95_ms']}",
                     f"{ip['redraw_evidence_tab']['median_ms']}/{ip['redraw_evidence_tab']['p95_ms']}",
                     "/".join(str(x) for x in br["first_render_s"]) if br else "-",
                     f"{br['redraw']['median_ms']}/{br['redraw']['p95_ms']}" if br else "-"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)))


if __name__ == "__main__":
    raise SystemExit(main())
