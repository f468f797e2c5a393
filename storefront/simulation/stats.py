"""What each policy promised the waiting lines, and how often those dates held."""

from dataclasses import dataclass, field
from datetime import date
from statistics import fmean

from ..engine.lateness import percentile
from .policies import Policy


@dataclass
class LineRecord:
    """One backordered line, and the dates each policy showed it while it waited."""

    line_id: int
    supplier: str
    placed_on: date
    shown: dict[Policy, list[date | None]] = field(default_factory=dict)
    shipped_on: date | None = None  # when its last waiting unit shipped
    withdrawn: bool = False  # every waiting unit cancelled or switched before shipping

    def show(self, policy: Policy, day: date | None) -> None:
        history = self.shown.setdefault(policy, [])
        if not history or history[-1] != day:
            history.append(day)

    def first_date(self, policy: Policy) -> date | None:
        return next((day for day in self.shown[policy] if day is not None), None)

    def changes(self, policy: Policy) -> int:
        return len(self.shown[policy]) - 1


@dataclass(frozen=True)
class PolicyStats:
    policy: str
    lines: int  # backordered lines
    dated: int  # lines shown a date at some point
    judged: int  # dated lines that shipped, or whose date passed unshipped, by the end
    kept_share: float  # judged lines that shipped on or before the first date shown
    mean_days_late: float  # over judged lines, 0 when kept
    p95_days_late: float
    tbc_share: float  # lines shown "to be confirmed" when placed
    mean_days_promised: float  # first date shown, in days after the order
    changes_per_line: float


def policy_stats(records: list[LineRecord], policy: Policy, end: date) -> PolicyStats:
    """Judge one policy's first dates against when the lines really shipped, up to `end`."""
    dated = [(r, first) for r in records if (first := r.first_date(policy)) is not None]
    lateness = [
        max(0, ((r.shipped_on or end) - first).days)
        for r, first in dated
        if not r.withdrawn and (r.shipped_on is not None or first < end)
    ]
    return PolicyStats(
        policy=str(policy),
        lines=len(records),
        dated=len(dated),
        judged=len(lateness),
        kept_share=_share(sum(days == 0 for days in lateness), len(lateness)),
        mean_days_late=fmean(lateness) if lateness else 0.0,
        p95_days_late=float(percentile(lateness, 95)),
        tbc_share=_share(sum(r.shown[policy][0] is None for r in records), len(records)),
        mean_days_promised=fmean((first - r.placed_on).days for r, first in dated)
        if dated
        else 0.0,
        changes_per_line=fmean(r.changes(policy) for r in records) if records else 0.0,
    )


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 1.0
