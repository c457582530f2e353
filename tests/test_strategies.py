from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

from contract_tests.rules import Response
from contract_tests.temporal import flags_of, session_violations
from mock_oms import schemas, strategies
from mock_oms.loader import load_document
from mock_oms.steps import Kind, step_problem
from mock_oms.strategies import Document

TIMINGS: tuple[strategies.Timing, ...] = ("seconds", "polls", "mixed")
SOME = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def kind_of(body: Document) -> Kind:
    data = body.get("data") or {}
    return Kind.SYNC if "enableStructSync" in data else Kind.MIGRATION


@SOME
@given(strategies.progress_responses())
def test_progress_responses_keep_the_contract(body: Document) -> None:
    response = Response.of(body, kind=kind_of(body))
    assert session_violations([response]) == []
    json.dumps(body).encode("utf-8")  # a body that can travel


@pytest.mark.parametrize("kind", list(Kind))
def test_progress_data_of_one_kind(kind: Kind) -> None:
    @SOME
    @given(strategies.progress_data(kind))
    def check(data: Document) -> None:
        body = {**strategies._envelope(data, "r", 1)}
        assert schemas.errors(schemas.PROGRESS_SCHEMAS[kind], body) == []
        assert kind_of(body) is kind

    check()


@SOME
@given(strategies.error_responses())
def test_error_responses(body: Document) -> None:
    assert body["success"] is False
    assert body["data"] is None
    assert body["message"].startswith(f"[{body['code']}]: ")
    assert body["code"] in strategies.DOCUMENTED_ERROR_CODES
    assert any(schemas.errors(schemas.PROGRESS_SCHEMAS[k], body) == [] for k in Kind)


@SOME
@given(strategies.timelines())
def test_timelines_keep_every_temporal_rule(timeline: list[Document]) -> None:
    kind = kind_of(timeline[0])
    session = [Response.of(b, kind=kind, index=i) for i, b in enumerate(timeline)]
    found = session_violations(session)
    assert found == [], "\n".join(map(str, found))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(*(strategies.scenarios(timing=t) for t in TIMINGS)))
def test_scenarios_are_valid(document: Document) -> None:
    scenario = load_document(document)  # the schema and the rules after it
    for phase in scenario.timeline[:-1]:
        assert not phase.waits


@SOME
@given(strategies.scenarios(timing="polls", resumable=False))
def test_polls_scenarios_never_need_the_clock(document: Document) -> None:
    statuses = [p["status"] for p in document["timeline"]]
    for i, phase in enumerate(document["timeline"]):
        assert "seconds" not in phase
        if i + 1 < len(statuses):
            assert "polls" in phase
    if "FAILED" in statuses:
        assert "RUNNING" not in statuses[statuses.index("FAILED") :]


def test_scenarios_shrink_towards_one_waiting_init_phase() -> None:
    smallest = find(strategies.scenarios(), lambda d: True)
    assert smallest["timeline"] == [{"status": "INIT"}]
    assert smallest["kind"] == "migration"


def test_timelines_shrink_towards_a_short_init_timeline() -> None:
    smallest = find(strategies.timelines(), lambda t: True)
    assert len(smallest) == 1
    assert smallest[0]["data"]["status"] == "INIT"


def test_progress_responses_can_reach_the_edges() -> None:
    """Not only tame values: a FINISHED sync project with a null page number."""
    found = find(
        strategies.progress_responses(Kind.SYNC),
        lambda b: b["data"]["status"] == "FINISHED" and b["pageNumber"] is None,
        settings=settings(max_examples=2000, suppress_health_check=list(HealthCheck)),
    )
    flags = flags_of(Kind.SYNC, found["data"])
    assert flags is not None
    assert step_problem(Kind.SYNC, flags, found["data"]["currentStep"]) is None


@pytest.mark.parametrize(
    ("document", "outcomes"),
    [
        ({"timeline": [{"status": "INIT"}]}, {None}),
        ({"timeline": [{"status": "RUNNING"}, {"status": "FINISHED"}]}, {"FINISHED"}),
        (
            {"timeline": [{"status": "FINISHED"}, {"status": "RELEASING"}]},
            {"FINISHED", "RELEASED"},
        ),
        (
            {"timeline": [{"status": "FAILED"}, {"status": "RELEASING"}, {"status": "RELEASED"}]},
            {"FAILED", "RELEASED"},
        ),
        ({"timeline": [{"status": "SUSPEND"}]}, {None}),
    ],
)
def test_settled_outcomes(document: Document, outcomes: set[str | None]) -> None:
    assert strategies.settled_outcomes(document) == outcomes
