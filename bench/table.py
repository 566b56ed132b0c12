"""What every benchmark prints: rows of (measure, value), and the quantiles in them."""
from __future__ import annotations

import math
from typing import Sequence

Row = tuple[str, str]


def percentile(values: Sequence[float], q: float) -> float:
    """The q-quantile (0..1) by nearest rank (the ceil(q*n)-th smallest); NaN when there
    are none. The median of two values is the smaller, as the console's figures count."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered), max(1, math.ceil(q * len(ordered)))) - 1]


def print_table(rows: Sequence[Row]) -> None:
    width = max(len(k) for k, _ in rows)
    print()
    print(f"{'measure'.ljust(width)}  value")
    print(f"{'-' * width}  {'-' * 40}")
    for key, value in rows:
        print(f"{key.ljust(width)}  {value}")
    print()
