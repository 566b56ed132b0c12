"""What every benchmark prints: rows of (measure, value), and the quantiles in them."""
from __future__ import annotations

from typing import Sequence

Row = tuple[str, str]


def percentile(values: Sequence[float], q: float) -> float:
    """The q-quantile (0..1) by nearest rank of the sorted values; NaN when there are none."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def print_table(rows: Sequence[Row]) -> None:
    width = max(len(k) for k, _ in rows)
    print()
    print(f"{'measure'.ljust(width)}  value")
    print(f"{'-' * width}  {'-' * 40}")
    for key, value in rows:
        print(f"{key.ljust(width)}  {value}")
    print()
