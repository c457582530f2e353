from __future__ import annotations

import copy
import json
import random
import re
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

from contract_tests.rules import Response
from contract_tests.temporal import flags_of, session_violations
from mock_oms import schemas, strategies
from mock_oms.core.kinds import Kind
from mock_oms.core.scenario import Scenario
from mock_oms.core.steps import step_problem
from mock_oms.faults.injections import parse_injection
from mock_oms.faults.malform import OUT_OF_RANGE
from mock_oms.faults.model import DEFAULT_HANG, DEFAULT_RETRY_AFTER
from mock_oms.faults.spec import parse_fault
from mock_oms.scenarios.loader import load_document, load_text
from mock_oms.strategies import Document
from mock_oms.strategies.common import loadable
from mock_oms.strategies.response import envelope

TIMINGS: tuple[strategies.Timing, ...] = ("seconds", "polls", "mixed")
FAULT = schemas.definition_validator(schemas.SCENARIO, "Fault")
FAULT_RULE = schemas.definition_validator(schemas.SCENARIO, "FaultRule")
INJECTION = schemas.definition_validator(schemas.SCENARIO, "Injection")
SOME = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def kind_of(body: Document) -> Kind:
    data = body.get("data") or {}
    return Kind.SYNC if "enableStructSync" in data else Kind.MIGRATION


@SOME
@given(strategies.progress_responses())
def test_progress_responses_keep_the_contract(body: Document) -> None:
    response = Response.of(body, kind=kind_of(body))
    assert (session_violations([response])) == []
    json.dumps(body).encode("utf-8")  # a body that can travel


@pytest.mark.parametrize("kind", list(Kind))
def test_progress_data_of_one_kind(kind: Kind) -> None:
    @SOME
    @given(strategies.progress_data(kind))
    def check(data: Document) -> None:
        body = {**envelope(data, "r", 1)}
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


# -- faults ------------------------------------------------------------------------------

FAULT_SOME = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
KIND_OR_BOTH = st.sampled_from([None, *Kind])


def waits(fault: strategies.FaultSpec) -> list[float]:
    """Every wait ``fault`` causes or asks a client for: latency, a hang, Retry-After."""
    if fault == "hang":
        return [DEFAULT_HANG]
    if not isinstance(fault, dict):
        return []
    ((name, value),) = fault.items()
    if name in ("latency", "hang"):
        return [float(v) for v in (value if isinstance(value, list) else [value])]
    if name == "status":
        code = value if isinstance(value, int) else value["code"]
        default = DEFAULT_RETRY_AFTER if code == 429 else 0
        return [float(default if isinstance(value, int) else value.get("retryAfter", default))]
    return []


def one_phase(kind: Kind | None, **extra: Any) -> Document:
    return {
        "name": "faulty",
        "kind": (kind or Kind.MIGRATION).value,
        "timeline": [{"status": "INIT", "polls": 2}, {"status": "RUNNING"}],
        **extra,
    }


def loads_alike(document: Document) -> Scenario:
    """The document as a YAML file and as a JSON body (what the control API gets) load to
    the same scenario: no text the loader would refuse or read differently."""
    from_yaml = load_text(yaml.safe_dump(document), "faulty.yaml")
    from_json = load_text(json.dumps(document, ensure_ascii=False), "faulty.json")
    assert from_yaml.faults == from_json.faults
    return from_yaml


def test_the_fault_names_are_the_schemas() -> None:
    assert set(strategies.FAULT_NAMES) == strategies.schema_fault_names()
    assert "deviation" not in strategies.TRANSIENT


@FAULT_SOME
@given(data=st.data(), kind=KIND_OR_BOTH, max_delay=st.sampled_from([0.0, 0.2, 1.0, 90.0]))
def test_faults_are_schema_valid_and_loadable(
    data: st.DataObject, kind: Kind | None, max_delay: float
) -> None:
    fault = data.draw(strategies.faults(kind, max_delay=max_delay))
    assert list(FAULT.iter_errors(fault)) == []
    problems: list[Any] = []
    parse_fault(fault, ("fault",), (kind,) if kind else tuple(Kind), problems)
    assert problems == []
    assert all(0 <= w <= max_delay for w in waits(fault)), fault
    for kind_ in [kind] if kind else list(Kind):  # a deviation fits either endpoint
        loads_alike(one_phase(kind_, faults=[{"fault": fault}]))


@FAULT_SOME
@given(data=st.data(), kind=KIND_OR_BOTH)
def test_fault_rules_are_schema_valid_and_loadable(data: st.DataObject, kind: Kind | None) -> None:
    rules = data.draw(st.lists(strategies.fault_rules(kind, phases=2), max_size=3))
    inner = data.draw(st.lists(strategies.fault_rules(kind), max_size=2))
    for rule in rules:
        assert list(FAULT_RULE.iter_errors(rule)) == []
    document = one_phase(kind, faults=rules)
    document["timeline"][0]["faults"] = inner  # a phase's own rules name no phase
    scenario = loads_alike(document)
    assert len(scenario.faults) == len(rules) + len(inner)


@FAULT_SOME
@given(data=st.data(), kind=KIND_OR_BOTH)
def test_injections_are_schema_valid_and_accepted(data: st.DataObject, kind: Kind | None) -> None:
    body = data.draw(strategies.injections(kind))
    assert list(INJECTION.iter_errors(body)) == []
    injection = parse_injection(body, tuple(Kind))  # as the control API reads it
    assert injection.count == body.get("count")


@FAULT_SOME
@given(data=st.data(), kind=st.sampled_from(list(Kind)))
def test_fault_sequences_are_few_transient_and_replayable(data: st.DataObject, kind: Kind) -> None:
    sequence = data.draw(strategies.fault_sequences(kind, max_polls=8, max_delay=0.2))
    faults = [f for f in sequence if f is not None]
    assert len(sequence) <= 8
    assert len(faults) <= 3
    assert not sequence or sequence[-1] is not None
    for fault in faults:
        name = fault if isinstance(fault, str) else next(iter(fault))
        assert name in strategies.TRANSIENT
        assert all(0 <= w <= 0.2 for w in waits(fault))
        assert not isinstance(fault, dict) or not isinstance(fault.get("latency"), list)
    document = one_phase(kind)
    scenario = loads_alike(strategies.with_faults(document, sequence))
    assert "faults" not in document  # left alone
    assert [rule.polls for rule in scenario.faults] == [
        (n, n) for n, f in enumerate(sequence, 1) if f is not None
    ]


def test_with_faults_puts_the_sequence_before_the_documents_rules() -> None:
    own = {"fault": "reset", "every": 2}
    document = one_phase(None, faults=[own])
    out = strategies.with_faults(document, [None, {"status": 503}])
    assert out["faults"] == [{"fault": {"status": 503}, "polls": 2}, own]
    assert strategies.with_faults(document, [None]) == document


def test_fault_strategies_refuse_what_they_cannot_draw() -> None:
    with pytest.raises(ValueError, match="unknown faults"):
        strategies.faults(allow=["status", "explode"])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="a hang needs max_delay"):
        strategies.faults(allow=["hang"], max_delay=0)
    with pytest.raises(ValueError, match="does not match"):
        strategies.faults(error_codes=["not a code"])


@pytest.mark.parametrize(
    ("arguments", "reason"),
    [
        ({"timing": "minutes"}, "timing must be one of seconds, polls, mixed, not 'minutes'"),
        ({"max_polls": 0}, "max_seconds and max_polls must be >= 1"),
        ({"name": "nightly load"}, "name 'nightly load' is not a scenario name"),
        ({"max_phases": 0}, "max_phases must be >= 1"),
    ],
)
def test_scenarios_refuse_what_they_cannot_draw(arguments: dict[str, Any], reason: str) -> None:
    """Said when the strategy is made: a wrong timing was taken for "mixed", and a wrong
    name gave documents that mock-oms validate refuses."""
    with pytest.raises(ValueError, match=re.escape(reason)):
        strategies.scenarios(**arguments)


def test_faults_shrink_towards_a_plain_500_then_the_simplest_kinds() -> None:
    assert find(strategies.faults(), lambda f: True) == {"status": 500}
    assert find(strategies.faults(), lambda f: "status" not in f) == "close"
    slow = find(strategies.faults(), lambda f: "latency" in f)
    assert slow == {"latency": 0.05}  # one step of max_delay / DELAY_STEPS, no range
    assert find(strategies.fault_rules(), lambda r: True) == {"fault": {"status": 500}}
    assert find(strategies.injections(), lambda r: True) == {"fault": {"status": 500}}


def test_fault_sequences_shrink_towards_no_fault_then_fewer_and_earlier() -> None:
    assert find(strategies.fault_sequences(), lambda s: True) == []
    two = find(strategies.fault_sequences(), lambda s: len([f for f in s if f]) >= 2)
    assert two == [{"status": 500}, {"status": 500}]


def test_fault_texts_load_alike_from_yaml_files_and_json_bodies() -> None:
    """Control characters survive both (YAML files escape them; JSON bodies are read by the
    JSON parser); only lone surrogates, which UTF-8 cannot carry, are replaced."""
    message = loadable("a\x85b\x7fc\ud800")
    assert message == "a\x85b\x7fc\ufffd"
    fault = {"error": {"code": "INNER_ERROR", "message": message}}
    scenario = loads_alike(one_phase(None, faults=[{"fault": fault}]))
    assert scenario.faults[0].fault.message == message  # type: ignore[union-attr]


# -- one definition of the contract: the schemas and the out-of-range fault agree -----------


@pytest.mark.parametrize("kind", list(Kind))
def test_every_out_of_range_value_breaks_the_response_schema(kind: Kind) -> None:
    """The out-of-range fault's values are the schema's idea of a broken contract too, so
    that no strategy can draw them as good responses (defect: checkpoints of -1 and
    negative paging were schema-valid)."""
    good = find(strategies.progress_responses(kind), lambda b: True)
    assert schemas.errors(schemas.PROGRESS_SCHEMAS[kind], good) == []
    for field, value in OUT_OF_RANGE.items():
        head, _, tail = field.partition(".")
        if tail and tail not in good["data"]:
            continue  # a migration field on a sync project
        bad = copy.deepcopy(good)
        if tail:
            bad["data"][tail] = value
        else:
            bad[head] = value
        assert schemas.errors(schemas.PROGRESS_SCHEMAS[kind], bad) != [], field


@SOME
@given(strategies.progress_responses())
def test_progress_responses_stay_in_every_documented_range(body: Document) -> None:
    kind = kind_of(body)
    assert schemas.errors(schemas.PROGRESS_SCHEMAS[kind], body) == []
    for field, value in OUT_OF_RANGE.items():
        head, _, tail = field.partition(".")
        shown = body["data"].get(tail) if tail else body[head]
        assert shown != value, field
        if isinstance(value, int) and isinstance(shown, int):
            assert shown >= 0, field


# -- realism ----------------------------------------------------------------------------------


def test_progress_responses_shrink_to_the_envelope_the_service_writes() -> None:
    smallest = find(strategies.progress_responses(), lambda b: True)
    assert smallest["code"] == smallest["message"] == "success"
    assert smallest["advice"] == ""
    assert re.fullmatch(r"\d+ ms", smallest["cost"])


def test_about_half_the_progress_responses_say_success() -> None:
    """Before, about 6 in 1000 did: a client's ``code == "success"`` branch went untested."""
    bodies: list[Document] = []

    @settings(max_examples=200, database=None, derandomize=True, deadline=None)
    @given(strategies.progress_responses())
    def collect(body: Document) -> None:
        bodies.append(body)

    collect()
    share = sum(b["code"] == "success" for b in bodies) / len(bodies)
    assert share > 0.3, share


@SOME
@given(strategies.timelines(start="INIT"))
def test_timelines_can_start_at_init(timeline: list[Document]) -> None:
    first = timeline[0]["data"]
    assert first["status"] == "INIT"
    assert first["structMigrationProgress"] == first["fullMigrationProgress"] == 0


def test_timelines_start_anywhere_by_default() -> None:
    found = find(strategies.timelines(), lambda t: t[0]["data"]["status"] == "FINISHED")
    assert found[0]["data"]["status"] == "FINISHED"


@FAULT_SOME
@given(data=st.data(), codes=st.sets(st.sampled_from([500, 502, 503, 504, 408, 429]), min_size=1))
def test_fault_statuses_can_be_limited(data: st.DataObject, codes: set[int]) -> None:
    sequence = data.draw(strategies.fault_sequences(allow=["status", "error"], statuses=codes))
    for fault in filter(None, sequence):
        assert isinstance(fault, dict)
        ((name, value),) = fault.items()
        code = (
            value
            if isinstance(value, int)
            else value.get("code" if name == "status" else "status", 200)
        )
        assert code in codes | {200}, fault


def test_fault_statuses_refuse_a_status_that_is_no_fault() -> None:
    assert strategies.fault_statuses() == [500, 408, 429, 502, 503, 504]
    assert strategies.fault_statuses([429, 408]) == [408, 429]
    with pytest.raises(ValueError, match=r"statuses \[404\] cannot be faults"):
        strategies.faults(statuses=[404, 500])


@FAULT_SOME
@given(data=st.data())
def test_retry_after_has_a_bound_of_its_own(data: st.DataObject) -> None:
    """Latency and hangs stay short while a 429 or 503 may ask for seconds, which a client
    can wait on a clock of its own."""
    fault = data.draw(strategies.faults(allow=["status"], max_delay=0.1, max_retry_after=3))
    assert all(w <= 3 for w in waits(fault))


def test_a_429_may_ask_for_as_long_as_max_retry_after() -> None:
    found = find(
        strategies.faults(allow=["status"], max_delay=0.1, max_retry_after=3),
        lambda f: waits(f) == [3.0],
    )
    assert found == {"status": {"code": 429, "retryAfter": 3}}


# -- shrinking: a redundant phase goes ---------------------------------------------------------


def _first_settled_poll(timeline: list[Document]) -> int | None:
    poll = 1
    for phase in timeline:
        if phase["status"] in {"FINISHED", "FAILED", "RELEASED", "DELETED"}:
            return poll
        poll += phase.get("polls", 10**6)
    return None


@pytest.mark.parametrize("seed", [4])  # a seed that kept a redundant INIT phase before
def test_a_case_shrinks_to_two_phases(seed: int) -> None:
    """A 408 on a poll before the project settles: the smallest such case has two phases
    (INIT then DELETED, or RUNNING then FAILED). Scenario phases used to be drawn as a
    length, then the statuses, then the details, which the shrinker could not delete
    together; it kept redundant INIT or FAILED phases."""
    cases = st.tuples(
        strategies.scenarios(timing="polls", resumable=False, max_phases=6, max_polls=5),
        strategies.fault_sequences(allow=["status"], max_delay=0.1),
    )

    def fails(case: tuple[Document, list[strategies.FaultSpec | None]]) -> bool:
        document, faults = case
        settles = _first_settled_poll(document["timeline"])
        return settles is not None and {"status": 408} in faults[: settles - 1]

    document, faults = find(
        cases,
        fails,
        settings=settings(
            database=None, max_examples=5000, suppress_health_check=list(HealthCheck)
        ),
        random=random.Random(seed),
    )
    assert len(document["timeline"]) == 2
    assert faults == [{"status": 408}]
