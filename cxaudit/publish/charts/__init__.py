"""Every chart of cxaudit in one place.

``plots``: the matplotlib/seaborn figures of notebooks and the report (``cxaudit.plots``);
``png``: those figures rendered for the dashboard and the report, with their help texts;
``html``: the charts the dashboard draws as HTML; ``heatmap``: the clickable clue-map widget;
``palette``: the colours all of them share.
"""
