"""The kit's V4 rules one by one: the derived schemas, the envelope, the V3 rules over time
read in V4 names, the step rules over rounds, detection, and the lifecycle walk."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from broken_servers import Oms
from broken_servers import serving as serving_v3
from broken_v4_servers import PROJECTS, V4Oms, serving
from jsonschema import Draft202012Validator

from contract_tests import schema, steps, temporal
from contract_tests.levels import Api, Level
from contract_tests.lifecycle_v4 import LIFECYCLE_SCENARIO, lifecycle_scenario, walk_lifecycle
from contract_tests.options import KitOptions
from contract_tests.rules import (
    Response,
    Rule,
    named,
    schema_violations,
    v4_envelope_violations,
    v4_response_violations,
    v4_unknown_project_violations,
)
from contract_tests.steps import Round
from contract_tests.target import (
    Target,
    detect_api,
    open_target,
    poll_v4_rounds,
    progress_session,
    v4_projects_to_observe,
)
from mock_oms import schemas

PROGRESS, STEPS = "DescribeProjectProgress", "DescribeProjectSteps"


@pytest.fixture(scope="module")
def mock() -> Iterator[Target]:
    with open_target(KitOptions(api=Api.V4)) as target:
        yield target


def success(data: Any, **extra: Any) -> dict[str, Any]:
    return {
        "success": True,
        "errorDetail": None,
        "code": None,
        "message": None,
        "advice": None,
        "requestId": "r-1",
        "pageNumber": None,
        "pageSize": None,
        "totalCount": None,
        "cost": "1 ms",
        "data": data,
        **extra,
    }


def error(code: str = "GHANA-PROJECT000001", text: str = "no such project") -> dict[str, Any]:
    return {
        "code": code,
        "errorDetail": {"code": code, "message": text, "requestId": "r-2"},
        "message": f"[{code}]: {text}",
        "requestId": "r-2",
        "success": False,
    }


def progress(
    *,
    status: str = "RUNNING",
    current: str = "FULL_TRANSFER",
    full: Any = 50,
    checkpoint: Any = 1_700_000_000,
    struct: bool = False,
    incr: bool = True,
) -> dict[str, Any]:
    return {
        "projectId": "np_1",
        "status": status,
        "alarmLevel": "LOW",
        "enableIncrSync": incr,
        "currentStep": current,
        "incrSyncCheckpoint": checkpoint,
        "enableStructTransfer": struct,
        "enableFullTransfer": True,
        "structTransferProgress": 0,
        "fullTransferProgress": full,
        "enableReverseIncrTransfer": False,
        "reverseIncrTransferCheckpoint": None,
    }


def a_step(name: str, status: str, progress: Any = 0, **extra: Any) -> dict[str, Any]:
    return {
        "order": 1,
        "name": name,
        "description": name,
        "status": status,
        "extraInfo": dict.fromkeys(
            ("errorDetails", "errorCode", "errorMsg", "errorParam", "failedTime")
        ),
        "startTime": "2023-05-31T04:07:32" if status != "INIT" else None,
        "finishTime": "2023-05-31T04:08:32" if status == "FINISHED" else None,
        "progress": progress,
        "stepInfo": None,
        **extra,
    }


def of(body: Any, action: str = PROGRESS, index: int = 0) -> Response:
    return Response.of(body, action=action, project_id="np_1", index=index)


def round_of(before: Any, step_list: list[Any], after: Any | None = None) -> Round:
    after = before if after is None else after
    return Round(of(success(step_list), STEPS), of(success(before)), of(success(after), index=2))


# -- the schemas ------------------------------------------------------------------------------


@pytest.mark.parametrize("action", list(schemas.V4_ACTIONS))
@pytest.mark.parametrize("level", list(Level))
def test_each_actions_schema_is_a_valid_schema_at_each_level(action: str, level: Level) -> None:
    Draft202012Validator.check_schema(schema.v4_schema(action, level))


def test_the_strict_v4_schema_is_the_published_one_and_widening_leaves_it_alone() -> None:
    source = schemas.standalone(schemas.V4_ACTIONS[STEPS])
    before = copy.deepcopy(source)
    assert schema.v4_schema(STEPS, Level.STRICT) is source
    schema.widen_v4(source)
    assert source == before


def test_the_compatible_v4_schema_follows_its_source() -> None:
    source = copy.deepcopy(schemas.standalone(schemas.V4_ACTIONS[PROGRESS]))
    source["$defs"]["Progress"]["maximum"] = 50
    widened = Draft202012Validator(schema.widen_v4(source))
    assert widened.is_valid(success(progress(full=50)))
    assert not widened.is_valid(success(progress(full=51)))


def test_inlined_references_judge_as_the_published_schema(mock: Target) -> None:
    """The kit's validators inline references (for speed): they find what the published
    schema finds."""
    assert mock.control is not None
    mock.control.advance(100)
    bodies = [
        mock.call(STEPS, {"id": "reverse-sync~inline"}).body,
        mock.call(PROGRESS, {"id": "reverse-sync~inline"}).body,
    ]
    broken = copy.deepcopy(bodies[0])
    broken["data"][0]["progress"], broken["data"][1]["status"] = 101, "DONE"
    for body, action in [(bodies[0], STEPS), (bodies[1], PROGRESS), (broken, STEPS)]:
        published = schemas.errors(schemas.V4_ACTIONS[action], body)
        kit = schema.v4_problems(action, Level.STRICT, body)
        assert bool(published) == bool(kit)
    assert len(schema.v4_problems(STEPS, Level.STRICT, broken)) == 2


@pytest.mark.parametrize(
    ("body", "action", "compatible", "strict"),
    [
        (success(progress()), PROGRESS, True, True),
        # a serializer that leaves nulls out
        (
            {"success": True, "requestId": "r", "data": {**progress(), "incrSyncCheckpoint": 1}}
            | {"cost": "2ms"},
            PROGRESS,
            True,
            False,
        ),
        (success(None) | {"cost": None}, "StartProject", True, False),
        ({"success": True, "requestId": "r"}, "StartProject", True, False),
        ({"success": True, "requestId": "r"}, PROGRESS, False, False),  # no data: nothing
        (success(progress(full=60.0)), PROGRESS, True, False),
        (success(progress(full=101)), PROGRESS, False, False),
        (error(), PROGRESS, True, True),
        (error() | {"advice": None, "pageNumber": None, "data": None}, PROGRESS, True, False),
        (error() | {"advice": "look again", "cost": "3 ms"}, PROGRESS, True, False),
        (error() | {"data": {"x": 1}}, PROGRESS, False, False),
        (success([a_step("FULL_TRANSFER", "FINISHED", 90)]), STEPS, True, False),  # a step rule
        (success([a_step("TRANSFER_NEW", "INIT")]), STEPS, True, False),
        (success([a_step("FULL_TRANSFER", "DONE")]), STEPS, False, False),
        (success([a_step("FULL_TRANSFER", "INIT", startTime="yesterday")]), STEPS, False, False),
    ],
)
def test_what_each_level_takes(
    body: dict[str, Any], action: str, compatible: bool, strict: bool
) -> None:
    assert (schema.v4_problems(action, Level.COMPATIBLE, body) == []) is compatible
    assert (schema.v4_problems(action, Level.STRICT, body) == []) is strict


def test_every_answer_of_mock_oms_keeps_both_levels(mock: Target) -> None:
    assert mock.control is not None
    answers = []
    for name in ("online-schema-change~both", "precheck-failure~both", "sync-project~both"):
        for _ in range(8):
            answers += [mock.call(a, {"id": name}) for a in (PROGRESS, STEPS, "DescribeProject")]
            mock.control.advance(30)
        answers.append(mock.call("ListProjectFullVerifyResult", {"projectId": name}))
    answers.append(mock.call("ListProjects", {"pageSize": 3}))
    for level in Level:
        assert [v for r in answers for v in v4_response_violations(r, level)] == []


# -- single answers ---------------------------------------------------------------------------


def test_a_v4_answer_is_judged_by_the_v4_twin_of_each_rule() -> None:
    response = of(success(progress(full=101)))
    (found,) = schema_violations(response)
    assert found.rule is Rule.V4_SCHEMA
    assert "v4-describe-project-progress.schema.json (compatible level)" in found.message
    assert named(Rule.HTTP_STATUS, response) is Rule.V4_HTTP_STATUS
    assert named(Rule.HTTP_STATUS, Response.of(success(progress()))) is Rule.HTTP_STATUS
    assert "DescribeProjectProgress of project 'np_1' call #0" in response.describe()


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (success(progress()) | {"errorDetail": {"code": "X"}}, "success is true but errorDetail"),
        (success(progress()) | {"code": "INNER_ERROR"}, "the error code 'INNER_ERROR'"),
        (error() | {"errorDetail": None}, "errorDetail is null, not an object"),
        (error() | {"code": "success"}, "which says success"),
        (error() | {"errorDetail": {"code": "PARAM_ERROR"}}, 'errorDetail.code is "PARAM_ERROR"'),
        (error() | {"data": {"a": 1}}, "success is false but data is present"),
        (error() | {"message": "[INNER_ERROR]: x"}, "message names the code [INNER_ERROR]"),
        (success(progress()) | {"requestId": " "}, 'requestId is " "'),
    ],
)
def test_the_envelope_agrees_with_itself(body: dict[str, Any], says: str) -> None:
    found = v4_envelope_violations(of(body))
    assert {v.rule for v in found} == {Rule.V4_ENVELOPE}
    assert any(says in v.message for v in found), found


def test_strict_envelopes_want_the_prefix_and_the_codes_name() -> None:
    bare = error() | {"message": "no such project", "errorDetail": {"message": "x"}}
    assert v4_envelope_violations(of(bare)) == []
    said = [v.message for v in v4_envelope_violations(of(bare), Level.STRICT)]
    assert said == [
        "errorDetail does not name the error's code",
        "the error message does not start with [GHANA-PROJECT000001]: ",
    ]


def test_an_unknown_project_names_its_code_in_the_message_as_v4_clients_read_it() -> None:
    assert v4_unknown_project_violations(of(error())) == []
    (found,) = v4_unknown_project_violations(of(error() | {"message": "gone"}))
    assert found.rule is Rule.V4_UNKNOWN_PROJECT
    (found,) = v4_unknown_project_violations(of(error("PARAM_ERROR")))
    assert "expected code GHANA-PROJECT000001" in found.message


# -- the rules over time, in V4 names ---------------------------------------------------------


def test_a_checkpoint_going_back_is_judged_in_v4_names() -> None:
    session = [
        of(success(progress(checkpoint=c)), index=i) for i, c in enumerate([10**9, 10**9 - 5])
    ]
    (found,) = temporal.checkpoint_monotonic_violations(session)
    assert found.rule is Rule.V4_CHECKPOINT_MONOTONIC
    assert found.message == "incrSyncCheckpoint went back from 1000000000 to 999999995"
    assert temporal.session_violations(session)[0].rule is Rule.V4_CHECKPOINT_MONOTONIC


def test_the_v4_flags_and_figures_are_read() -> None:
    moving = [of(success(progress(status="SUSPEND", full=f)), index=f) for f in (40, 41)]
    (found,) = temporal.frozen_violations(moving)
    assert (found.rule, found.message.split(" moved")[0]) == (
        Rule.V4_FROZEN,
        "fullTransferProgress",
    )
    struct = progress() | {"structTransferProgress": 30}
    (found,) = temporal.disabled_progress_violations([of(success(struct))])
    assert found.rule is Rule.V4_DISABLED_PROGRESS
    assert found.message == "structTransferProgress is 30 but the struct phase is disabled"
    null = [of(success(progress(checkpoint=None, incr=False)))]
    assert temporal.checkpoint_plausible_violations(null) == []
    assert temporal.disabled_checkpoint_violations(null * 2) == []


@pytest.mark.parametrize(
    ("step", "level", "problem"),
    [
        ("TRANSFER_NEW_STEP", Level.COMPATIBLE, None),  # a newer release's
        ("TRANSFER_NEW_STEP", Level.STRICT, "is no step the OMS documentation names"),
        ("FULL_VERIFIER", Level.COMPATIBLE, None),
        ("FULL_VERIFIER", Level.STRICT, "full verification"),
        ("STRUCT_TRANSFER", Level.COMPATIBLE, "needs the struct phase"),
        ("INCR_SYNC", Level.COMPATIBLE, None),  # a V3 name: ODC's enumeration has both
        ("INCR_SYNC", Level.STRICT, "is no step the OMS documentation names"),
    ],
)
def test_the_current_step_in_v4_names(step: str, level: Level, problem: str | None) -> None:
    found = temporal.step_violations([of(success(progress(current=step)))], level)
    if problem is None:
        assert found == []
    else:
        (only,) = found
        assert only.rule is Rule.V4_STEP_CURRENT and problem in only.message


# -- the step rules ---------------------------------------------------------------------------


def test_a_finished_step_is_at_100_and_monitoring_is_incremental() -> None:
    one = round_of(
        progress(),
        [
            a_step("TRANSFER_PRECHECK", "FINISHED", 90),
            a_step("FULL_TRANSFER", "MONITORING", 50),
            a_step("TRANSFER_INCR_LOG_PULL", "MONITORING", 100),
            a_step("INCR_TRANSFER", "MONITORING", 100),
            a_step("TRANSFER_NEW", "MONITORING", 100),
        ],
    )
    (finished,) = steps.finished_step_violations([one])
    assert finished.message == "step TRANSFER_PRECHECK is FINISHED at progress 90, not 100"
    monitoring = steps.monitoring_violations([one])
    assert [v.message.split()[1] for v in monitoring] == ["FULL_TRANSFER"]
    strict = steps.monitoring_violations([one], Level.STRICT)
    names = [v.message.split()[1] for v in strict]
    assert names == ["FULL_TRANSFER", "TRANSFER_INCR_LOG_PULL", "TRANSFER_NEW"]


def test_a_step_starts_before_it_finishes() -> None:
    backwards = a_step("FULL_TRANSFER", "FINISHED", 100, startTime="2023-05-31T05:00:00")
    unstarted = a_step("FULL_TRANSFER", "FINISHED", 100, startTime=None)
    undated = a_step("FULL_TRANSFER", "FINISHED", 100, finishTime=None)
    one = round_of(progress(), [backwards, unstarted, undated])
    found = [v.message for v in steps.step_time_violations([one])]
    assert [m.split(" (")[0] for m in found] == [
        "step FULL_TRANSFER finished before it started",
        "step FULL_TRANSFER has a finishTime but no startTime",
    ]
    assert len(steps.step_time_violations([one], Level.STRICT)) == 3


def test_no_step_of_a_disabled_phase() -> None:
    one = round_of(progress(), [a_step("STRUCT_TRANSFER", "INIT"), a_step("FULL_TRANSFER", "INIT")])
    (found,) = steps.disabled_step_violations([one])
    assert found.rule is Rule.V4_STEP_DISABLED
    assert "step STRUCT_TRANSFER is listed" in found.message


def test_the_current_step_is_in_the_list_and_running_when_both_progress_calls_agree() -> None:
    listed = [a_step("FULL_TRANSFER", "FINISHED", 100), a_step("INCR_TRANSFER", "INIT")]
    disagree = round_of(progress(current="INCR_TRANSFER"), listed)
    (found,) = steps.current_step_violations([disagree])
    assert "currentStep INCR_TRANSFER is INIT in the step list" in found.message
    missing = round_of(progress(current="INDEX_TRANSFER"), listed)
    (found,) = steps.current_step_violations([missing])
    assert "is not in the step list (FULL_TRANSFER, INCR_TRANSFER)" in found.message
    moved_on = round_of(
        progress(current="FULL_TRANSFER"), listed, progress(current="INCR_TRANSFER")
    )
    assert steps.current_step_violations([moved_on]) == []  # it moved on between the calls
    suspended = round_of(progress(status="SUSPEND", current="INCR_TRANSFER"), listed)
    assert steps.current_step_violations([suspended]) == []


def test_the_figures_agree_between_the_two_progress_answers() -> None:
    info = {"incrTimestampCheckpoint": 1_700_000_005, "checkpointSampleTimestamp": 1, "x": 2}
    listed = [
        a_step("FULL_TRANSFER", "RUNNING", 55),
        a_step("INCR_TRANSFER", "MONITORING", 100, stepInfo=info),
    ]
    bracketed = round_of(
        progress(full=50, checkpoint=1_700_000_000),
        listed,
        progress(full=60, checkpoint=1_700_000_010),
    )
    assert steps.figures_violations([bracketed]) == []
    stale = round_of(progress(full=60, checkpoint=1_700_000_000), listed)
    found = [v.message for v in steps.figures_violations([stale])]
    assert found == [
        "FULL_TRANSFER progress is 55 but the progress call's fullTransferProgress is 60",
        "INCR_TRANSFER incrTimestampCheckpoint is 1700000005 but the progress call's "
        "incrSyncCheckpoint is 1700000000 (a sample may trail it by 60 s at most)",
    ]
    nothing_yet = round_of(progress(checkpoint=None, full=55), listed)
    assert steps.figures_violations([nothing_yet]) == []


@pytest.mark.parametrize(
    ("behind", "compatible", "strict"),
    [(0, True, True), (4, True, False), (60, True, False), (61, False, False), (-1, False, False)],
)
def test_a_step_checkpoint_may_be_a_sample_that_trails_at_the_compatible_level(
    behind: int, compatible: bool, strict: bool
) -> None:
    """ "The sample trails the checkpoint by a few seconds": a step list's checkpoint older
    than the progress call's passes at the compatible level (60 s at most), never a newer
    one; strict wants the progress call's own."""
    live = 1_700_000_100
    info = {"incrTimestampCheckpoint": live - behind, "checkpointSampleTimestamp": live}
    listed = [a_step("INCR_TRANSFER", "MONITORING", 100, stepInfo=info)]
    one = round_of(progress(full=100, current="INCR_TRANSFER", checkpoint=live), listed)
    assert (steps.figures_violations([one], Level.COMPATIBLE) == []) is compatible
    assert (steps.figures_violations([one], Level.STRICT) == []) is strict


def test_a_current_step_in_its_other_spelling_is_found_at_the_compatible_level() -> None:
    listed = [a_step("TRANSFER_PRECHECK", "FINISHED", 100), a_step("FULL_TRANSFER", "RUNNING")]
    for current in ("FULL_MIGRATION", "FULL_TRANSFER"):
        one = round_of(progress(current=current), listed)
        assert steps.current_step_violations([one], Level.COMPATIBLE) == []
    v3_name = round_of(progress(current="FULL_MIGRATION"), listed)
    (found,) = steps.current_step_violations([v3_name], Level.STRICT)
    assert "currentStep FULL_MIGRATION is not in the step list" in found.message
    other = round_of(progress(current="STRUCT_MIGRATION"), listed)  # pairs STRUCT_TRANSFER
    (found,) = steps.current_step_violations([other], Level.COMPATIBLE)
    assert "currentStep STRUCT_MIGRATION is not in the step list" in found.message
    init = [a_step("TRANSFER_PRECHECK", "RUNNING", 10), a_step("INCR_TRANSFER", "INIT")]
    (found,) = steps.current_step_violations([round_of(progress(current="INCR_SYNC"), init)])
    assert "currentStep INCR_SYNC is INIT in the step list" in found.message


def _failed(**reason: Any) -> dict[str, Any]:
    one = a_step("FULL_TRANSFER", "FAILED", 40)
    one["extraInfo"].update(reason)
    return one


@pytest.mark.parametrize(
    ("reason", "says_why"),
    [
        ({}, False),
        ({"errorMsg": ""}, False),
        ({"errorDetails": []}, False),
        ({"errorMsg": "source unreachable"}, True),
        ({"errorCode": "FULL_FAILED"}, True),
        ({"errorDetails": [{"code": "X"}]}, True),
    ],
)
def test_a_failed_step_says_why(reason: dict[str, Any], says_why: bool) -> None:
    one = round_of(progress(), [_failed(**reason)])
    found = steps.failed_reason_violations([one])
    assert (found == []) is says_why
    if found:
        assert found[0].rule is Rule.V4_STEP_FAILED_REASON
        assert "step FULL_TRANSFER is FAILED without a reason" in found[0].message
    no_extra = a_step("FULL_TRANSFER", "FAILED", 40, extraInfo=None)
    assert steps.failed_reason_violations([round_of(progress(), [no_extra])]) != []
    running = round_of(progress(), [a_step("FULL_TRANSFER", "RUNNING", 40)])
    assert steps.failed_reason_violations([running]) == []


@pytest.mark.parametrize(
    ("status", "compatible", "strict"),
    [
        ("FINISHED", True, True),
        ("INIT", True, False),  # a step that never ran
        ("RUNNING", False, False),
        ("FAILED", False, False),
        ("SUSPEND", False, False),
        ("MONITORING", False, False),
    ],
)
def test_a_finished_project_s_steps_are_over(status: str, compatible: bool, strict: bool) -> None:
    listed = [a_step("FULL_TRANSFER", "FINISHED", 100), a_step("TRANSFER_APP_SWITCH", status)]
    done = progress(status="FINISHED", full=100, current="TRANSFER_APP_SWITCH")
    one = round_of(done, listed)
    assert (steps.finished_project_violations([one], Level.COMPATIBLE) == []) is compatible
    assert (steps.finished_project_violations([one], Level.STRICT) == []) is strict
    # judged only when both progress calls say FINISHED around the list
    running = progress(status="RUNNING", full=100, current="TRANSFER_APP_SWITCH")
    for around in (round_of(running, listed, done), round_of(running, listed)):
        assert steps.finished_project_violations([around], Level.STRICT) == []


def test_a_finished_step_stays_finished_while_the_project_runs() -> None:
    done = [a_step("TRANSFER_PRECHECK", "FINISHED", 100), a_step("FULL_TRANSFER", "RUNNING", 10)]
    again = [a_step("TRANSFER_PRECHECK", "RUNNING", 30), a_step("FULL_TRANSFER", "RUNNING", 20)]
    running = progress()
    (found,) = steps.stays_finished_violations([round_of(running, done), round_of(running, again)])
    assert found.rule is Rule.V4_STEP_STAYS_FINISHED
    assert "step TRANSFER_PRECHECK was FINISHED and is RUNNING again at 30 %" in found.message
    # a suspend, a failure or a resume between them starts afresh: a new run may redo a step
    for status in ("SUSPEND", "FAILED"):
        between = round_of(progress(status=status), done)
        assert (
            steps.stays_finished_violations(
                [round_of(running, done), between, round_of(running, again)]
            )
            == []
        )
    moved = round_of(running, again, progress(status="SUSPEND"))  # stopped during the round
    assert steps.stays_finished_violations([round_of(running, done), moved]) == []
    # a failed step may recover: only FINISHED is held
    failed = [_failed(errorMsg="x"), a_step("TRANSFER_PRECHECK", "FINISHED", 100)]
    recovered = [
        a_step("FULL_TRANSFER", "RUNNING", 5),
        a_step("TRANSFER_PRECHECK", "FINISHED", 100),
    ]
    assert (
        steps.stays_finished_violations([round_of(running, failed), round_of(running, recovered)])
        == []
    )


# -- the target: detection, rounds, projects, the lifecycle -----------------------------------


def test_mock_oms_speaks_both_and_auto_checks_v3(mock: Target) -> None:
    assert detect_api(mock, Api.AUTO).api is Api.V3
    assert detect_api(mock, Api.AUTO).also is Api.V4
    assert detect_api(mock, Api.V4).api is Api.V4
    assert mock.api is Api.V4


@pytest.mark.parametrize(("server", "api"), [("v4", Api.V4), ("v3", Api.V3)])
def test_another_server_is_asked_which_api_it_speaks(server: str, api: Api) -> None:
    serve = serving(V4Oms()) if server == "v4" else serving_v3(Oms())
    with serve as url, open_target(KitOptions(base_url=url)) as target:
        assert target.detected.api is api
        assert target.detected.also is None
        if api is Api.V4:
            assert v4_projects_to_observe(target, [], "t") == list(PROJECTS)


def test_rounds_on_mock_oms_move_its_clock(mock: Target) -> None:
    rounds = poll_v4_rounds(mock, ["full-migration~r"], interval=100, duration=300)
    found = rounds["full-migration~r"]
    assert [one.steps.at for one in found] == [0, 100, 200, 300]
    assert [r.index for r in progress_session(found)] == [0, 2, 3, 5, 6, 8, 9, 11]
    assert [one.steps.index for one in found] == [1, 4, 7, 10]
    statuses = [r.body["data"]["status"] for r in progress_session(found)]
    assert statuses[0] == "INIT" and statuses[-1] == "RUNNING"


def test_the_default_v4_projects_on_mock_oms_are_its_plain_scenarios(mock: Target) -> None:
    assert mock.control is not None
    plain = {s["name"] for s in mock.control.scenarios() if s["plain"]}
    assert {p.split("~")[0] for p in v4_projects_to_observe(mock, [], "tok")} == plain


@pytest.mark.parametrize("level", list(Level))
def test_the_lifecycle_walk_passes_on_mock_oms(mock: Target, level: Level) -> None:
    assert mock.control is not None
    mock.control.add_scenario(lifecycle_scenario())
    label = {"labelIds": [f"scenario:{LIFECYCLE_SCENARIO}"]}
    walk = walk_lifecycle(mock, ({"name": "a", **label}, {"name": "b", **label}), level)
    assert walk.problems == []
    actions = [r.action for r in walk.responses]
    assert actions.count("CreateProject") == 2
    assert {"StartProject", "StopProject", "ResumeProject", "ReleaseProject"} <= set(actions)
    assert actions.count("DeleteProject") == 2
    refused = [r for r in walk.responses if r.body and r.body.get("success") is False]
    assert len(refused) >= 9
    assert {r.body["code"] for r in refused} == {"GHANA-OPERAT000001"}
    assert json.dumps(walk.responses[0].body["data"]).startswith('"np_')


def test_every_rule_over_time_names_a_v4_answers_violations_for_v4() -> None:
    """A session that breaks each rule over time: every violation is a V4 rule's."""
    bodies = [
        progress(status="RUNNING", full=50, checkpoint=1_700_000_100),
        progress(status="SUSPEND", full=40, checkpoint=1_700_000_000, struct=True),
        progress(status="SUSPEND", full=45, checkpoint=10**13, struct=True) | {"x": 1},
        progress(status="INIT", full=101, checkpoint=None, incr=False)
        | {"structTransferProgress": 20, "incrSyncCheckpoint": 5},
        progress(status="FINISHED", full=90, current="FULL_VERIFIER"),
        progress(status="RUNNING", full=90),
    ]
    session = [of(success(b), index=i) for i, b in enumerate(bodies)]
    found = temporal.session_violations(session, Level.STRICT)
    rules = {v.rule for v in found}
    assert len(rules) >= 10, rules
    assert all(rule.value.startswith("v4-") for rule in rules), rules
    assert all(v.response is not None and v.response.action == PROGRESS for v in found)
    assert temporal.observed_violations([of(error())])[0].rule is Rule.V4_OBSERVED
