"""The publish stage: what stakeholders and other tools read from a results store.

``dashboard/`` (the Voila app and its queries), ``report`` (the static HTML report), ``export``
(CSV/Excel/Parquet), ``qdpx`` (REFI-QDA projects), ``charts/`` (every chart: matplotlib figures,
their PNGs, the HTML charts and the clue-map widget) and ``labels`` (the human labels all of them show).
Inside the stage: report, export and qdpx sit above dashboard, dashboard above charts, charts above
labels (pyproject.toml's second import-linter contract).
"""
