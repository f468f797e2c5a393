"""The simulation drives the shop's services: deterministic, fair to every policy, honest."""

import json

import pytest

from storefront import create_app
from storefront.simulation import SimulationConfig, report, run_simulation
from storefront.simulation.policies import Policy

SMALL = SimulationConfig(days=14, products=12, seed=3, reliability=0.6)


@pytest.fixture(scope="module")
def small_run():
    return run_simulation(SMALL)


def test_a_seed_gives_the_same_results_twice(small_run):
    again = report.as_json(run_simulation(SMALL))
    assert report.as_json(small_run) == again
    assert json.loads(again)["counts"]["orders"] > 0


def test_another_seed_trades_differently(small_run):
    other = SimulationConfig(days=14, products=12, seed=4, reliability=0.6)
    assert run_simulation(other).event_digest != small_run.event_digest


def test_with_perfect_suppliers_the_queue_based_dates_all_hold():
    result = run_simulation(SimulationConfig(days=30, products=15, seed=2, reliability=1.0))
    queue = result.policies[str(Policy.QUEUE)]
    assert queue.judged >= 10
    assert queue.kept_share == 1.0
    assert queue.mean_days_late == 0
    # Nothing was ever late, so there was nothing to learn: the same dates.
    assert result.policies[str(Policy.LEARNED)].mean_days_promised == queue.mean_days_promised


def test_every_policy_is_measured_on_the_same_event_stream():
    """The shop padding its own dates changes no event; and the padded dates it shows are
    exactly what the simulation measures as the learned-buffer policy."""
    config = SimulationConfig(days=40, products=15, seed=5, reliability=0.5)
    plain = run_simulation(config)
    padded = run_simulation(SimulationConfig(**{**config.__dict__, "promise_buffer": "learned"}))
    assert plain.events == padded.events
    assert {s.lines for s in plain.policies.values()} == {len(plain.records)}
    shown_by_shop = {r.line_id: r.shown[Policy.QUEUE][0] for r in padded.records}
    measured = {r.line_id: r.shown[Policy.LEARNED][0] for r in plain.records}
    assert shown_by_shop == measured
    assert any(r.shown[Policy.LEARNED][0] != r.shown[Policy.QUEUE][0] for r in plain.records), (
        "the suppliers were late enough to learn a buffer"
    )


def test_the_command_prints_the_table_and_writes_json_and_chart(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    result = app.test_cli_runner().invoke(
        args=["simulate", "--days", "6", "--products", "5", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert "| queue + learned buffer" in result.output
    data = json.loads((tmp_path / "simulation.json").read_text())
    assert [p["policy"] for p in data["policies"]] == [str(p) for p in Policy]
    svg = (tmp_path / "simulation.svg").read_text()
    assert svg.startswith("<svg") and "dates kept (%)" in svg


def test_the_command_refuses_a_reliability_outside_0_to_1(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    result = app.test_cli_runner().invoke(
        args=["simulate", "--reliability", "1.5", "--out", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "1.5" in result.output and not list(tmp_path.iterdir())
