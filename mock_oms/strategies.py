"""Hypothesis strategies for client authors: what the OMS progress API may answer.

Every function returns a ``SearchStrategy``; its docstring says what a failing example
shrinks towards. Single responses are derived from the JSON Schemas in ``schemas/``
(through ``hypothesis_jsonschema.from_schema``) and then constrained by the rules a schema
cannot state; timelines and scenarios are built from the lifecycle table.

Fault sequences (timeouts, 5xx, malformed bodies, ...) will join these once mock-oms's
fault model exists; :func:`scenarios` and the harness in :mod:`mock_oms.testing` are
shaped so that a ``fault_sequences()`` strategy plugs in beside them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, Literal

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy
from hypothesis_jsonschema import from_schema

from mock_oms import schemas
from mock_oms.lifecycle import EDGES, SETTLED, Importance, Status
from mock_oms.steps import Flags, Kind, allowed_steps

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
