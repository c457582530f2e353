"""Attacks on the scenario loader (issue 13, reproductions 1 and 3, scaled down): documents
are measured by what they expand to, refused before they are built, and every answer quotes
at most a bounded excerpt of a value."""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Callable
from contextlib import suppress
from functools import partial

import pytest
from attacks import laughs, phases
from servers import MakeClient

from mock_oms.client import ControlClient, ControlError
from mock_oms.core.errors import MAX_LISTED_PROBLEMS, MAX_MESSAGE, ScenarioError, excerpt
from mock_oms.scenarios.loader import MAX_REASON, load_text
from mock_oms.scenarios.sourcemap import Budget, measure
from mock_oms.web.app import MockOms
from mock_oms.web.control import scenarios

# what any refusal of the loader may weigh: 20 problems of at most MAX_REASON characters
MAX_ANSWER = MAX_MESSAGE + 2000


@pytest.fixture
def control(make_client: MakeClient) -> tuple[MockOms, ControlClient]:
    return make_client()


def peak(fn: Callable[[], object]) -> int:
    """The most memory (bytes, Python allocations) ``fn`` held at once."""
    tracemalloc.start()
    with suppress(ScenarioError):
        fn()
    _, most = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return most


def refusal(client: ControlClient, text: str) -> tuple[int, bytes, dict[str, object]]:
    response = client.http.post("/_mock/scenarios", content=text)
    return response.status_code, response.content, response.json()


def test_an_anchor_repeated_by_aliases_counts_as_all_it_repeats(
    control: tuple[MockOms, ControlClient],
) -> None:
    # 50 kB of text that expands to 200 MB: the probe's 1 MB one took the server past 6 GB
    text = laughs(width=50_000, repeats=4_000)
    assert len(text) < 100_000
    assert measure(laughs(50_000, 2), Budget())[1] > 3 * 50_000  # the text counted thrice
    status, body, doc = refusal(control[1], text)
    assert status == 422
    assert "expands to more than" in str(doc["message"])
    assert len(body) < MAX_ANSWER
    # refused from the parser's events: nothing of its expansion is ever built
    assert peak(lambda: load_text(text, "laughs.yaml")) < 10 * len(text) + 5_000_000


def test_nested_aliases_are_refused_from_the_events_alone() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    text = "\n".join(lines) + "\nname: b\nkind: migration\ntimeline: [{status: INIT}]\n"
    assert peak(lambda: load_text(text, "bomb.yaml")) < 5_000_000


def test_a_document_of_many_small_values_is_refused_before_it_is_built() -> None:
    # a node costs several hundred bytes: 1 MB of "1," held 250 MB before this bound
    budget = Budget(values=10_000)
    items = ",".join(["1"] * 30_000)
    for text in (f'{{"name": "x", "projects": [{items}]}}', f"name: x\nprojects: [{items}]\n"):
        with pytest.raises(ScenarioError, match="more than 10000 values"):
            load_text(text, "many", budget=budget)
        # what building it would hold: a few hundred bytes a value
        assert peak(partial(load_text, text, "many", budget=budget)) < 30_000 * 20


def test_an_upload_of_100_000_phases_is_refused_with_a_short_answer(
    control: tuple[MockOms, ControlClient],
) -> None:
    # the probe's 5.8 MB of 100,000 phases took 17.9 s and echoed the whole timeline
    status, body, doc = refusal(control[1], phases(100_000))
    assert status == 422
    assert "more than 250000 values" in str(doc["message"])
    assert len(body) < MAX_ANSWER


def test_a_long_value_is_quoted_as_an_excerpt(control: tuple[MockOms, ControlClient]) -> None:
    long = "Z" * 1_000_000
    text = json.dumps(
        {"name": "x", "kind": "migration", "importance": long, "timeline": [{"status": long}]}
    )
    status, body, doc = refusal(control[1], text)
    assert status == 422
    assert len(body) < MAX_ANSWER
    assert "ZZZZ" in str(doc["message"])  # the value is quoted, in part
    assert "characters cut" in str(doc["message"])


def test_many_problems_are_counted_rather_than_listed(
    control: tuple[MockOms, ControlClient],
) -> None:
    text = phases(3_000).replace("RUNNING", "RUNING")
    with pytest.raises(ScenarioError) as refused:
        load_text(text, "typos.yaml")
    assert len(refused.value.problems) >= 3_000  # all of them, for mock-oms validate
    assert all(len(p.reason) <= MAX_REASON + 40 for p in refused.value.problems)
    status, body, doc = refusal(control[1], text)
    assert status == 422
    assert len(body) < MAX_ANSWER
    assert f"and {len(refused.value.problems) - MAX_LISTED_PROBLEMS} more problems" in str(
        doc["message"]
    )


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("short", "'short'"),
        ("x" * 1000, "'" + "x" * 80 + "'... (1000 characters)"),
        (list(range(10**6)), "a list of 1000000 items"),
        (10**5000, "int of more digits than can be shown"),
    ],
    ids=["short", "long text", "long list", "huge int"],
)
def test_excerpt_quotes_a_bounded_part(value: object, shown: str) -> None:
    assert excerpt(value) == shown


def test_ids_from_a_path_are_quoted_as_an_excerpt(control: tuple[MockOms, ControlClient]) -> None:
    _, client = control
    with pytest.raises(ControlError) as refused:
        client.project("p" * 5000)
    assert refused.value.status == 404
    assert len(str(refused.value.envelope["message"])) < 300


def test_the_library_holds_a_bounded_number_of_uploads(
    control: tuple[MockOms, ControlClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, client = control
    held = len(app.runtime.store.library)
    monkeypatch.setattr(scenarios, "MAX_SCENARIOS", held + 2)
    one = "name: up-{n}\nkind: migration\ntimeline: [{{status: INIT}}]\n"
    client.add_scenario(one.format(n=1))
    client.add_scenario(one.format(n=2))
    with pytest.raises(ControlError) as refused:
        client.add_scenario(one.format(n=3))
    assert (refused.value.status, refused.value.code) == (409, "LIMIT_REACHED")
    client.add_scenario(one.format(n=2) + "description: replaced\n")  # a replacement fits
    monkeypatch.setattr(scenarios, "MAX_UPLOADED", 2 * len(one) + 20)
    with pytest.raises(ControlError, match="would pass"):
        client.add_scenario(one.format(n=1) + "description: " + "y" * 100 + "\n")
    client.reset(fresh=True)  # forgets the uploads: room again
    client.add_scenario(one.format(n=3))
