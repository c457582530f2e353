from __future__ import annotations

import pytest

from mock_oms.core.clock import Clock
from mock_oms.core.errors import Conflict, NotFound, ParamError, ProjectNotFound
from mock_oms.core.kinds import Kind
from mock_oms.core.lifecycle import Action, Status
from mock_oms.core.store import Evicted, Origin, Store, check_project_id
from mock_oms.scenarios.loader import load_bundled

M, S = Kind.MIGRATION, Kind.SYNC


@pytest.fixture
def store() -> Store:
    return Store(load_bundled(), Clock(lambda: 0.0, speed=0), epoch=1.7e9, max_projects=50)


def test_each_scenario_is_served_under_its_name(store: Store) -> None:
    project, snap = store.poll("full-migration", M)
    assert (project.scenario, project.origin, snap.status) == (
        "full-migration",
        Origin.NAMED,
        Status.INIT,
    )


def test_listed_ids_and_instances_are_independent_projects(store: Store) -> None:
    store.clock.advance(100)
    store.poll("full-migration", M)
    store.clock.advance(100)
    named = store.poll("full-migration", M)[1]
    alias = store.poll("np_4w3a0001", M)[1]
    instance = store.poll("full-migration~run-7", M)[1]
    assert named.elapsed == 100 and alias.elapsed == 0 and instance.elapsed == 0
    assert store.poll("full-migration~run-7", M)[0].origin is Origin.INSTANCE


@pytest.mark.parametrize(
    ("project_id", "kind"),
    [
        ("nope", M),
        ("nope~x", M),
        ("full-migration~", M),
        ("~x", M),
        ("sync-project", M),
        ("full-migration", S),
    ],
)
def test_unknown_projects_and_the_wrong_endpoint_are_not_found(
    store: Store, project_id: str, kind: Kind
) -> None:
    with pytest.raises(ProjectNotFound):
        store.poll(project_id, kind)
    assert store.projects() == []


def test_at_the_cap_the_least_recently_polled_instance_makes_room(store: Store) -> None:
    told: list[Evicted] = []
    store.on_evict = told.append
    for n in range(50):
        store.poll(f"deleted~{n}", M)
    store.poll("deleted~0", M)  # polled again: now the most recent
    store.poll("deleted~50", M)
    assert [(e.project.id, e.instances, e.for_id) for e in told] == [
        ("deleted~1", 50, "deleted~50")
    ]
    assert len(store) == 50 and store.serves("deleted~1")  # it may start again
    assert "deleted~1" not in {p.id for p in store.projects()}
    assert store.poll("deleted~0", M)[0].polls == 3  # kept its state


def test_named_projects_are_never_refused_at_the_cap(store: Store) -> None:
    for n in range(50):
        store.create("release", f"mine{n}")  # none of them may be evicted
    with pytest.raises(ParamError, match="none of them is a NAME~suffix instance"):
        store.poll("deleted~1", M)
    assert store.poll("full-migration", M)[1].status is Status.INIT
    assert store.poll("np_4w3a0001", M)[1].status is Status.INIT
    assert len(store) == 52


def test_pages_follow_the_order_projects_were_made(store: Store) -> None:
    for n in range(7):
        store.poll(f"deleted~{n}", M)
    store.delete("deleted~3")
    first = store.page(limit=4)
    assert [p.id for p in first.projects] == [f"deleted~{n}" for n in (0, 1, 2, 4)]
    assert first.total == 6 and first.after is not None
    rest = store.page(first.after, limit=4)
    assert [p.id for p in rest.projects] == ["deleted~5", "deleted~6"] and rest.after is None


def test_create_refuses_existing_ids_unknown_scenarios_and_foreign_names(store: Store) -> None:
    store.create("release", "mine")
    with pytest.raises(Conflict):
        store.create("release", "mine")
    with pytest.raises(NotFound):
        store.create("no-such-scenario", "x")
    with pytest.raises(Conflict, match="belongs to scenario 'deleted'"):
        store.create("release", "deleted~1")
    assert store.create("release").id == "release~2"


def test_reset_restarts_created_projects_and_forgets_the_rest(store: Store) -> None:
    store.create("release", "mine")
    store.poll("deleted", M)
    store.clock.advance(50)
    assert store.act("mine", Action.STOP)[1].status is Status.SUSPEND
    assert store.reset() == 2
    assert [p.id for p in store.projects()] == ["mine"]
    project, snap = store.observe("mine")
    assert (snap.elapsed, snap.status, project.state.events) == (0, Status.INIT, ())


def test_delete_forgets_and_a_named_project_starts_again(store: Store) -> None:
    store.poll("deleted", M)
    store.clock.advance(30)
    assert store.poll("deleted", M)[1].status is Status.DELETED
    store.delete("deleted")
    assert store.poll("deleted", M)[1].status is Status.INIT
    with pytest.raises(ProjectNotFound):
        store.delete("never-polled")


@pytest.mark.parametrize("bad", ["", "a" * 129, "a/b", "a b", "é", "a%2F", "..", "~x", "-a", "x\n"])
def test_malformed_ids_are_param_errors(bad: str) -> None:
    with pytest.raises(ParamError):
        check_project_id(bad)


@pytest.mark.parametrize("good", ["a", "a" * 128, "np_4w3a0001", "full-migration~x.y-z_1"])
def test_well_formed_ids_pass(good: str) -> None:
    assert check_project_id(good) == good
