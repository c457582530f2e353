from __future__ import annotations

import json
from pathlib import Path

import pytest

from mock_oms.core.errors import ScenarioError
from mock_oms.resources import scenarios_dir
from mock_oms.scenarios.loader import load_bundled, load_paths, load_text

GOOD = """\
name: good
kind: migration
timeline:
  - status: INIT
    seconds: 5
  - status: RUNNING
"""


def reasons(exc: pytest.ExceptionInfo[ScenarioError]) -> list[str]:
    return [str(p) for p in exc.value.problems]


def test_a_problem_names_file_line_and_reason(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(GOOD.replace("  - status: RUNNING", "  - status: RUNING"))
    with pytest.raises(ScenarioError) as refused:
        load_paths([path])
    assert reasons(refused) == [
        f"{path}:6: timeline[1].status: 'RUNING' is not one of ['INIT', 'RUNNING', 'SUSPEND', "
        "'FAILED', 'FINISHED', 'RELEASING', 'RELEASED', 'DELETED']"
    ]


def test_rule_problems_also_have_lines() -> None:
    text = GOOD.replace("  - status: RUNNING", "  - status: RUNNING\n    step: INCR_SYNC")
    with pytest.raises(ScenarioError) as refused:
        load_text(text, "x.yaml")
    assert reasons(refused) == [
        "x.yaml:7: timeline[1].step: step INCR_SYNC needs the incr phase, which this scenario "
        "does not enable"
    ]


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("name: [unclosed\n", 2, "not valid YAML or JSON"),
        ('{"name": "x", "kind": [}', 1, "not valid YAML or JSON"),
        ("- just\n- a list\n", 1, "a scenario is a mapping of fields"),
        ("", 1, "the file is empty"),
        (GOOD + "name: again\n", 7, "duplicate key"),
        (GOOD.replace("kind: migration", "kind: migration\nlanguage: en"), 3, "unknown field"),
    ],
)
def test_malformed_text_is_reported_with_its_line(text: str, line: int | None, reason: str) -> None:
    with pytest.raises(ScenarioError) as refused:
        load_text(text, "f.yaml")
    problem = refused.value.problems[0]
    assert (problem.line, reason in problem.reason) == (line, True), problem


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "x.yaml:1: the file is empty: a scenario needs at least name, kind and timeline"),
        ("# only a comment\n", "x.yaml:1: the file is empty"),
        (
            "- a\n- b\n",
            "x.yaml:1: a scenario is a mapping of fields (name, kind, timeline, ...), not a list",
        ),
        (
            "seconds=5\n",
            "x.yaml:1: a scenario is a mapping of fields (name, kind, timeline, ...), not text",
        ),
    ],
)
def test_a_file_that_is_not_a_mapping_is_said_so_plainly(text: str, reason: str) -> None:
    """An empty file reported `(top level): None is not of type 'object'`."""
    with pytest.raises(ScenarioError) as caught:
        load_text(text, "x.yaml")
    (problem,) = caught.value.problems
    assert str(problem).startswith(reason)


def test_json_is_accepted_with_lines() -> None:
    text = '{\n  "name": "j",\n  "kind": "sync",\n  "timeline": [\n    {"status": "NOPE"}\n  ]\n}'
    with pytest.raises(ScenarioError) as refused:
        load_text(text, "j.json")
    assert refused.value.problems[0].line == 5
    assert load_text(text.replace("NOPE", "INIT"), "j.json").name == "j"


def test_one_broken_file_refuses_the_whole_set(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD)
    (tmp_path / "b.yml").write_text(
        GOOD.replace("name: good", "name: other").replace("INIT", "NOPE")
    )
    (tmp_path / "notes.txt").write_text("ignored")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "c.yaml").write_text("ignored: [")
    with pytest.raises(ScenarioError) as refused:
        load_paths([tmp_path])
    assert [p.file for p in refused.value.problems] == [str(tmp_path / "b.yml")]


def test_names_and_project_ids_must_be_unique_across_files(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD + "projects: [shared]\n")
    (tmp_path / "b.yaml").write_text(GOOD + "projects: [shared]\n")
    (tmp_path / "c.yaml").write_text(GOOD.replace("good", "c") + "projects: [good]\n")
    with pytest.raises(ScenarioError) as refused:
        load_paths([tmp_path])
    text = "\n".join(reasons(refused))
    assert "scenario name 'good' is already used" in text
    assert "project ID 'good' is already served" in text


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: p / "missing.yaml", "no such file or folder"),
        (lambda p: p, "no scenario files"),
    ],
)
def test_paths_that_hold_no_scenarios_are_problems(
    tmp_path: Path, make: object, reason: str
) -> None:
    assert callable(make)
    with pytest.raises(ScenarioError) as refused:
        load_paths([make(tmp_path)])
    assert reason in refused.value.problems[0].reason


def test_a_file_that_is_not_utf8_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "latin.yaml"
    path.write_bytes(b"name: caf\xe9\n")
    with pytest.raises(ScenarioError, match="not UTF-8"):
        load_paths([path])


def test_the_bundled_library_is_valid_and_complete() -> None:
    # load_bundled() trusts the bundled files to keep start-up short; this checks them fully
    library = load_paths([scenarios_dir()])
    assert set(library.scenarios) == set(load_bundled().scenarios)
    assert {p.name for p in scenarios_dir().glob("*.yaml")} == {
        f"{name}.yaml" for name in library.scenarios
    }
    expected = {
        "full-migration",
        "incremental-sync",
        "reverse-sync",
        "sync-project",
        "precheck-failure",
        "struct-migration-failure",
        "full-migration-failure",
        "resume-after-failure",
        "suspend-resume",
        "release",
        "deleted",
        "incr-sync-stall",
    }
    assert expected <= set(library.scenarios)


def test_json_text_keeps_characters_yaml_would_refuse_or_fold() -> None:
    text = json.dumps(
        {
            "name": "j",
            "kind": "migration",
            "description": "a\x85b\x7fc",
            "timeline": [{"status": "INIT"}],
        }
    )
    assert load_text(text, "j.json").description == "a\x85b\x7fc"


def test_yaml_flow_style_is_still_yaml() -> None:
    assert load_text("{name: f, kind: sync, timeline: [{status: INIT}]}", "f.yaml").name == "f"


@pytest.mark.parametrize(
    ("text", "line", "where"),
    [
        (GOOD.replace("seconds: 5", "seconds: .nan"), 5, "timeline[0].seconds"),
        (GOOD.replace("seconds: 5", "seconds: .inf"), 5, "timeline[0].seconds"),
        (GOOD + "release: {seconds: .NaN}\n", 7, "release.seconds"),
        (GOOD + "faults: [{fault: reset, window: {to: .inf}}]\n", 7, "faults[0].window.to"),
        (
            '{"name": "j", "kind": "migration",\n'
            ' "timeline": [{"status": "INIT", "seconds": NaN}]}',
            2,
            "timeline[0].seconds",
        ),
    ],
)
def test_a_number_that_is_not_finite_is_refused_with_its_line(
    text: str, line: int, where: str
) -> None:
    # NaN passes every bound of a schema (each comparison is false) and neither is JSON
    with pytest.raises(ScenarioError) as refused:
        load_text(text, "f.yaml")
    assert [(p.line, p.path) for p in refused.value.problems] == [(line, where)]
    assert "not a finite number" in refused.value.problems[0].reason


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ("    seconds: 5\n", "    polls: 2.0\n"),
        ("  - status: RUNNING\n", "  - status: RUNNING\n    progress: {full: 50.0}\n"),
        ("  - status: RUNNING\n", "  - status: RUNNING\n    faults: [{fault: {status: 503.0}}]\n"),
        (
            "  - status: RUNNING\n",
            "  - status: RUNNING\n    faults: [{fault: {truncate: {bytes: 3.0}}}]\n",
        ),
        (
            "  - status: RUNNING\n",
            "  - status: RUNNING\n    faults: [{fault: {error: {code: X, status: 500.0}}}]\n",
        ),
    ],
)
def test_a_float_where_an_integer_belongs_is_refused_with_its_line(change: str, where: str) -> None:
    # JSON Schema calls 2.0 an integer; the model counts with it (polls, bytes, statuses),
    # where it crashed the loader or the poll
    with pytest.raises(ScenarioError) as refused:
        load_text(GOOD.replace(change, where), "f.yaml")
    (problem,) = refused.value.problems
    assert "is not of type 'integer'" in problem.reason
    assert problem.line == (5 if "polls" in where else 7)


def test_aliases_may_not_expand_beyond_bounds() -> None:
    # "billion laughs": a few hundred bytes that expand to 10**8 values hung the loader
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 8)]
    with pytest.raises(ScenarioError) as refused:
        load_text("\n".join(lines) + "\n" + GOOD, "bomb.yaml")
    assert "expands to more than" in refused.value.problems[0].reason


def test_aliases_and_merge_keys_within_bounds_are_read() -> None:
    text = (
        "name: merged\nkind: migration\ntimeline:\n"
        "  - &init {status: INIT, seconds: 5}\n  - *init\n  - {<<: *init, status: RUNNING}\n"
    )
    scenario = load_text(text, "m.yaml")
    assert [p.seconds for p in scenario.timeline] == [5.0, 5.0, 5.0]


@pytest.mark.parametrize("depth", [100, 900, 950, 980, 990, 5000])
def test_deep_nesting_is_a_problem_wherever_it_is_met(depth: int) -> None:
    # parsing, or (just below the parser's limit) the schema check, ran out of stack
    nested = "[" * depth + "]" * depth
    text = json.dumps(
        {"name": "d", "kind": "migration", "timeline": [{"status": "INIT", "progress": {}}]}
    ).replace("{}}", '{"struct": ' + nested + "}}")
    with pytest.raises(ScenarioError):  # not a RecursionError
        load_text(text, "d.json")


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("2024-05-01", "a date"),
        ("!!binary aGVsbG8=", "bytes"),
        ("!!set {a, b}", "a set"),
        ("{2024-05-01: x}", "key"),
    ],
)
@pytest.mark.parametrize("where", ["replay", "deviation"])
def test_a_yaml_value_json_has_not_is_refused_with_its_line(
    value: str, words: str, where: str
) -> None:
    # a replay body and a deviation's value take any JSON; YAML gave them dates, bytes and
    # sets, and then every poll was an INNER_ERROR and GET /_mock/scenarios/NAME a 500
    if where == "replay":
        text = (
            "name: r\nkind: replay\nendpoint: migration\nentries:\n"
            f"  - at: 0\n    body: {{success: true, extra: {value}}}\n"
        )
        line = 6
    else:
        text = (
            GOOD + "faults:\n  - fault:\n      deviation:\n"
            f"        {{field: data.status, change: value, value: {value}}}\n"
        )
        line = 10
    with pytest.raises(ScenarioError) as refused:
        load_text(text, "y.yaml")
    (problem,) = refused.value.problems
    assert (problem.line, words in problem.reason, "quote it" in problem.reason) == (
        line,
        True,
        True,
    ), problem
