"""`BuiltinSearcher`: a constructor's `**options` are spelled out in its signature, so
that the method presets, Hydra and `help` see every option with its default."""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypedDict

import pytest

from tunelab.core.searchers import (
    BORESearcher,
    CQRSearcher,
    KDESearcher,
    RandomSearcher,
    RegularizedEvolutionSearcher,
)
from tunelab.core.searchers._base import BuiltinSearcher, SearcherOptions
from tunelab.core.searchers._sklearn import SklearnOptions
from tunelab.core.space import uniform
from tunelab.core.trial import Config

if TYPE_CHECKING:
    from typing_extensions import Unpack


class Restricted(TypedDict, total=False):
    restrict_to: Sequence[Config] | None


class Wide(TypedDict, total=False):
    width: int


SHARED = {"points_to_evaluate": None, "restrict_to": None, "seed": None}
SKLEARN = {"num_candidates": 500, "random_fraction": 0.1, **SHARED}


@pytest.mark.parametrize(
    ("searcher", "expected"),
    [
        (RandomSearcher, SHARED),
        (RegularizedEvolutionSearcher, {"population_size": 100, "sample_size": 10, **SHARED}),
        (BORESearcher, {"gamma": 0.25, "classifier": "hgb", "num_init_random": 6, **SKLEARN}),
        (
            CQRSearcher,
            {"num_quantiles": 4, "acquisition": "thompson", "num_init_random": 10, **SKLEARN},
        ),
        (
            KDESearcher,
            {
                "top_fraction": 0.15,
                "min_bandwidth": 1e-3,
                "num_candidates": 64,
                "random_fraction": 1 / 3,
                "bandwidth_factor": 3.0,
                "num_min_data_points": None,
                **SHARED,
            },
        ),
    ],
)
def test_the_signature_lists_every_option_with_its_default(
    searcher: type[BuiltinSearcher], expected: dict[str, Any]
) -> None:
    config_space, *options = inspect.signature(searcher).parameters.values()
    assert config_space.name == "config_space"
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in options)
    assert {p.name: p.default for p in options} == expected


@pytest.mark.parametrize(
    ("searcher", "passed_on"),
    [
        (RandomSearcher, SearcherOptions),
        (RegularizedEvolutionSearcher, SearcherOptions),
        (KDESearcher, SearcherOptions),
        (BORESearcher, SklearnOptions),
        (CQRSearcher, SklearnOptions),
    ],
)
def test_the_typed_options_are_the_inherited_ones(searcher: type, passed_on: Any) -> None:
    code = vars(searcher)["__init__"].__code__
    declared = set(code.co_varnames[: code.co_argcount + code.co_kwonlyargcount])
    inherited = set(inspect.signature(searcher).parameters) - declared
    assert inherited == set(passed_on.__optional_keys__)


def test_a_subclass_passing_options_on_inherits_them() -> None:
    class Stepped(RandomSearcher):
        def __init__(
            self, config_space: dict[str, Any], *, step: int = 2, **options: Unpack[SearcherOptions]
        ) -> None:
            super().__init__(config_space, **options)
            self.step = step

    assert list(inspect.signature(Stepped).parameters) == ["config_space", "step", *SHARED]
    searcher = Stepped({"x": uniform(0.0, 1.0)}, seed=3)
    assert searcher.seed == 3 and searcher.step == 2


def test_an_option_the_subclass_fixes_is_not_inherited() -> None:
    class Unseeded(RandomSearcher):
        def __init__(self, config_space: dict[str, Any], **options: Unpack[Restricted]) -> None:
            super().__init__(config_space, seed=7, **options)

    assert list(inspect.signature(Unseeded).parameters) == ["config_space", "restrict_to"]
    assert Unseeded({"x": uniform(0.0, 1.0)}).seed == 7


def test_options_the_base_does_not_take_are_refused() -> None:
    with pytest.raises(TypeError, match=r"Widened: the base constructor takes no \['width'\]"):

        class Widened(RandomSearcher):
            def __init__(self, config_space: dict[str, Any], **options: Unpack[Wide]) -> None:
                super().__init__(config_space)


def test_other_keyword_arguments_leave_the_signature_as_written() -> None:
    class Plain(RandomSearcher):
        def __init__(self, config_space: dict[str, Any], **kwargs: Any) -> None:
            super().__init__(config_space, **kwargs)

    assert list(inspect.signature(Plain).parameters) == ["config_space", "kwargs"]
