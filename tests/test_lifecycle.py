from __future__ import annotations

import pytest
from documented import LIFECYCLE

from mock_oms.core.lifecycle import (
    AUTOMATIC,
    EDGES,
    SETTLED,
    Action,
    Status,
    action_for,
    is_edge,
    legal_actions,
    reachable,
    result_of,
)

GUIDE = LIFECYCLE  # written out in documented.py, apart from mock_oms.core.lifecycle


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("action", list(Action))
def test_operator_actions_match_the_guide(status: Status, action: Action) -> None:
    expected = GUIDE[status.value].get(action.value)
    if action is Action.FAIL:  # a failure injected by a test, legal only while running
        expected = "FAILED" if status is Status.RUNNING else None
    got = result_of(status, action)
    assert (got.value if got else None) == expected


def test_release_is_refused_while_running() -> None:
    assert Action.RELEASE not in legal_actions(Status.RUNNING)


def test_automatic_edges_and_reachability() -> None:
    assert is_edge(Status.RUNNING, Status.FINISHED)
    assert is_edge(Status.RELEASING, Status.RELEASED)
    assert not is_edge(Status.INIT, Status.FINISHED)
    assert reachable(Status.INIT, Status.FINISHED)
    assert not reachable(Status.FINISHED, Status.RUNNING)
    assert not reachable(Status.DELETED, Status.INIT)
    assert all(reachable(s, s) for s in Status)
    assert action_for(Status.SUSPEND, Status.RUNNING) is Action.RESUME


def test_deleted_is_final_and_settled_statuses_leave_only_by_operator_action() -> None:
    assert legal_actions(Status.DELETED) == ()
    assert not any(src is Status.DELETED for src, _ in EDGES)
    # the service moves a project on by itself only out of RUNNING and RELEASING
    assert {src for src, _ in AUTOMATIC} == {Status.RUNNING, Status.RELEASING}
    for status in SETTLED:
        assert not any(src is status for src, _ in AUTOMATIC), status
        for src, dst in EDGES:
            if src is status:  # every way out of a settled status is an operator's action
                assert action_for(src, dst) is not None, (src, dst)
    # and the only way back to RUNNING from a settled status is resuming a failure
    back = {src for src, dst in EDGES if dst is Status.RUNNING and src in SETTLED}
    assert back == {Status.FAILED}
