"""Unit tests of the domain factories: arguments, values, casting, grids, midpoints."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from tunelab.core.space import (
    Categorical,
    Domain,
    FiniteRange,
    Float,
    Integer,
    Ordinal,
    choice,
    finrange,
    logfinrange,
    logordinal,
    lograndint,
    loguniform,
    ordinal,
    randint,
    uniform,
)

# --- construction and argument errors ------------------------------------------------


def test_factories_build_the_documented_classes() -> None:
    assert isinstance(uniform(0, 1), Float)
    assert isinstance(loguniform(1e-3, 1), Float)
    assert isinstance(randint(0, 3), Integer)
    assert isinstance(lograndint(1, 8), Integer)
    assert isinstance(choice(["a"]), Categorical)
    assert isinstance(ordinal([1, 2]), Ordinal)
    assert isinstance(logordinal([1, 2]), Ordinal)
    assert isinstance(finrange(0, 1, 3), FiniteRange)
    assert isinstance(logfinrange(1, 4, 3), FiniteRange)
    assert all(issubclass(c, Domain) for c in (Float, Integer, Categorical, Ordinal, FiniteRange))


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: loguniform(-1, 1), r"loguniform: lower must be > 0, got -1\.0"),
        (lambda: uniform(2, 1), r"uniform: lower must be < upper, got lower=2\.0, upper=1\.0"),
        (lambda: uniform(1, 1), r"uniform: lower must be < upper"),
        (lambda: uniform(0, float("inf")), r"uniform: upper must be finite, got inf"),
        (lambda: randint(5, 3), r"randint: lower must be <= upper, got lower=5, upper=3"),
        (lambda: lograndint(0, 3), r"lograndint: lower must be >= 1, got 0"),
        (lambda: randint(0, 2**60), r"randint: \|upper\| must be <= 2\*\*53"),
        (lambda: choice([]), r"choice: categories must not be empty"),
        (lambda: choice(["a", "a"]), r"choice: duplicate category 'a'"),
        (lambda: choice([1, 1.0]), r"choice: duplicate category 1\.0"),
        (lambda: choice([float("nan")]), r"choice: categories must be finite, got nan"),
        (lambda: ordinal([1, 2], kind="bad"), r"ordinal: kind must be one of .*got 'bad'"),  # type: ignore[arg-type]
        (lambda: ordinal([3, 1], kind="nn"), r"ordinal: kind='nn' needs strictly increasing"),
        (lambda: logordinal([0, 1]), r"logordinal: kind='nn-log' needs positive values"),
        (lambda: logordinal(["a", "b"]), r"logordinal: kind='nn-log' needs strictly increasing"),
        (lambda: finrange(0, 1, 1), r"finrange: size must be >= 2, got 1"),
        (lambda: finrange(1, 0, 3), r"finrange: lower must be < upper"),
        (lambda: logfinrange(0, 1, 3), r"logfinrange: lower must be > 0, got 0\.0"),
        (lambda: finrange(0.5, 3, 3, cast_int=True), r"lower and upper must be integers"),
        (lambda: finrange(0, 2, 5, cast_int=True), r"finrange: the 5 values .* not distinct"),
    ],
)
def test_bad_arguments_raise_value_error_naming_them(build: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()  # type: ignore[operator]


@pytest.mark.parametrize(
    ("factory", "args", "message"),
    [
        (uniform, ("0", 1), r"uniform: lower must be a real number, got '0' \(str\)"),
        (uniform, (True, 2), r"uniform: lower must be a real number, got True"),
        (randint, (0.5, 2), r"randint: lower must be an integer, got 0\.5 \(float\)"),
        (choice, ("abc",), r"choice: categories must be a list, got 'abc'"),
        (choice, ([None],), r"choice: each category must be a str, int, float or bool"),
        (finrange, (0, 1, 2.5), r"finrange: size must be an integer, got 2\.5"),
    ],
)
def test_wrong_argument_types_raise_type_error(
    factory: Callable[..., Domain], args: tuple[Any, ...], message: str
) -> None:
    with pytest.raises(TypeError, match=message):
        factory(*args)


def test_integral_float_bounds_are_accepted_for_randint() -> None:
    assert randint(1.0, 3.0) == randint(1, 3)  # type: ignore[arg-type]


# --- repr, equality, log flag --------------------------------------------------------


@pytest.mark.parametrize(
    ("domain", "text"),
    [
        (uniform(0, 1), "uniform(0.0, 1.0)"),
        (loguniform(0.0001, 0.1), "loguniform(0.0001, 0.1)"),
        (randint(1, 10), "randint(1, 10)"),
        (lograndint(4, 1024), "lograndint(4, 1024)"),
        (choice(["relu", "tanh"]), "choice(['relu', 'tanh'])"),
        (ordinal(["s", "m", "l"]), "ordinal(['s', 'm', 'l'], kind='equal')"),
        (ordinal([1, 2, 5]), "ordinal([1, 2, 5], kind='nn')"),
        (logordinal([1, 10, 100]), "logordinal([1, 10, 100])"),
        (finrange(0.5, 1.5, 3), "finrange(0.5, 1.5, 3)"),
        (logfinrange(8, 256, 6, cast_int=True), "logfinrange(8, 256, 6, cast_int=True)"),
    ],
)
def test_repr_is_the_factory_call(domain: Domain, text: str) -> None:
    assert repr(domain) == text


def test_equality_and_hash() -> None:
    assert uniform(0, 1) == uniform(0.0, 1.0)
    assert hash(uniform(0, 1)) == hash(uniform(0.0, 1.0))
    assert uniform(0, 1) != loguniform(0.5, 1)
    assert uniform(1, 2) != randint(1, 2)
    assert choice([1, 2]) != choice([1.0, 2.0])
    assert ordinal([1, 2]) != ordinal([1, 2], kind="equal")
    assert finrange(1, 4, 4) != finrange(1, 4, 4, cast_int=True)
    assert len({choice(["a", "b"]), choice(["a", "b"]), choice(["b", "a"])}) == 2
    assert uniform(0, 1) != "uniform(0.0, 1.0)"


def test_log_flags() -> None:
    logs: list[Domain] = [
        loguniform(1, 2),
        lograndint(1, 2),
        logfinrange(1, 2, 2),
        logordinal([1, 2]),
    ]
    assert all(d.log for d in logs)
    linear: list[Domain] = [
        uniform(1, 2),
        randint(1, 2),
        finrange(1, 2, 2),
        ordinal([1, 2]),
        choice(["a"]),
    ]
    assert not any(d.log for d in linear)


def test_ordinal_auto_kind_resolution() -> None:
    assert ordinal([1, 2.5, 10]).kind == "nn"
    assert ordinal([3, 2, 1]).kind == "equal"
    assert ordinal(["a", "b"]).kind == "equal"
    assert ordinal([True, False]).kind == "equal"
    assert logordinal([1, 2]).kind == "nn-log"


# --- values, size, grid, midpoint ----------------------------------------------------


def test_values_and_size() -> None:
    assert uniform(0, 1).values() is None
    assert uniform(0, 1).size is None
    assert randint(-2, 2).values() == [-2, -1, 0, 1, 2]
    assert randint(-2, 2).size == 5
    assert randint(3, 3).values() == [3]
    assert choice(["a", 1, 2.5, False]).size == 4
    assert finrange(0.5, 1.5, 3).values() == [0.5, 1.0, 1.5]
    assert finrange(0.1, 1.0, 10).values() == [round(0.1 * i, 1) for i in range(1, 11)]
    assert logfinrange(8, 256, 6).values() == [8.0, 16.0, 32.0, 64.0, 128.0, 256.0]
    ints = logfinrange(8, 256, 6, cast_int=True).values()
    assert ints == [8, 16, 32, 64, 128, 256]
    assert all(type(v) is int for v in ints)
    assert all(type(v) is float for v in finrange(0, 4, 5).values())


def test_float_grid_is_evenly_spaced_in_its_scale() -> None:
    assert uniform(0, 1).grid(5) == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert loguniform(1e-3, 1).grid(4) == pytest.approx([1e-3, 1e-2, 1e-1, 1.0])
    assert loguniform(1e-3, 1).grid(4)[0] == 1e-3
    assert uniform(0, 1).grid(1) == [0.5]


def test_integer_grid() -> None:
    assert randint(0, 100).grid(5) == [0, 25, 50, 75, 100]
    assert randint(0, 3).grid(10) == [0, 1, 2, 3]
    assert lograndint(1, 1000).grid(4) == [1, 10, 100, 1000]
    assert lograndint(1, 16).grid(8) == list(dict.fromkeys(lograndint(1, 16).grid(8)))


def test_finite_grids() -> None:
    assert finrange(0, 10, 11).grid(3) == [0.0, 5.0, 10.0]
    assert finrange(0, 10, 11).grid(20) == finrange(0, 10, 11).values()
    assert choice(["a", "b", "c"]).grid(1) == ["a", "b", "c"]
    assert ordinal([1, 2, 3, 4]).grid(2) == [1, 2, 3, 4]


def test_grid_rejects_bad_counts() -> None:
    with pytest.raises(ValueError, match=r"grid: n must be >= 1, got 0"):
        uniform(0, 1).grid(0)
    with pytest.raises(TypeError, match=r"grid: n must be an integer, got 2\.0"):
        randint(0, 1).grid(2.0)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("domain", "middle"),
    [
        (uniform(0, 10), 5.0),
        (loguniform(1e-4, 1), pytest.approx(1e-2)),
        (randint(0, 10), 5),
        (randint(1, 4), 2),
        (lograndint(1, 1024), 32),
        (choice(["b", "a", "c"]), "b"),
        (ordinal(["s", "m", "l"]), "m"),
        (ordinal([1, 2, 3, 4]), 2),
        (logordinal([1, 10, 1000, 10000, 100000]), 1000),
        (finrange(0, 1, 5), 0.5),
        (logfinrange(8, 256, 6, cast_int=True), 32),
    ],
)
def test_midpoint(domain: Domain, middle: object) -> None:
    assert domain.midpoint() == middle
    assert domain.is_valid(domain.midpoint())


# --- casting -------------------------------------------------------------------------


def test_integer_cast() -> None:
    domain = randint(1, 10)
    assert domain.cast("3") == 3
    assert type(domain.cast(3.0)) is int
    assert domain.cast(np.int64(7)) == 7
    with pytest.raises(ValueError, match=r"3\.5 is not a valid value of randint\(1, 10\)"):
        domain.cast(3.5)
    with pytest.raises(ValueError, match=r"11 is not a valid value of randint\(1, 10\).*\[1, 10\]"):
        domain.cast(11)
    with pytest.raises(ValueError, match=r"'x' is not a valid value"):
        domain.cast("x")
    with pytest.raises(ValueError, match=r"True is not a valid value"):
        domain.cast(True)


def test_float_cast() -> None:
    domain = uniform(0, 1)
    assert domain.cast("0.25") == 0.25
    assert type(domain.cast(1)) is float
    assert domain.cast(np.float32(0.5)) == 0.5
    assert domain.cast(1 + 1e-12) == 1.0  # round-off just outside is clipped
    with pytest.raises(ValueError, match=r"1\.5 is not a valid value of uniform\(0\.0, 1\.0\)"):
        domain.cast(1.5)
    with pytest.raises(ValueError, match=r"nan is not a valid value"):
        domain.cast(float("nan"))
    with pytest.raises(ValueError, match=r"None is not a valid value"):
        domain.cast(None)


def test_finite_cast_returns_the_member() -> None:
    assert type(choice([1.0, 2.0]).cast(1)) is float
    assert choice([1, 2]).cast("2") == 2
    assert choice(["a", "b"]).cast("b") == "b"
    assert choice([True, False]).cast("False") is False
    assert finrange(0.1, 1.0, 10).cast(0.1 + 0.2) == 0.3
    assert logfinrange(8, 256, 6, cast_int=True).cast(64.0) == 64
    assert ordinal([1, 2, 5]).cast(np.int32(5)) == 5
    with pytest.raises(ValueError, match=r"'c' is not a valid value of choice\(\['a', 'b'\]\)"):
        choice(["a", "b"]).cast("c")
    with pytest.raises(ValueError, match=r"1 is not a valid value of choice\(\[True, False\]\)"):
        choice([True, False]).cast(1)
    with pytest.raises(ValueError, match=r"0\.35 is not a valid value of finrange"):
        finrange(0.1, 1.0, 10).cast(0.35)


def test_is_valid() -> None:
    assert randint(1, 3).is_valid(2)
    assert not randint(1, 3).is_valid(4)
    assert not choice(["a"]).is_valid(["a"])
    assert loguniform(1, 10).is_valid(5.5)


# --- sampling ------------------------------------------------------------------------


def test_sample_many_is_reproducible_and_plain_python() -> None:
    for domain in (uniform(0, 1), lograndint(1, 100), choice(["a", 2]), logordinal([1, 3, 9])):
        first = domain.sample_many(np.random.default_rng(7), 20)
        assert first == domain.sample_many(np.random.default_rng(7), 20)
        assert all(type(v) in (int, float, str, bool) for v in first)
    assert uniform(0, 1).sample_many(np.random.default_rng(0), 0) == []
    with pytest.raises(ValueError, match=r"sample_many: n must be >= 0, got -1"):
        uniform(0, 1).sample_many(np.random.default_rng(0), -1)


def test_randint_includes_both_ends() -> None:
    samples = set(randint(0, 2).sample_many(np.random.default_rng(1), 200))
    assert samples == {0, 1, 2}
    samples = set(lograndint(1, 3).sample_many(np.random.default_rng(1), 200))
    assert samples == {1, 2, 3}


def test_finite_sampling_covers_all_values_evenly() -> None:
    rng = np.random.default_rng(3)
    for domain in (choice(["a", "b", "c"]), ordinal(["x", "y", "z"]), finrange(0, 1, 3)):
        samples = domain.sample_many(rng, 3000)
        counts = [samples.count(v) for v in domain.values() or []]
        assert min(counts) > 850, (domain, counts)


# --- encoding specifics --------------------------------------------------------------


def test_categorical_is_one_hot_also_with_two_categories() -> None:
    domain = choice(["a", "b"])
    assert domain.encoded_dim == 2
    assert domain.encode("b").tolist() == [0.0, 1.0]
    assert domain.decode([0.2, 0.7]) == "b"
    assert domain.decode([0.5, 0.5]) == "a"


def test_integer_cells_have_equal_width() -> None:
    domain = randint(0, 3)  # relaxed to [-0.5, 3.5]: cells of width 0.25
    assert [domain.decode([x]) for x in (0.0, 0.24, 0.26, 0.49, 0.51, 0.99, 1.0)] == [
        0,
        0,
        1,
        1,
        2,
        3,
        3,
    ]
    assert domain.encode(0)[0] == pytest.approx(0.125)


def test_ordinal_encodings() -> None:
    equal = ordinal(["s", "m", "l", "xl"])
    assert [equal.encode(v)[0] for v in equal.values()] == [0.125, 0.375, 0.625, 0.875]
    nn = ordinal([0, 1, 10])
    assert nn.encode(1)[0] == pytest.approx(0.1)
    assert nn.decode([0.5]) == 1  # 5 is nearer to 1 than to 10
    assert nn.decode([0.6]) == 10
    log = logordinal([1, 10, 100])
    assert log.encode(10)[0] == pytest.approx(0.5)


def test_decode_checks_shape_and_nan() -> None:
    with pytest.raises(ValueError, match=r"expected an array of shape \(3,\), got shape \(2,\)"):
        choice(["a", "b", "c"]).decode([0.1, 0.2])
    with pytest.raises(ValueError, match=r"must not contain NaN"):
        uniform(0, 1).decode([float("nan")])
    assert uniform(0, 1).decode(0.5) == 0.5  # a scalar is fine for one-dimensional domains


def test_encode_rejects_non_members() -> None:
    with pytest.raises(ValueError, match=r"'c' is not a valid value of choice"):
        choice(["a", "b"]).encode("c")
    with pytest.raises(ValueError, match=r"2\.0 is not a valid value of loguniform"):
        loguniform(0.1, 1).encode(2.0)
