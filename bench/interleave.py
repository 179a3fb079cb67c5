"""Side by side: the project and its baseline run in turn (A B A B ...), so both see the same
machine. A figure measured in one block and its baseline in another, minutes apart on a shared
machine, can differ by 3x for no reason of the code.

    comparison = interleaved(lambda: project_seconds(), lambda: baseline_seconds(), rounds=5)
    print(comparison.line("deliver_pending sqlite b=200"))
"""

from __future__ import annotations

import os
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field

MIN_ROUNDS = 5


@dataclass
class Comparison:
    project: list[float] = field(default_factory=list)
    baseline: list[float] = field(default_factory=list)
    load_before: float = 0.0
    load_after: float = 0.0

    @property
    def ratio(self) -> float:
        """Median to median: the figure the targets are stated in."""
        return statistics.median(self.project) / statistics.median(self.baseline)

    @property
    def best_ratio(self) -> float:
        return min(self.project) / min(self.baseline)

    def line(self, label: str, unit: str = "s") -> str:
        return (
            f"{label}: project {_spread(self.project, unit)}  baseline "
            f"{_spread(self.baseline, unit)}  ratio {self.ratio:.2f}x (best {self.best_ratio:.2f}x)"
            f"  rounds={len(self.project)} load={self.load_before:.2f}->{self.load_after:.2f}"
        )


def interleaved(
    project: Callable[[], float], baseline: Callable[[], float], rounds: int = MIN_ROUNDS
) -> Comparison:
    """Seconds (or any figure) from `rounds` turns of baseline then project."""
    comparison = Comparison(load_before=load_average())
    for _ in range(max(rounds, 1)):
        comparison.baseline.append(baseline())
        comparison.project.append(project())
    comparison.load_after = load_average()
    return comparison


def load_average() -> float:
    """The machine's one-minute load average (0 where the system does not say)."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return 0.0


def _spread(values: list[float], unit: str) -> str:
    return (
        f"min {min(values):.3f}{unit} median {statistics.median(values):.3f}{unit} "
        f"max {max(values):.3f}{unit}"
    )
