"""How report.py orders and groups methods whose labels carry a suffix."""

from __future__ import annotations

import pandas as pd

from tunelab.plotting.figures import method_styles
from tunelab.plotting.report import _groups, _method_order
from tunelab.plotting.run_settings import CHARGED_LABEL
from tunelab.plotting.settings import PlotSettings


def test_order_and_groups_follow_a_method_into_its_labelled_variants() -> None:
    charged = f"bo{CHARGED_LABEL}"
    curves = pd.DataFrame(
        {"method": ["asha [n_workers=1]", "asha [n_workers=4]", charged, "asha_bore", "rs"]}
    )
    settings = PlotSettings.from_dict(
        {"methods": {"order": ["bo", "asha"], "groups": {"bayes": ["bo"], "mf": ["asha"]}}}
    )
    order = _method_order(curves, settings)
    assert order == [charged, "asha [n_workers=1]", "asha [n_workers=4]", "asha_bore", "rs"]
    groups = _groups(settings, order)
    assert groups == {"bayes": [charged], "mf": ["asha [n_workers=1]", "asha [n_workers=4]"]}
    styles = method_styles(order, groups=groups)
    assert styles["asha [n_workers=1]"].linestyle == styles["asha [n_workers=4]"].linestyle
    assert len({(s.color, s.marker) for s in styles.values()}) == len(order)
