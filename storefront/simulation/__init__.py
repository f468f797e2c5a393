"""A quarter's trading, simulated on the shop's own services, to measure how often dates hold."""

from .runner import SimulationConfig, run_simulation

__all__ = ["SimulationConfig", "run_simulation"]
