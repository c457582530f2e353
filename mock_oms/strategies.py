"""Hypothesis strategies for client authors: what the OMS progress API may answer.

Every function returns a ``SearchStrategy``; its docstring says what a failing example
shrinks towards. Single responses are derived from the JSON Schemas in ``schemas/``
(through ``hypothesis_jsonschema.from_schema``) and then constrained by the rules a schema
cannot state; timelines and scenarios are built from the lifecycle table.

Faults (:func:`faults`, :func:`fault_rules`, :func:`injections`, :func:`fault_sequences`)
are declarations as a scenario or the control API writes them, their parts taken from
``scenario.schema.json``'s ``$defs`` (``Fault``, ``FaultRule``, ``Injection``) and kept to
what ``mock-oms validate`` accepts; every wait they cause or ask for has a bound.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Collection, Mapping, Sequence
from functools import partial
from types import MappingProxyType
from typing import Any, Literal, get_args

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy
from hypothesis_jsonschema import from_schema

from mock_oms import schemas
from mock_oms.core.kinds import Flags, Kind
from mock_oms.core.lifecycle import EDGES, SETTLED, Importance, Status
from mock_oms.core.steps import allowed_steps
from mock_oms.faults.malform import OUT_OF_RANGE, known_fields
from mock_oms.faults.model import DEFAULT_HANG, DEFAULT_RETRY_AFTER, RETRY_AFTER_STATUSES, Change

Document = dict[str, Any]
Timing = Literal["seconds", "polls", "mixed"]

KINDS: tuple[Kind, ...] = (Kind.MIGRATION, Kind.SYNC)
DOCUMENTED_ERROR_CODES: tuple[str, ...] = (
    "GHANA-PROJECT000001",
    "PARAM_ERROR",
    "INNER_ERROR",
    "GHANA-OPERAT000001",
)
PROGRESS_FIELDS = ("structMigrationProgress", "fullMigrationProgress")
# The enable flag (as in steps.Flags) behind each flag field of `data`, per kind.
FLAG_FIELDS: Mapping[Kind, Mapping[str, str]] = MappingProxyType(
    {
        Kind.MIGRATION: MappingProxyType(
            {
                "enableStructMigration": "struct",
                "enableFullMigration": "full",
                "enableIncrSync": "incr",
                "enableReverseIncrSync": "reverse",
            }
        ),
        Kind.SYNC: MappingProxyType(
            {"enableStructSync": "struct", "enableFullSync": "full", "enableIncrSync": "incr"}
        ),
    }
)
_DATA_DEF: Mapping[Kind, str] = MappingProxyType(
    {Kind.MIGRATION: "MigrationProgress", Kind.SYNC: "SyncProgress"}
)


def _utf8(value: Any) -> Any:
    """``value`` with lone surrogates replaced: a body on the wire is UTF-8."""
    if isinstance(value, str):
        return "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in value)
    if isinstance(value, dict):
        return {_utf8(k): _utf8(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_utf8(v) for v in value]
    return value


def _object(kind: Kind, definition: str, skip: Sequence[str] = ()) -> SearchStrategy[Document]:
    """The properties of ``$defs[definition]``, each drawn by ``from_schema``."""
    schema = schemas.load(schemas.PROGRESS_SCHEMAS[kind])
    defs = schema["$defs"]
    props: Mapping[str, Any] = defs[definition]["properties"]
    fields = {
        name: from_schema({"$defs": defs, **sub}).map(_utf8)
        for name, sub in props.items()
        if name not in skip
    }
    if "requestId" in fields:  # the schema says non-empty; the contract, not blank either
        fields["requestId"] = fields["requestId"].filter(lambda text: text.strip() != "")
    return st.fixed_dictionaries(fields)


def _kinds(kind: Kind | str | None) -> list[Kind]:
    return [Kind(kind)] if kind is not None else list(KINDS)


def _flags(kind: Kind, data: Mapping[str, Any]) -> dict[str, bool]:
    flags = {"struct": False, "full": False, "incr": False, "reverse": False}
    for name, flag in FLAG_FIELDS[kind].items():
        flags[flag] = bool(data.get(name))
    return flags


def _allowed(kind: Kind, flags: Mapping[str, bool]) -> list[str]:
    return allowed_steps(kind, Flags(**flags))


def _constrained(kind: Kind, fields: SearchStrategy[Document]) -> SearchStrategy[Document]:
    """``data`` drawn from ``fields``, then made to keep the rules a schema cannot say."""

    @st.composite
    def build(draw: st.DrawFn) -> Document:
        data = draw(fields)
        flags = _flags(kind, data)
        data["currentStep"] = draw(st.sampled_from(_allowed(kind, flags)))
        if data["status"] == Status.FINISHED.value:
            for flag, name in (("struct", PROGRESS_FIELDS[0]), ("full", PROGRESS_FIELDS[1])):
                if flags[flag]:
                    data[name] = 100
        return data

    return build()


def _data(kind: Kind) -> SearchStrategy[Document]:
    return _constrained(kind, _object(kind, _DATA_DEF[kind]))


def progress_data(kind: Kind | str | None = None) -> SearchStrategy[Document]:
    """The ``data`` object of a successful progress response (of ``kind``, or either).

    Each field comes from the schema; ``currentStep`` is then one the enable flags allow
    and a FINISHED project shows 100 for its enabled phases. Shrinks towards a migration
    project in INIT, every flag false, zero progress and checkpoints, and ``PRE_CHECK``.
    """
    return st.one_of(*(_data(k) for k in _kinds(kind)))


def progress_responses(kind: Kind | str | None = None) -> SearchStrategy[Document]:
    """A whole successful progress response: the envelope from the schema's success form
    (paging null or any int, any ``cost`` the pattern allows, any text elsewhere) around
    :func:`progress_data`. Shrinks towards the smallest envelope values around the
    smallest ``data``."""
    return st.one_of(
        *(
            st.builds(
                lambda env, data: {**env, "data": data},
                _object(k, "SuccessEnvelope", skip=("data",)),
                _data(k),
            )
            for k in _kinds(kind)
        )
    )


def error_responses(
    kind: Kind | str | None = None, codes: Sequence[str] = DOCUMENTED_ERROR_CODES
) -> SearchStrategy[Document]:
    """An in-band error response (``success`` false, ``data`` null) carrying one of
    ``codes``, its message prefixed ``[CODE]: `` as real payloads are. Shrinks towards the
    first code and empty texts."""

    def build(body: Document, code: str) -> Document:
        return {**body, "code": code, "message": f"[{code}]: {body['message']}"}

    return st.one_of(
        *(
            st.builds(build, _object(k, "ErrorEnvelope"), st.sampled_from(list(codes)))
            for k in _kinds(kind)
        )
    )


def responses(kind: Kind | str | None = None) -> SearchStrategy[Document]:
    """Any answer the contract allows: a progress response or an in-band error."""
    return st.one_of(progress_responses(kind), error_responses(kind))


def _envelope(data: Document, request_id: str, cost_ms: int) -> Document:
    return {
        "success": True,
        "code": "success",
        "message": "success",
        "advice": "",
        "requestId": request_id,
        "pageNumber": 1,
        "pageSize": 1,
        "totalCount": 1,
        "cost": f"{cost_ms} ms",
        "data": data,
    }


def _successors(status: Status) -> list[Status]:
    return sorted((dst for src, dst in EDGES if src is status), key=list(Status).index)


@st.composite
def _timeline(draw: st.DrawFn, kind: Kind, min_size: int, max_size: int) -> list[Document]:
    flags = {
        "struct": draw(st.booleans()),
        "full": draw(st.booleans()),
        "incr": draw(st.booleans()),
        "reverse": draw(st.booleans()) and kind is Kind.MIGRATION,
    }
    steps = _allowed(kind, flags)
    size = draw(st.integers(min_size, max_size))
    status = draw(st.sampled_from(list(Status)))
    progress = {
        name: 0 if status is Status.INIT else draw(st.integers(0, 100)) for name in PROGRESS_FIELDS
    }
    epoch = draw(st.integers(1_500_000_000, 2_000_000_000))
    checkpoints = {
        "incr": epoch if flags["incr"] else 0,
        "reverse": epoch if flags["reverse"] else 0,
    }
    importance = draw(st.sampled_from(list(Importance)))
    step = draw(st.sampled_from(steps))
    out: list[Document] = []
    previous: Status | None = None
    for _ in range(size):
        if previous is not None:
            status = draw(st.sampled_from([status, *_successors(status)]))
        if status is Status.RUNNING:
            if previous is not None and previous is not Status.RUNNING and draw(st.booleans()):
                progress = {
                    name: draw(st.integers(0, 100)) for name in PROGRESS_FIELDS
                }  # a new run
            else:
                progress = {n: draw(st.integers(v, 100)) for n, v in progress.items()}
            for name in checkpoints:
                if flags[name]:
                    checkpoints[name] += draw(st.integers(0, 600))
            step = draw(st.sampled_from([step, *steps]))
        if status is Status.FINISHED:
            for flag, name in (("struct", PROGRESS_FIELDS[0]), ("full", PROGRESS_FIELDS[1])):
                if flags[flag]:
                    progress[name] = 100
        importance = draw(st.sampled_from([importance, *Importance]))
        data: Document = {"status": status.value, "importance": importance.value}
        for name, flag in FLAG_FIELDS[kind].items():
            data[name] = flags[flag]
        data["currentStep"] = step
        data.update(progress)
        if kind is Kind.MIGRATION:
            data["incrSyncCheckpoint"] = checkpoints["incr"]
            data["reverseIncrSyncCheckpoint"] = checkpoints["reverse"]
        else:
            data["incrSyncCheckpoint"] = str(checkpoints["incr"])
        request_id = str(draw(st.uuids(version=4)))
        out.append(_envelope(data, request_id, draw(st.integers(0, 2000))))
        previous = status
    return out


def timelines(
    kind: Kind | str | None = None, *, min_size: int = 1, max_size: int = 30
) -> SearchStrategy[list[Document]]:
    """Successive progress responses of one project, as a client polling it could see
    them: statuses move along legal transitions (one per poll at most), progress never
    decreases within a run, checkpoints never go back, a FINISHED project is complete,
    steps fit the flags. Shrinks towards a short timeline that stays in INIT with every
    flag false."""
    return st.one_of(*(_timeline(k, min_size, max_size) for k in _kinds(kind)))


# -- scenarios -------------------------------------------------------------------------


def _span(draw: st.DrawFn, low: int, waits: bool, end: int | None) -> Any:
    """A progress spec starting at >= ``low`` (None: keep the carried value)."""
    if end is None and not draw(st.booleans()):
        return None
    start = draw(st.integers(low, 100 if end is None else end))
    stop = start if waits else (end if end is not None else draw(st.integers(start, 100)))
    return start if start == stop else [start, stop]


@st.composite
def _scenario(
    draw: st.DrawFn,
    kinds: Sequence[Kind],
    max_phases: int,
    timing: Timing,
    max_seconds: int,
    max_polls: int,
    resumable: bool,
    name: str,
) -> Document:
    kind = draw(st.sampled_from(list(kinds)))
    flags = {name: draw(st.booleans()) for name in ("struct", "full", "incr", "reverse")}
    if kind is Kind.SYNC:  # drawn anyway, so that both kinds shrink alike
        del flags["reverse"]
    steps = _allowed(kind, {"reverse": False, **flags})

    # the statuses first: a walk along legal transitions, DELETED only at the end
    statuses = [draw(st.sampled_from([Status.INIT, Status.RUNNING]))]
    size = draw(st.integers(1, max_phases))
    while len(statuses) < size and statuses[-1] is not Status.DELETED:
        now = statuses[-1]
        options = [now, *_successors(now)]
        if not resumable and now is Status.FAILED:
            options = [s for s in options if s is not Status.RUNNING]
        statuses.append(draw(st.sampled_from(options)))

    timeline: list[Document] = []
    carried = {"struct": 0, "full": 0}
    previous: Status | None = None
    for i, status in enumerate(statuses):
        last = i == len(statuses) - 1
        phase: Document = {"status": status.value}
        # RELEASING that waits lasts release.seconds: not a polls-only timeline
        waits = (
            last
            and not (timing == "polls" and status is Status.RELEASING)
            and not draw(st.booleans())
        )
        if not waits:
            polls = timing == "polls" or (timing == "mixed" and draw(st.booleans()))
            if polls:
                phase["polls"] = draw(st.integers(1, max_polls))
            else:
                phase["seconds"] = draw(st.integers(1, max_seconds))
        step = draw(st.one_of(st.none(), st.sampled_from(steps)))
        if step is not None:
            phase["step"] = step
        level = draw(st.one_of(st.none(), st.sampled_from(list(Importance))))
        if level is not None:
            phase["importance"] = level.value
        if status is Status.RUNNING:
            new_run = previous is not Status.RUNNING
            finishing = not last and statuses[i + 1] is Status.FINISHED
            progress = {}
            for figure in ("struct", "full"):
                if not flags[figure]:
                    continue
                low = 0 if new_run else carried[figure]
                spec = _span(draw, low, waits, 100 if finishing else None)
                if spec is not None:
                    progress[figure] = spec
                    carried[figure] = spec if isinstance(spec, int) else spec[1]
            if progress:
                phase["progress"] = progress
        checkpoint = {}
        for which in ("incr", "reverse"):
            if flags.get(which):
                spec = draw(
                    st.one_of(
                        st.none(),
                        st.sampled_from(["follow", "freeze"]),
                        st.builds(
                            lambda mode, lag: {"mode": mode, "lag": lag},
                            st.sampled_from(["follow", "freeze"]),
                            st.integers(0, 60),
                        ),
                    )
                )
                if spec is not None:
                    checkpoint[which] = spec
        if checkpoint:
            phase["checkpoint"] = checkpoint
        timeline.append(phase)
        previous = status

    document: Document = {"name": name, "kind": kind.value, "flags": flags, "timeline": timeline}
    if draw(st.booleans()):
        document["release"] = {"seconds": draw(st.integers(1, max_seconds))}
    return document


def scenarios(
    *,
    kinds: Sequence[Kind | str] = KINDS,
    max_phases: int = 8,
    timing: Timing = "mixed",
    max_seconds: int = 600,
    max_polls: int = 10,
    resumable: bool = True,
    name: str = "generated",
) -> SearchStrategy[Document]:
    """Scenario documents that ``mock-oms validate`` accepts (``scenario.schema.json`` and
    the rules after it), named ``name``.

    ``timing``: phases last whole ``seconds``, a number of ``polls`` (plays the same under
    any clock and polling speed), or either. Only the last phase may wait for an action.
    ``resumable=False`` keeps a FAILED project from running again, so that the first
    settled status a client sees stays true. Shrinks towards one INIT phase of a
    migration project with every flag false, waiting forever.
    """
    if max_phases < 1:
        raise ValueError("max_phases must be >= 1")
    if timing not in get_args(Timing):
        raise ValueError(f"timing must be one of {', '.join(get_args(Timing))}, not {timing!r}")
    if max_seconds < 1 or max_polls < 1:
        raise ValueError("max_seconds and max_polls must be >= 1")
    problems = list(
        schemas.definition_validator(schemas.SCENARIO, "ScenarioName").iter_errors(name)
    )
    if problems:
        raise ValueError(f"name {name!r} is not a scenario name: {problems[0].message}")
    return _scenario(
        [Kind(k) for k in kinds], max_phases, timing, max_seconds, max_polls, resumable, name
    )


def settled_outcomes(document: Mapping[str, Any]) -> frozenset[str | None]:
    """What a client following the scenario's project may truthfully conclude: every
    settled status from the first one the timeline reaches on (RELEASING leads to
    RELEASED), or ``{None}`` when it never settles."""
    statuses = [str(p["status"]) for p in document["timeline"]]
    if statuses and statuses[-1] == Status.RELEASING.value:
        statuses.append(Status.RELEASED.value)
    settled = {s.value for s in SETTLED}
    for i, status in enumerate(statuses):
        if status in settled:
            return frozenset(s for s in statuses[i:] if s in settled)
    return frozenset({None})


# -- faults ----------------------------------------------------------------------------

FaultSpec = str | Document  # a fault as a scenario writes it: "reset", {"status": 503}, ...
FaultName = Literal[
    "status",
    "close",
    "reset",
    "latency",
    "error",
    "not-json",
    "truncate",
    "content-type",
    "hang",
    "deviation",
]
# Every kind of fault ($defs/Fault), simplest first: the order the fault strategies
# shrink along.
FAULT_NAMES: tuple[FaultName, ...] = get_args(FaultName)
# The faults a client that retries can see through to the truth: every one but a
# deliberate contract deviation (which makes a poll lie).
TRANSIENT: tuple[FaultName, ...] = FAULT_NAMES[:-1]
IN_BAND_ERROR_CODES: tuple[str, ...] = ("INNER_ERROR", "GHANA-OPERIE000000")
DELAY_STEPS = 20  # delays are multiples of max_delay / DELAY_STEPS: readable, and 0 first
_TEXT_SIZE = 40  # texts (messages, advice, not-JSON bodies, notes) stay short


def _defs() -> Mapping[str, Any]:
    defs: Mapping[str, Any] = schemas.load(schemas.SCENARIO)["$defs"]
    return defs


def _fault_branch(key: str) -> Any:
    return next(branch for branch in _defs()["Fault"]["oneOf"] if key in branch)


def _forms() -> Mapping[str, Any]:
    """The object forms of ``$defs/Fault``, by fault name."""
    forms: Mapping[str, Any] = _fault_branch("properties")["properties"]
    return forms


def schema_fault_names() -> frozenset[str]:
    """Every fault ``$defs/Fault`` names, bare or as an object (what FAULT_NAMES covers)."""
    return frozenset(_fault_branch("enum")["enum"]) | frozenset(_forms())


def _bare(name: str) -> bool:
    return name in _fault_branch("enum")["enum"]


def _tidy(seconds: float) -> float | int:
    rounded = round(seconds, 6)
    return int(rounded) if rounded == int(rounded) else rounded


def _step(bound: float, n: int) -> float | int:
    return _tidy(bound * n / DELAY_STEPS)


@st.composite
def _delay(draw: st.DrawFn, bound: float, seeded: bool, positive: bool = False) -> Any:
    """Seconds up to ``bound`` (a multiple of ``bound / DELAY_STEPS``), or with ``seeded`` a
    range [low, high] the server draws from. Shrinks towards 0 (one step when
    ``positive``)."""
    low = draw(st.integers(1 if positive else 0, DELAY_STEPS))
    if not seeded or not draw(st.booleans()):
        return _step(bound, low)
    return [_step(bound, low), _step(bound, draw(st.integers(low, DELAY_STEPS)))]


_SURROGATE = re.compile("[\ud800-\udfff]")


def _loadable(value: Any) -> Any:
    """``value`` with lone surrogates replaced: no file or HTTP body can carry them in
    UTF-8. (Other control characters are fine: YAML files escape them, JSON keeps them.)"""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_loadable(k): _loadable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_loadable(v) for v in value]
    return value


def _text(schema: Mapping[str, Any], size: int = _TEXT_SIZE) -> SearchStrategy[str]:
    """Text the (string) schema allows, at most ``size`` characters, that a scenario file
    can hold."""
    limit = min(int(schema.get("maxLength", size)), size)
    text: SearchStrategy[str] = from_schema({**schema, "maxLength": limit}).map(_loadable)
    return text


def _notes() -> SearchStrategy[str]:
    return st.text(max_size=_TEXT_SIZE).map(_loadable)


def _status_codes() -> list[int]:
    """The statuses of ``$defs/HttpFaultStatus``, a plain 500 first."""
    codes: list[int] = list(_defs()["HttpFaultStatus"]["enum"])
    return sorted(codes, key=lambda code: (code != 500, codes.index(code)))


def _short_statuses(max_delay: float) -> list[Document]:
    """``{"status": CODE}`` for each code whose default wait stays within ``max_delay``
    (429 alone asks for DEFAULT_RETRY_AFTER seconds)."""
    return [
        {"status": code}
        for code in _status_codes()
        if code != 429 or max_delay >= DEFAULT_RETRY_AFTER
    ]


@st.composite
def _status(draw: st.DrawFn, max_delay: float) -> Document:
    """The long form: a code with maybe Retry-After (429 and 503) and a body style."""
    code = draw(st.sampled_from(_status_codes()))
    form = _forms()["status"]["oneOf"][1]["properties"]
    spec: Document = {"code": code}
    if code in RETRY_AFTER_STATUSES:
        most = min(int(max_delay), int(form["retryAfter"]["maximum"]))
        waits = st.integers(int(form["retryAfter"]["minimum"]), most)
        needed = code == 429 and max_delay < DEFAULT_RETRY_AFTER
        retry = draw(waits if needed else st.one_of(st.none(), waits))
        if retry is not None:
            spec["retryAfter"] = retry
    body = draw(st.one_of(st.none(), st.sampled_from(list(form["body"]["enum"]))))
    if body is not None:
        spec["body"] = body
    return {"status": spec}


@st.composite
def _error(draw: st.DrawFn, codes: Sequence[str]) -> Document:
    form = _forms()["error"]["properties"]
    spec: Document = {"code": draw(st.sampled_from(list(codes)))}
    for name in ("message", "advice"):
        if draw(st.booleans()):
            spec[name] = draw(_text(form[name]))
    if draw(st.booleans()):  # in band (200), or under a status a client retries
        spec["status"] = draw(st.sampled_from([200, *_status_codes()]))
    return {"error": spec}


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _deviation_fields(kind: Kind | None) -> list[str]:
    """The fields a deviation may name: the kind's, or those both kinds have."""
    kinds = [kind] if kind is not None else list(KINDS)
    common = frozenset.intersection(*(known_fields(k) for k in kinds))
    return sorted(common)


def _json_values() -> SearchStrategy[Any]:
    """Small JSON values (for a deviation's ``value``)."""
    values = st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=10),
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
        ),
        max_leaves=5,
    )
    return values.map(_loadable)


@st.composite
def _deviation(draw: st.DrawFn, kind: Kind | None) -> Document:
    field = draw(st.sampled_from(_deviation_fields(kind)))
    enum = _forms()["deviation"]["properties"]["change"]["enum"]
    changes = [
        c
        for c in enum
        if c is not None and (c != Change.OUT_OF_RANGE.value or field in OUT_OF_RANGE)
    ]
    change = draw(st.sampled_from(changes))
    spec: Document = {"field": field, "change": change}
    if change == Change.VALUE.value:
        spec["value"] = draw(_json_values())
    return {"deviation": spec}


def _plain(name: str, kind: Kind | None, max_delay: float, error_codes: Sequence[str]) -> FaultSpec:
    """The plainest form of fault ``name``: the bare name, or the least it needs."""
    if name == "status":
        return {"status": _status_codes()[0]}
    if name == "latency":
        return {"latency": _step(max_delay, 1)}
    if name == "error":
        return {"error": {"code": error_codes[0]}}
    if name == "hang":
        return "hang" if max_delay >= DEFAULT_HANG else {"hang": _step(max_delay, 1)}
    if name == "deviation":
        return {"deviation": {"field": _deviation_fields(kind)[0], "change": "missing"}}
    return name


def _detailed(
    name: str, kind: Kind | None, max_delay: float, seeded: bool, error_codes: Sequence[str]
) -> SearchStrategy[FaultSpec] | None:
    """Fault ``name`` with its settings drawn (None: it has none)."""
    forms = _forms()
    if name == "status":
        return st.one_of(st.sampled_from(_short_statuses(max_delay)), _status(max_delay))
    if name == "latency":
        return _delay(max_delay, seeded, positive=True).map(lambda s: {"latency": s})
    if name == "error":
        return _error(error_codes)
    if name == "not-json":
        texts = _text(forms["not-json"]).filter(lambda t: not _is_json(t))
        return texts.map(lambda t: {"not-json": t})
    if name == "truncate":
        least = int(forms["truncate"]["properties"]["bytes"]["minimum"])
        return st.one_of(
            st.integers(1, 9).map(lambda n: {"truncate": {"keep": n / 10}}),
            st.integers(least, 200).map(lambda n: {"truncate": {"bytes": n}}),
        )
    if name == "content-type":
        header = _text(_defs()["HeaderText"]).filter(lambda t: t == t.strip())
        return header.map(lambda t: {"content-type": t})
    if name == "hang":
        return _delay(max_delay, False, positive=True).map(lambda s: {"hang": s})
    if name == "deviation":
        return _deviation(kind)
    return None  # close, reset


def _names(allow: Collection[str], max_delay: float) -> list[FaultName]:
    unknown = set(allow) - set(FAULT_NAMES)
    if unknown:
        raise ValueError(f"unknown faults {sorted(unknown)}; known: {', '.join(FAULT_NAMES)}")
    if max_delay < 0:
        raise ValueError("max_delay must be >= 0")
    names = [n for n in FAULT_NAMES if n in allow and (n != "hang" or max_delay > 0)]
    if not names:
        raise ValueError("no fault to draw: allow some (a hang needs max_delay > 0)")
    return names


def _check_codes(codes: Sequence[str]) -> None:
    pattern = _forms()["error"]["properties"]["code"]["pattern"]
    validator = schemas.definition_validator(schemas.SCENARIO, "Fault")
    if not codes:
        raise ValueError("give at least one error code")
    for code in codes:
        if not validator.is_valid({"error": {"code": code}}):
            raise ValueError(f"error code {code!r} does not match {pattern}")


def faults(
    kind: Kind | str | None = None,
    *,
    allow: Collection[FaultName] = FAULT_NAMES,
    max_delay: float = 1.0,
    seeded: bool = True,
    error_codes: Sequence[str] = IN_BAND_ERROR_CODES,
) -> SearchStrategy[FaultSpec]:
    """One fault as a scenario rule or an injection writes it (``$defs/Fault``): bare
    (``"reset"``) or an object (``{"status": {"code": 429, "retryAfter": 0}}``).

    ``allow``: the kinds of fault (:data:`FAULT_NAMES`; :data:`TRANSIENT` leaves out
    deliberate contract deviations). ``kind``: the endpoint whose body fields a deviation
    names (None: a field both have). ``max_delay``: the longest wait a fault causes or asks
    for, in seconds: latency, a hang, Retry-After. ``seeded=False`` leaves out latency
    ranges, which the server draws from its seed, so the fault plays the same everywhere.
    In-band errors carry one of ``error_codes``, in band or under a retryable status.
    Shrinks towards ``{"status": 500}``, then along :data:`FAULT_NAMES` (a status, a
    closed connection, a reset, latency, ...), with no delay.
    """
    names = _names(allow, max_delay)
    _check_codes(error_codes)
    endpoint = None if kind is None else Kind(kind)
    codes = list(error_codes)
    forms = [
        (
            _plain(name, endpoint, max_delay, codes),
            _detailed(name, endpoint, max_delay, seeded, codes),
        )
        for name in names
    ]
    return _fault(forms)


@st.composite
def _fault(
    draw: st.DrawFn, forms: Sequence[tuple[FaultSpec, SearchStrategy[FaultSpec] | None]]
) -> FaultSpec:
    # Every fault is two choices at least, its kind and whether it is plain, so that the
    # shrinker, which prefers fewer choices, then smaller ones, ends at the first kind's
    # plain form ({"status": 500}) rather than at a fault that has no settings.
    plain, detailed = draw(st.sampled_from(forms))
    if not draw(st.booleans()) or detailed is None:
        return copy.deepcopy(plain)  # each example its own
    return draw(detailed)


def _is_hang(fault: FaultSpec) -> bool:
    return fault == "hang" or (isinstance(fault, dict) and "hang" in fault)


@st.composite
def _rule(
    draw: st.DrawFn,
    fault: SearchStrategy[FaultSpec],
    phases: int,
    max_poll: int,
    max_delay: float,
    seeded: bool,
) -> Document:
    chosen = draw(fault)
    rule: Document = {"fault": chosen}
    if draw(st.booleans()) and not _is_hang(chosen):  # a hang is a delay already
        rule["delay"] = draw(_delay(max_delay, seeded))
    if phases and draw(st.booleans()):
        rule["phase"] = draw(st.integers(0, phases - 1))
    if draw(st.booleans()):
        first = draw(st.integers(1, max_poll))
        last = draw(st.integers(first, max_poll))
        shape = draw(st.sampled_from(["one", "range", "from", "to"]))
        rule["polls"] = {
            "one": first,
            "range": {"from": first, "to": last},
            "from": {"from": first},
            "to": {"to": last},
        }[shape]
    if draw(st.booleans()):
        rule["every"] = draw(st.integers(1, max_poll))
    if draw(st.booleans()):
        start = draw(st.integers(0, 600))
        end = draw(st.integers(start + 1, start + 600))
        shape = draw(st.sampled_from(["both", "from", "to"]))
        rule["window"] = {
            "both": {"from": start, "to": end},
            "from": {"from": start},
            "to": {"to": end},
        }[shape]
    if seeded and draw(st.booleans()):
        rule["probability"] = draw(st.integers(1, 20)) / 20
    if draw(st.booleans()):
        rule["note"] = draw(_notes())
    return rule


def fault_rules(
    kind: Kind | str | None = None,
    *,
    phases: int = 0,
    max_poll: int = 20,
    allow: Collection[FaultName] = FAULT_NAMES,
    max_delay: float = 1.0,
    seeded: bool = True,
    error_codes: Sequence[str] = IN_BAND_ERROR_CODES,
) -> SearchStrategy[Document]:
    """Fault rules as a scenario declares them under ``faults:`` (``$defs/FaultRule``): a
    fault from :func:`faults` (same options) and any of the conditions: a phase (an index
    below ``phases``; 0: none, as for a rule inside a phase), polls up to ``max_poll``,
    every Nth poll, a window of scenario seconds, a probability (only with ``seeded``),
    and a delay before the fault (never with a hang). Shrinks towards a rule without
    conditions or delay, ``{"fault": {"status": 500}}``: every poll gets it."""
    if max_poll < 1 or phases < 0:
        raise ValueError("max_poll must be >= 1 and phases >= 0")
    fault = faults(kind, allow=allow, max_delay=max_delay, seeded=seeded, error_codes=error_codes)
    return _rule(fault, phases, max_poll, max_delay, seeded)


@st.composite
def _injection(
    draw: st.DrawFn,
    fault: SearchStrategy[FaultSpec],
    max_count: int,
    max_seconds: int,
    max_delay: float,
    seeded: bool,
) -> Document:
    chosen = draw(fault)
    body: Document = {"fault": chosen}
    if draw(st.booleans()) and not _is_hang(chosen):
        body["delay"] = draw(_delay(max_delay, seeded))
    if draw(st.booleans()):
        body["count"] = draw(st.integers(1, max_count))
    if draw(st.booleans()):
        body["seconds"] = draw(st.integers(1, max_seconds))
    if seeded and draw(st.booleans()):
        body["probability"] = draw(st.integers(1, 20)) / 20
    if draw(st.booleans()):
        body["note"] = draw(_notes())
    return body


def injections(
    kind: Kind | str | None = None,
    *,
    max_count: int = 10,
    max_seconds: int = 600,
    allow: Collection[FaultName] = FAULT_NAMES,
    max_delay: float = 1.0,
    seeded: bool = True,
    error_codes: Sequence[str] = IN_BAND_ERROR_CODES,
) -> SearchStrategy[Document]:
    """Bodies for ``POST /_mock/faults`` and ``/_mock/projects/{id}/faults``
    (``$defs/Injection``): a fault from :func:`faults` (same options), for at most
    ``max_count`` polls and/or ``max_seconds`` of scenario time, maybe with a probability
    (``seeded``) or a delay. Shrinks towards ``{"fault": {"status": 500}}``, until
    cleared."""
    if max_count < 1 or max_seconds < 1:
        raise ValueError("max_count and max_seconds must be >= 1")
    fault = faults(kind, allow=allow, max_delay=max_delay, seeded=seeded, error_codes=error_codes)
    return _injection(fault, max_count, max_seconds, max_delay, seeded)


def _capped(max_faults: int, sequence: list[FaultSpec | None]) -> list[FaultSpec | None]:
    """At most ``max_faults`` faults (the first ones), without trailing normal polls."""
    out: list[FaultSpec | None] = []
    kept = 0
    for fault in sequence:
        if fault is not None and kept < max_faults:
            kept += 1
            out.append(fault)
        else:
            out.append(None)
    while out and out[-1] is None:
        out.pop()
    return out


def fault_sequences(
    kind: Kind | str | None = None,
    *,
    allow: Collection[FaultName] = TRANSIENT,
    max_polls: int = 10,
    max_faults: int = 3,
    max_delay: float = 1.0,
    error_codes: Sequence[str] = IN_BAND_ERROR_CODES,
) -> SearchStrategy[list[FaultSpec | None]]:
    """What the successive polls of one project meet: item N-1 is the fault of the Nth
    poll (None: a normal answer), over the first ``max_polls`` polls, at most
    ``max_faults`` of them. Faults as :func:`faults` draws them, by default only
    :data:`TRANSIENT` ones, and none that depends on the server's seed (no latency range),
    so a sequence plays the same on any server. :func:`with_faults` puts a sequence into a
    scenario document as rules. Shrinks towards no fault at all, then fewer faults,
    earlier, of the simplest kinds (a plain 500), with no delay."""
    if max_polls < 0 or max_faults < 0:
        raise ValueError("max_polls and max_faults must be >= 0")
    fault = faults(kind, allow=allow, max_delay=max_delay, seeded=False, error_codes=error_codes)
    polls = st.lists(st.one_of(st.none(), fault), max_size=max_polls)
    return polls.map(partial(_capped, max_faults))


def with_faults(document: Mapping[str, Any], sequence: Sequence[FaultSpec | None]) -> Document:
    """``document`` with ``sequence`` as fault rules: the Nth poll of each of its projects
    gets the sequence's Nth fault (``polls: N``). They come before the document's own
    scenario rules, so they win over those (a phase's own rules are still tried first).
    The document is not changed."""
    rules = [
        {"fault": fault, "polls": n} for n, fault in enumerate(sequence, 1) if fault is not None
    ]
    out = dict(document)
    if rules:
        out["faults"] = [*rules, *document.get("faults", [])]
    return out
