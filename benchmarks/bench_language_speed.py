"""Throughput of cxaudit's language analysis against a bare spaCy pass, on one generated corpus.

Measures, in one run on the same corpus (``benchmarks/_corpus.py``, ≥ 2 M words by default):

* bare: ``spacy.blank("en")`` + sentencizer + lookup lemmatizer, ``nlp.pipe``;
* full, 1 process: cxaudit's pipeline + ``turn_tuples`` for every doc (the analysis's row builder);
* full, 2 processes: the analysis without codebooks through ``cxaudit.run.engine.process`` (workers
  build their pipeline once, return tables), with and without the worker start-up (measured
  separately on a tiny input);
* ``cxaudit.analyze()`` without codebooks end to end in one process (adds the tables and their
  validation);
* analysis + clue tagging as ``cxaudit run`` does it (``cxaudit.run.engine.process_batch``, codebooks
  carbone-clues + touchpoints, tables built): 1 process, and ``--workers`` processes through
  ``cxaudit.run.engine.process`` (start-up measured separately), on the generated corpus (dense in clue
  words) and on the sample audit's comments repeated to the same size (about 1.3 tags per sentence);
  the bare pass is also timed with cxaudit's cached lookup lemmatizer (same lemmas, cheaper), the
  stricter reference;

words/s by wall clock and by CPU time, the ratios, peak RSS of this process, and the load
average (other engineers share the machine's cores). Writes
``benchmarks/results/language_speed.json``. Run small with ``--words 200000``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _corpus import make_comments, word_count  # noqa: E402
from _measure import write_json  # noqa: E402


def corpus(n_words: int, seed: int = 2026) -> list[str]:
    """Comments from the generator until at least ``n_words`` words."""
    texts: list[str] = []
    total, chunk = 0, 0
    while total < n_words:
        batch = list(make_comments(max(1000, (n_words - total) // 25), seed + chunk)["text"])
        chunk += 1
        for t in batch:
            texts.append(t)
            total += len(t.split())
            if total >= n_words:
                break
    return texts


def timed(fn):
    """(result, wall seconds, CPU seconds of this process)."""
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


def bare_pipeline(*, cached: bool = False):
    import spacy

    import cxaudit.nlp  # noqa: F401  (registers cx_lemmatizer)

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("cx_lemmatizer" if cached else "lemmatizer", name="lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp


def sample_corpus(n_words: int) -> list[str] | None:
    """The sample audit's comments repeated until ``n_words`` words (None when the file is absent)."""
    import pandas as pd

    path = ROOT / "data" / "sample" / "comments.csv"
    if not path.exists():
        return None
    base = pd.read_csv(path)["comment"].dropna().astype(str).tolist()
    out, total = [], 0
    while total < n_words:
        for t in base:
            out.append(t)
            total += len(t.split())
            if total >= n_words:
                break
    return out


def tagging_figures(texts: list[str], words: int, bs: int, workers: int, label: str) -> dict:
    """Analysis + tagging (``process_batch``) vs the bare passes on ``texts``: CPU words/s and ratios,
    and (for workers > 1) the wall-clock speed-up of ``engine.process`` over one process."""
    import pandas as pd

    from cxaudit.run.engine import PipelineSpec, batches, build, process, process_batch

    for cached in (False, True):
        nlp = bare_pipeline(cached=cached)
        for _ in nlp.pipe(texts[:500]):
            pass
        _, _, cpu = timed(lambda: sum(1 for _ in nlp.pipe(texts, batch_size=bs)))
        if cached:
            bare_cached_cpu = cpu
        else:
            bare_cpu = cpu
        del nlp
    turns = pd.DataFrame({"doc_id": [f"d{i}" for i in range(len(texts))], "turn_id": 0,
                          "role": "participant", "text": texts})
    spec = PipelineSpec(model="blank", codebooks=("carbone-clues", "touchpoints"))
    build(spec)
    process_batch(turns.iloc[:500], spec)  # warm up
    counts, tag_wall, tag_cpu = timed(lambda: [(len(t.sentences), len(t.tags)) for t in
                                                (process_batch(c, spec) for c in batches(turns, bs))])
    n_sent, n_tags = sum(c[0] for c in counts), sum(c[1] for c in counts)
    out = {
        f"{label}_sentences": n_sent, f"{label}_tags": n_tags,
        f"{label}_tags_per_sentence": round(n_tags / max(1, n_sent), 2),
        f"{label}_bare_words_per_cpu_s": round(words / bare_cpu),
        f"{label}_bare_cached_lemmatizer_words_per_cpu_s": round(words / bare_cached_cpu),
        f"{label}_full_tagging_1proc_words_per_s": round(words / tag_wall),
        f"{label}_full_tagging_1proc_words_per_cpu_s": round(words / tag_cpu),
        f"{label}_ratio_full_tagging_to_bare_cpu": round(bare_cpu / tag_cpu, 3),
        f"{label}_ratio_full_tagging_to_bare_cached_lemmatizer_cpu": round(bare_cached_cpu / tag_cpu, 3),
    }
    if workers > 1:
        tiny = turns.iloc[:workers]
        _, startup, _ = timed(lambda: list(process(tiny, spec, workers=workers, batch_size=1)))
        n_par, par_wall, _ = timed(lambda: sum(len(t.tags) for t in process(turns, spec, workers=workers, batch_size=bs)))
        assert n_par == n_tags, (n_par, n_tags)
        out[f"{label}_full_tagging_{workers}proc_words_per_s"] = round(words / par_wall)
        out[f"{label}_speedup_{workers}proc_vs_1proc"] = round(tag_wall / par_wall, 3)
        out[f"{label}_speedup_{workers}proc_vs_1proc_excluding_startup"] = round(tag_wall / max(1e-9, par_wall - startup), 3)
        out[f"{label}_worker_startup_s"] = round(startup, 2)
    return out




def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--words", type=int, default=2_000_000, help="corpus size in words (default 2,000,000)")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-analyze", action="store_true", help="skip the analyze() end-to-end run")
    parser.add_argument("--skip-tagging", action="store_true", help="skip the analysis + tagging figures")
    args = parser.parse_args(argv)

    import pandas as pd

    from cxaudit.nlp import build_pipeline
    from cxaudit.nlp.analyze import turn_tuples
    from cxaudit.run.analysis import analyze
    from cxaudit.run.engine import PipelineSpec, process

    load_before = os.getloadavg()
    texts = corpus(args.words)
    words = word_count(texts)
    print(f"corpus: {len(texts):,} comments, {words:,} words; load average {load_before[0]:.2f} (cores: {os.cpu_count()})")
    bs = args.batch_size

    bare = bare_pipeline()
    _, bare_wall, bare_cpu = timed(lambda: sum(1 for _ in bare.pipe(texts, batch_size=bs)))
    del bare

    full = build_pipeline("blank")

    def rows_of_all() -> list[tuple]:
        rows: list[tuple] = []
        feels: list[tuple] = []
        for doc, (doc_id, text) in full.pipe(((t, (f"d{i}", t)) for i, t in enumerate(texts)), as_tuples=True,
                                             batch_size=bs):
            rows.extend(turn_tuples(doc, doc_id, 0, feels, text=text))
        return rows

    rows, full_wall, full_cpu = timed(rows_of_all)
    n_sentences = len(rows)
    del rows

    turns = pd.DataFrame({"doc_id": [f"d{i}" for i in range(len(texts))], "turn_id": 0,
                          "role": "participant", "text": texts})
    no_codebooks = PipelineSpec(model="blank", codebooks=())

    def run_parallel(frame) -> int:
        return sum(len(t.sentences) for t in process(frame, no_codebooks, workers=args.workers, batch_size=bs))

    _, startup_wall, _ = timed(lambda: run_parallel(turns.iloc[:args.workers]))
    n_par, par_wall, _ = timed(lambda: run_parallel(turns))
    assert n_par == n_sentences, (n_par, n_sentences)
    steady_wall = max(1e-9, par_wall - startup_wall)

    result: dict = {
        "generated": time.strftime("%Y-%m-%d %H:%M:%S"), "words": words, "comments": len(texts),
        "sentences": n_sentences, "batch_size": bs, "workers": args.workers, "cpu_count": os.cpu_count(),
        "bare_words_per_s": round(words / bare_wall), "bare_words_per_cpu_s": round(words / bare_cpu),
        "full_1proc_words_per_s": round(words / full_wall), "full_1proc_words_per_cpu_s": round(words / full_cpu),
        f"full_{args.workers}proc_words_per_s": round(words / par_wall),
        "ratio_full_to_bare_wall": round(bare_wall / full_wall, 3),
        "ratio_full_to_bare_cpu": round(bare_cpu / full_cpu, 3),
        f"speedup_{args.workers}proc_vs_1proc": round(full_wall / par_wall, 3),
        "worker_startup_s": round(startup_wall, 2),
        f"speedup_{args.workers}proc_vs_1proc_excluding_startup": round(full_wall / steady_wall, 3),
    }
    if not args.skip_analyze:
        _, an_wall, _ = timed(lambda: analyze(turns, (), model="blank", batch_size=bs))
        result["analyze_1proc_words_per_s"] = round(words / an_wall)
    if not args.skip_tagging:
        result.update(tagging_figures(texts, words, bs, args.workers, "generated"))
        real = sample_corpus(words)
        if real is None:
            print("sample corpus skipped: data/sample/comments.csv is absent")
        else:
            result.update(tagging_figures(real, word_count(real), bs, args.workers, "sample"))
    result["peak_rss_mb_parent"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    # the workers are children of the pool's fork server, not of this process: their peak is not in
    # RUSAGE_CHILDREN (bench_scale.py samples every process of a run)
    result["load_average_before"] = [round(x, 2) for x in load_before]
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]

    print(f"{'pass':<34}{'words/s (wall)':>16}{'words/CPU-s':>14}")
    print(f"{'bare blank+sentencizer+lemmatizer':<34}{result['bare_words_per_s']:>16,}{result['bare_words_per_cpu_s']:>14,}")
    print(f"{'full cxaudit, 1 process':<34}{result['full_1proc_words_per_s']:>16,}{result['full_1proc_words_per_cpu_s']:>14,}")
    print(f"{f'full cxaudit, {args.workers} processes':<34}{result[f'full_{args.workers}proc_words_per_s']:>16,}")
    if "analyze_1proc_words_per_s" in result:
        print(f"{'analyze() end to end, 1 process':<34}{result['analyze_1proc_words_per_s']:>16,}")
    print(f"full/bare: {result['ratio_full_to_bare_wall']:.2f} (wall), {result['ratio_full_to_bare_cpu']:.2f} (CPU)  [goal >= 0.40]")
    print(f"{args.workers} processes vs 1: {result[f'speedup_{args.workers}proc_vs_1proc']:.2f}x including worker start-up "
          f"({startup_wall:.1f} s), {result[f'speedup_{args.workers}proc_vs_1proc_excluding_startup']:.2f}x excluding it  [goal >= 1.7]")
    print(f"peak RSS: parent {result['peak_rss_mb_parent']} MB; "
          f"load average after {result['load_average_after'][0]:.2f}")
    for label in ("generated", "sample"):
        if f"{label}_ratio_full_tagging_to_bare_cpu" in result:
            line = (f"analysis + tagging ({label}, {result[f'{label}_tags_per_sentence']} tags/sentence): "
                    f"{result[f'{label}_full_tagging_1proc_words_per_cpu_s']:,} words/CPU-s; vs bare "
                    f"{result[f'{label}_ratio_full_tagging_to_bare_cpu']:.2f}, vs bare with cached lemmatizer "
                    f"{result[f'{label}_ratio_full_tagging_to_bare_cached_lemmatizer_cpu']:.2f}  [goal >= 0.40]")
            if f"{label}_speedup_{args.workers}proc_vs_1proc" in result:
                line += (f"; {args.workers} processes vs 1: {result[f'{label}_speedup_{args.workers}proc_vs_1proc']:.2f}x "
                         f"({result[f'{label}_speedup_{args.workers}proc_vs_1proc_excluding_startup']:.2f}x excluding start-up)")
            print(line)
    out = ROOT / "benchmarks" / "results" / "language_speed.json"
    write_json(out, result)
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
