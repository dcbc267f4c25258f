"""Property-based tests: invariants of sampling, casting and encoding for every domain."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tunelab.core.space import (
    Categorical,
    Domain,
    Float,
    Integer,
    SpaceEncoder,
    choice,
    domain_from_json,
    finrange,
    logfinrange,
    logordinal,
    lograndint,
    loguniform,
    ordinal,
    randint,
    sample_config,
    uniform,
    validate_config,
)

PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
SEEDS = st.integers(0, 2**32 - 1)
PLAIN_TYPES = (bool, int, float, str)


@st.composite
def float_domains(draw: st.DrawFn) -> Domain:
    if draw(st.booleans()):
        lower = draw(st.floats(1e-8, 1e4))
        return loguniform(lower, lower * draw(st.floats(1.001, 1e6)))
    lower = draw(st.floats(-1e6, 1e6))
    upper = lower + draw(st.floats(1e-3, 1e6))
    assume(lower < upper)
    return uniform(lower, upper)


@st.composite
def int_domains(draw: st.DrawFn) -> Domain:
    if draw(st.booleans()):
        lower = draw(st.integers(1, 10**5))
        return lograndint(lower, lower + draw(st.integers(0, 10**6)))
    lower = draw(st.integers(-(10**9), 10**9))
    return randint(lower, lower + draw(st.integers(0, 10**9)))


def _equality_class(category: Any) -> Any:
    # choice() rejects categories equal under ==, such as 1, 1.0 and True.
    return category if isinstance(category, str) else float(category)


CATEGORY_LISTS = st.lists(
    st.one_of(
        st.text(max_size=4),
        st.integers(-100, 100),
        st.floats(-1e3, 1e3, allow_nan=False),
        st.booleans(),
    ),
    min_size=1,
    max_size=8,
    unique_by=_equality_class,
)


@st.composite
def ordinal_domains(draw: st.DrawFn) -> Domain:
    kind: Any = draw(st.sampled_from(["equal", "nn", "nn-log"]))
    if kind == "equal":
        return ordinal(draw(CATEGORY_LISTS), kind="equal")
    low = 1 if kind == "nn-log" else -1000
    steps = draw(st.lists(st.integers(low, 10**4), min_size=1, max_size=8, unique=True))
    scale = draw(st.sampled_from([1, 0.125, 1e-3]))
    values = sorted(v * scale if scale != 1 else v for v in steps)
    return ordinal(values, kind=kind)


@st.composite
def finrange_domains(draw: st.DrawFn) -> Domain:
    log, cast_int = draw(st.booleans()), draw(st.booleans())
    size = draw(st.integers(2, 40))
    lower: float
    upper: float
    if cast_int:
        lower = draw(st.integers(1 if log else -1000, 1000))
        upper = lower + draw(st.integers(size - 1, 10**5))
    else:
        lower = draw(st.floats(1e-6, 1e3)) if log else draw(st.floats(-1e3, 1e3))
        upper = lower * draw(st.floats(1.01, 1e4)) if log else lower + draw(st.floats(0.01, 1e4))
    build = logfinrange if log else finrange
    try:
        return build(lower, upper, size, cast_int=cast_int)
    except ValueError:  # cast_int rounding gave duplicate values
        assume(False)
        raise


DOMAINS = st.one_of(
    float_domains(),
    int_domains(),
    CATEGORY_LISTS.map(choice),
    ordinal_domains(),
    finrange_domains(),
)


def _same_member(domain: Domain, a: Any, b: Any) -> bool:
    if isinstance(domain, Float):
        width = domain.upper - domain.lower
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9 * width)
    return type(a) is type(b) and a == b


def _in_bounds(domain: Domain, value: Any) -> bool:
    if isinstance(domain, (Float, Integer)):
        inside: bool = domain.lower <= value <= domain.upper
        return inside
    return value in (domain.values() or [])


def _some_members(domain: Domain, rng: np.random.Generator) -> list[Any]:
    members = domain.sample_many(rng, 20) + domain.grid(7) + [domain.midpoint()]
    if domain.size is not None and domain.size <= 50:
        members += domain.values() or []
    return members


@PROPERTY_SETTINGS
@given(domain=DOMAINS, seed=SEEDS)
def test_samples_are_plain_valid_members(domain: Domain, seed: int) -> None:
    rng = np.random.default_rng(seed)
    for value in [domain.sample(rng), *domain.sample_many(rng, 30)]:
        assert type(value) in PLAIN_TYPES
        assert _in_bounds(domain, value)
        assert domain.is_valid(value)
        assert _same_member(domain, domain.cast(value), value)


@PROPERTY_SETTINGS
@given(domain=DOMAINS, seed=SEEDS)
def test_decode_inverts_encode(domain: Domain, seed: int) -> None:
    for value in _some_members(domain, np.random.default_rng(seed)):
        x = domain.encode(value)
        assert x.shape == (domain.encoded_dim,)
        assert np.all((x >= 0.0) & (x <= 1.0))
        assert _same_member(domain, domain.decode(x), value), (value, x)


@PROPERTY_SETTINGS
@given(domain=DOMAINS, seed=SEEDS)
def test_any_point_decodes_to_a_member(domain: Domain, seed: int) -> None:
    rng = np.random.default_rng(seed)
    points = rng.uniform(-0.5, 1.5, size=(20, domain.encoded_dim))
    corners = [np.zeros(domain.encoded_dim), np.ones(domain.encoded_dim)]
    for x in [*points, *corners, np.full(domain.encoded_dim, np.inf)]:
        value = domain.decode(x)
        assert type(value) in PLAIN_TYPES
        assert _in_bounds(domain, value)
        assert domain.is_valid(value)


@PROPERTY_SETTINGS
@given(domain=DOMAINS, n=st.integers(1, 12))
def test_grid_and_midpoint_are_members(domain: Domain, n: int) -> None:
    grid = domain.grid(n)
    assert grid, domain
    assert all(_in_bounds(domain, v) and domain.is_valid(v) for v in grid)
    if domain.size is None or domain.size > n:
        assert len(grid) <= max(n, domain.size or 0)
    assert len(set(map(repr, grid))) == len(grid)
    assert _in_bounds(domain, domain.midpoint())


@PROPERTY_SETTINGS
@given(domain=DOMAINS)
def test_json_round_trip(domain: Domain) -> None:
    text = json.dumps(domain.to_json(), allow_nan=False)
    restored = domain_from_json(json.loads(text))
    assert restored == domain
    assert repr(restored) == repr(domain)
    if domain.size is None or domain.size <= 100:
        assert restored.values() == domain.values()


def test_loguniform_samples_are_uniform_in_log_space() -> None:
    samples = np.array(loguniform(1e-4, 1.0).sample_many(np.random.default_rng(0), 20_000))
    counts, _ = np.histogram(np.log10(samples), bins=4, range=(-4.0, 0.0))
    assert np.all(np.abs(counts / samples.size - 0.25) < 0.02), counts


def test_lograndint_samples_are_uniform_in_log_space() -> None:
    samples = np.array(lograndint(1, 10_000).sample_many(np.random.default_rng(0), 20_000))
    # Uniform in the relaxed log interval [log 0.5, log 10000.5]; k < 100 means k <= 99.
    expected = (math.log(99.5) - math.log(0.5)) / (math.log(10_000.5) - math.log(0.5))
    assert abs(np.mean(samples < 100) - expected) < 0.015


@PROPERTY_SETTINGS
@given(domains=st.lists(DOMAINS, max_size=5), seed=SEEDS)
def test_space_encoder_round_trip(domains: list[Domain], seed: int) -> None:
    space: dict[str, Any] = {f"p{i}": d for i, d in enumerate(domains)} | {"const": [1, 2]}
    encoder = SpaceEncoder(space)
    rng = np.random.default_rng(seed)
    configs = [sample_config(space, rng) for _ in range(4)]
    matrix = encoder.encode_many(configs)
    assert matrix.shape == (4, encoder.dim)
    assert np.all((matrix >= 0.0) & (matrix <= 1.0))
    for config, decoded in zip(configs, encoder.decode_many(matrix), strict=True):
        assert list(decoded) == list(space)
        assert all(_same_member(space[n], decoded[n], config[n]) for n in encoder.names)
    for decoded in encoder.decode_many(rng.uniform(-1.0, 2.0, size=(4, encoder.dim))):
        assert validate_config(space, decoded) == decoded


@PROPERTY_SETTINGS
@given(domains=st.lists(DOMAINS, max_size=5), seed=SEEDS)
def test_space_encoder_decodes_as_each_domain(domains: list[Domain], seed: int) -> None:
    """`SpaceEncoder.decode` (clipping once) equals each domain's own `decode`, exactly."""
    space: dict[str, Any] = {f"p{i}": d for i, d in enumerate(domains)} | {"const": [1, 2]}
    encoder = SpaceEncoder(space)
    rng = np.random.default_rng(seed)
    points = rng.uniform(-0.5, 1.5, size=(10, encoder.dim))
    points[rng.random(points.shape) < 0.1] = 1.0  # ties between one-hot columns
    points[rng.random(points.shape) < 0.05] = rng.choice([np.inf, -np.inf, 0.0])
    for x in points:
        decoded = encoder.decode(x)
        assert list(decoded) == list(space)
        assert decoded["const"] == [1, 2] and decoded["const"] is not space["const"]
        for name, columns in encoder.slices.items():
            own = space[name].decode(x[columns])
            assert type(decoded[name]) is type(own) and decoded[name] == own, (name, x)
            if isinstance(space[name], Categorical):
                argmax = int(np.argmax(np.clip(x[columns], 0.0, 1.0)))
                assert decoded[name] == space[name].categories[argmax]


@settings(max_examples=300, deadline=None)
@given(
    points=st.lists(
        st.floats(min_value=1e-6, max_value=1e6, allow_nan=False), min_size=2, max_size=12
    ),
    log=st.booleans(),
    u=st.floats(min_value=0.0, max_value=1.0),
)
def test_ordinal_decode_is_the_nearest_member_the_lower_on_ties(
    points: list[float], log: bool, u: float
) -> None:
    """The bisect in `Ordinal._decode_unit` picks what an argmin over all members picks."""
    members = sorted(set(points))
    assume(len(members) >= 2)
    domain = logordinal(members) if log else ordinal(members, kind="nn")
    scaled = np.log(np.array(members)) if log else np.array(members)
    t = scaled[0] + u * (scaled[-1] - scaled[0])
    expected = members[int(np.argmin(np.abs(scaled - t)))]
    assert domain.decode(np.array([u])) == expected


@PROPERTY_SETTINGS
@given(seed=SEEDS, log=st.booleans())
def test_ordinal_sampling_draws_one_uniform_and_decodes_it(seed: int, log: bool) -> None:
    """Sampling an "nn" ordinal is decoding one `uniform()` draw: the sequences (and the
    generator states after them) of a searcher's draws do not depend on how it is done."""
    members = [1, 2, 5, 10, 50, 100, 1000]
    domain = logordinal(members) if log else ordinal(members, kind="nn")
    drawn, reference = np.random.default_rng(seed), np.random.default_rng(seed)
    for _ in range(20):
        assert domain.sample(drawn) == domain.decode(np.array([reference.uniform()]))
    assert drawn.bit_generator.state == reference.bit_generator.state
