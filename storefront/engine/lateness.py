"""How late a supplier delivers, and the buffer a shop that pads its dates adds for it."""

import math
from collections.abc import Sequence
from dataclasses import dataclass

# The buffer is learned from this many of a supplier's latest deliveries.
RECENT_RECEIPTS = 20
# It covers this share of them: nine in ten deliveries arrive within it.
BUFFER_PERCENTILE = 90


def percentile(values: Sequence[float], pct: float) -> float:
    """The nearest-rank percentile (the smallest value at or above `pct`% of them); 0 if none."""
    if not values:
        return 0
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class SupplierLateness:
    """A supplier's latest deliveries, each in days after the date it was expected on."""

    supplier: str
    days_late: tuple[int, ...]  # negative when early

    @property
    def deliveries(self) -> int:
        return len(self.days_late)

    @property
    def on_time_share(self) -> float:
        return sum(days <= 0 for days in self.days_late) / self.deliveries if self.days_late else 1

    @property
    def mean_days_late(self) -> float:
        """Average lateness, an early delivery counting as on time."""
        if not self.days_late:
            return 0
        return sum(max(0, days) for days in self.days_late) / self.deliveries

    @property
    def buffer_days(self) -> int:
        """Days to add to a date so nine in ten of these deliveries would have kept it."""
        return max(0, int(percentile(self.days_late, BUFFER_PERCENTILE)))
