"""Ingest throughput on a generated corpus: transcripts (txt/vtt/srt) and a comments CSV.

    /work/main/.venv/bin/python benchmarks/bench_ingest.py [--transcripts 1200] [--comments 100000] [--seed 7] [--repeat 3]

Generates (deterministically from the seed, in a temporary folder) a corpus of
interview transcripts in the three text formats and one comments CSV, runs
``cxaudit.ingest.ingest`` on each (the CSV goes through the columnar comment
path, ``tables.read_comment_frames``), prints files/s, MB/s and comments/s,
and writes the figures to benchmarks/results/ingest.json (atomically). Each
figure is the best of ``--repeat`` runs, wall clock and CPU time both: the
machine's 2 cores are shared, so the load average is recorded with them.
Generation time is not counted. Uses no external data.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cxaudit.ingest import InputSpec, ingest  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "ingest.json"

_NAMES = ["Maria Lopez", "Tom Okafor", "Aisha Rahman", "Jakub Nowak", "Grace Chen", "Sam Patel", "Helen Price", "Ryan Murphy"]
_THINGS = ["the app", "the branch", "my card", "the statement", "the adviser", "the chat bot", "the queue", "the fees",
           "the website", "the overdraft", "the mortgage offer", "customer services", "the cash machine", "the letter"]
_VERBS = ["was slow", "crashed twice", "was really helpful", "took three weeks", "never called back", "was confusing",
          "felt rushed", "was friendly", "charged me twice", "was easy to use", "went missing", "was out of order"]
_FILLERS = ["Honestly,", "To be fair,", "I mean,", "So,", "And then", "Basically,", "Well,", ""]
_QUESTIONS = ["How was {t}?", "What happened with {t}?", "Can you tell me more about {t}?", "Why do you think {t} {v}?",
              "How did that make you feel?", "And what did you do next?"]


def _sentence(rng: random.Random) -> str:
    return f"{rng.choice(_FILLERS)} {rng.choice(_THINGS)} {rng.choice(_VERBS)}.".strip().capitalize()


def _turns(rng: random.Random) -> list[tuple[str, str]]:
    """An interview: alternating interviewer questions and participant answers."""
    who = rng.choice(_NAMES)
    out = []
    for _ in range(rng.randint(12, 24)):
        out.append(("Interviewer", rng.choice(_QUESTIONS).format(t=rng.choice(_THINGS), v=rng.choice(_VERBS))))
        out.append((who, " ".join(_sentence(rng) for _ in range(rng.randint(1, 6)))))
    return out


def _hms(seconds: float, sep: str) -> str:
    ms = int(round(seconds * 1000))
    s, ms = divmod(ms, 1000)
    h, s = divmod(s, 3600)
    m, s = divmod(s, 60)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def _as_txt(turns, rng) -> str:
    if rng.random() < 0.5:
        return "\n".join(f"{spk}: {text}" for spk, text in turns) + "\n"
    t, lines = 0.0, []
    for spk, text in turns:
        lines.append(f"[{_hms(t, '.')[:8]}] {spk}: {text}")
        t += 2 + len(text) / 15
    return "\n".join(lines) + "\n"


def _cues(turns):
    t = 0.0
    for spk, text in turns:
        d = 1 + len(text) / 15
        yield t, t + d, spk, text
        t += d + 0.4


def _as_vtt(turns, rng) -> str:
    blocks = ["WEBVTT"]
    for i, (a, b, spk, text) in enumerate(_cues(turns), start=1):
        blocks.append(f"{i}\n{_hms(a, '.')} --> {_hms(b, '.')}\n<v {spk}>{text}</v>")
    return "\n\n".join(blocks) + "\n"


def _as_srt(turns, rng) -> str:
    blocks = [f"{i}\n{_hms(a, ',')} --> {_hms(b, ',')}\n{spk}: {text}" for i, (a, b, spk, text) in enumerate(_cues(turns), start=1)]
    return "\n\n".join(blocks) + "\n"


def make_transcripts(folder: Path, n: int, seed: int) -> int:
    """Write ``n`` transcripts (txt, vtt, srt in turn) under ``folder``; return their total size in bytes."""
    rng = random.Random(seed)
    writers = [(".txt", _as_txt), (".vtt", _as_vtt), (".srt", _as_srt)]
    total = 0
    for i in range(n):
        suffix, writer = writers[i % 3]
        path = folder / f"batch{i // 100:02d}" / f"t{i:05d}{suffix}"
        path.parent.mkdir(parents=True, exist_ok=True)
        total += path.write_text(writer(_turns(rng), rng), encoding="utf-8")
    return total


def make_comments(path: Path, n: int, seed: int) -> int:
    """Write a comments CSV of ``n`` rows (id, comment, nps, segment, channel); return its size in bytes."""
    rng = random.Random(seed + 1)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["response_id", "comment", "nps", "segment", "channel"])
        for i in range(n):
            text = " ".join(_sentence(rng) for _ in range(rng.randint(1, 4)))
            w.writerow([f"R{i:07d}", text, rng.randint(0, 10), rng.choice(["gold", "silver", "new"]), rng.choice(["app", "web", "branch"])])
    return path.stat().st_size


def _write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".ingest-", suffix=".json")
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh, indent=2)
        fh.write("\n")
    os.replace(tmp, path)


def _best(read, repeat: int):
    """(result, best wall seconds, best CPU seconds) of ``repeat`` calls of ``read()``."""
    walls, cpus = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        result = read()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return result, min(walls), min(cpus)


def run(n_transcripts: int, n_comments: int, seed: int, *, repeat: int = 1) -> dict:
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="cxaudit-bench-ingest-") as tmp:
        root = Path(tmp)
        t_bytes = make_transcripts(root / "interviews", n_transcripts, seed)
        c_bytes = make_comments(root / "comments.csv", n_comments, seed)
        tr, t_secs, t_cpu = _best(lambda: ingest([InputSpec(path="interviews", base_dir=tmp)]), repeat)
        comments = InputSpec(path="comments.csv", base_dir=tmp, kind="comment", text_column="comment",
                             id_column="response_id", score_column="nps", meta_columns=["segment", "channel"])
        cr, c_secs, c_cpu = _best(lambda: ingest([comments]), repeat)
    if len(tr.documents) != n_transcripts or len(cr.documents) != n_comments or len(tr.rejected) or len(cr.rejected):
        raise SystemExit(f"benchmark corpus not read completely: {len(tr.documents)} transcripts, {len(cr.documents)} comments, "
                         f"{len(tr.rejected) + len(cr.rejected)} rejected")
    return {
        "seed": seed,
        "repeat": repeat,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average_1min_before": round(load_before, 2),
                    "load_average_1min": round(os.getloadavg()[0], 2),
                    "note": "2 cores shared with other engineers working in parallel: figures are contended"},
        "transcripts": {"files": n_transcripts, "mb": round(t_bytes / 1e6, 3), "turns": len(tr.turns),
                        "seconds": round(t_secs, 3), "cpu_seconds": round(t_cpu, 3),
                        "files_per_s": round(n_transcripts / t_secs, 1),
                        "mb_per_s": round(t_bytes / 1e6 / t_secs, 3)},
        "comments": {"rows": n_comments, "mb": round(c_bytes / 1e6, 3), "seconds": round(c_secs, 3),
                     "cpu_seconds": round(c_cpu, 3), "comments_per_s": round(n_comments / c_secs, 1),
                     "comments_per_cpu_s": round(n_comments / c_cpu, 1), "mb_per_s": round(c_bytes / 1e6 / c_secs, 3)},
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transcripts", type=int, default=1200)
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each ingest; the best is reported")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    result = run(args.transcripts, args.comments, args.seed, repeat=args.repeat)
    t, c = result["transcripts"], result["comments"]
    print(f"transcripts: {t['files']} files, {t['mb']} MB, {t['turns']} turns in {t['seconds']} s -> "
          f"{t['files_per_s']} files/s, {t['mb_per_s']} MB/s")
    print(f"comments:    {c['rows']} rows, {c['mb']} MB in {c['seconds']} s ({c['cpu_seconds']} s CPU) -> "
          f"{c['comments_per_s']} comments/s, {c['mb_per_s']} MB/s")
    print(f"load average (1 min): {result['machine']['load_average_1min_before']} before, {result['machine']['load_average_1min']} after")
    _write_json(args.out, result)
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
