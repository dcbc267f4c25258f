"""Job names of the SageMaker launcher: always valid for SageMaker, unique within a sweep."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tunelab.core.backends.sagemaker.naming import (
    MAX_JOB_NAME_LENGTH,
    is_valid_job_name,
    sanitize,
    sweep_job_name,
    sweep_stamp,
)

texts = st.text(max_size=120)


@given(prefix=texts, study=texts, stamp=texts, indices=st.sets(st.integers(0, 10**6), max_size=8))
def test_names_are_valid_and_unique(prefix: str, study: str, stamp: str, indices: set[int]) -> None:
    names = {sweep_job_name(prefix=prefix, study=study, stamp=stamp, index=i) for i in indices}
    assert len(names) == len(indices)
    for name in names:
        assert len(name) <= MAX_JOB_NAME_LENGTH
        assert is_valid_job_name(name), name


def test_a_typical_name_keeps_its_parts_and_a_long_study_is_cut() -> None:
    stamp = sweep_stamp(datetime(2026, 11, 28, 9, 30, 5, tzinfo=timezone.utc), token="ab12")
    assert stamp == "261128-093005-ab12"
    name = sweep_job_name(prefix="tunelab", study="my_paper.v2", stamp=stamp, index=7)
    assert name == "tunelab-my-paper-v2-261128-093005-ab12-7"
    long = sweep_job_name(prefix="tunelab", study="x" * 100, stamp=stamp, index=12)
    assert len(long) == MAX_JOB_NAME_LENGTH
    assert long.startswith("tunelab-xxx") and long.endswith("-261128-093005-ab12-12")


def test_sanitize_and_validity_checks() -> None:
    assert sanitize("__a b//c--") == "a-b-c"
    assert not is_valid_job_name("-starts-with-dash")
    assert not is_valid_job_name("a" * 64)
    assert not is_valid_job_name("under_score")
    with pytest.raises(ValueError, match="job index -1"):
        sweep_job_name(prefix="p", study="s", stamp="t", index=-1)
