"""What a training job costs: billable seconds times the instance's price.

`ON_DEMAND_PRICES` holds indicative on-demand prices of a few common training
instance types (US East, N. Virginia, dollars per instance-hour). Prices differ
between regions and change over time; pass `SageMakerSettings.price_per_hour` for
exact figures. For an instance type not in the table and no price given, costs are
None (unknown), never a guess.
"""

from __future__ import annotations

ON_DEMAND_PRICES: dict[str, float] = {
    "ml.m5.large": 0.115,
    "ml.m5.xlarge": 0.23,
    "ml.m5.2xlarge": 0.461,
    "ml.m5.4xlarge": 0.922,
    "ml.c5.xlarge": 0.204,
    "ml.c5.2xlarge": 0.408,
    "ml.g4dn.xlarge": 0.736,
    "ml.g5.xlarge": 1.408,
    "ml.p3.2xlarge": 3.825,
}
"""Indicative on-demand price (dollars per hour) of one instance of each type."""


def price_per_hour(instance_type: str, price: float | None = None) -> float | None:
    """`price` if given, else the table's price of `instance_type`, else None."""
    return price if price is not None else ON_DEMAND_PRICES.get(instance_type)


def job_cost(seconds: float, *, instance_count: int, price: float | None) -> float | None:
    """Dollars for `seconds` of billable time on `instance_count` instances.

    SageMaker reports `BillableTimeInSeconds` per instance (already reduced for
    managed spot), so it is multiplied by the instance count.
    """
    if price is None:
        return None
    return max(seconds, 0.0) * instance_count * price / 3600.0
