"""Single responses of the progress endpoints: ``data``, success and in-band error
envelopes, derived from the JSON Schemas and then made to keep the rules a schema cannot
state."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from mock_oms.core.kinds import Kind
from mock_oms.core.lifecycle import Status
from mock_oms.oms import envelope as oms_envelope
from mock_oms.strategies.common import (
    DATA_DEF,
    PROGRESS_FIELDS,
    Document,
    allowed,
    flags_of,
    kinds_of,
    schema_object,
)

__all__ = [
    "CHECKPOINT_FIELDS",
    "DOCUMENTED_ERROR_CODES",
    "PLAUSIBLE_SECONDS",
    "envelope",
    "error_responses",
    "progress_data",
    "progress_responses",
    "responses",
]

# Checkpoints as a real OMS shows them: Unix seconds from 2015 (before any OMS with this API)
# to 2100, never milliseconds.
PLAUSIBLE_SECONDS = (1_420_070_400, 4_102_444_799)
CHECKPOINT_FIELDS: Mapping[Kind, tuple[tuple[str, str], ...]] = {
    Kind.MIGRATION: (("incr", "incrSyncCheckpoint"), ("reverse", "reverseIncrSyncCheckpoint")),
    Kind.SYNC: (("incr", "incrSyncCheckpoint"),),
}

DOCUMENTED_ERROR_CODES: tuple[str, ...] = (
    "GHANA-PROJECT000001",
    "PARAM_ERROR",
    "INNER_ERROR",
    "GHANA-OPERAT000001",
)


def _constrained(kind: Kind, fields: SearchStrategy[Document]) -> SearchStrategy[Document]:
    """``data`` drawn from ``fields``, then made to keep the rules a schema cannot say."""

    @st.composite
    def build(draw: st.DrawFn) -> Document:
        data = draw(fields)
        flags = flags_of(kind, data)
        data["currentStep"] = draw(st.sampled_from(allowed(kind, flags)))
        for flag, name in (("struct", PROGRESS_FIELDS[0]), ("full", PROGRESS_FIELDS[1])):
            if not flags[flag]:  # a phase that is off makes no progress
                data[name] = 0
            elif data["status"] == Status.FINISHED.value:
                data[name] = 100
        for flag, name in CHECKPOINT_FIELDS[kind]:
            # Unix seconds of a plausible moment, or 0 (none yet; always so while off)
            second = draw(st.one_of(st.just(0), st.integers(*PLAUSIBLE_SECONDS)))
            second = second if flags[flag] else 0
            data[name] = str(second) if isinstance(data[name], str) else second
        return data

    return build()


def _data(kind: Kind) -> SearchStrategy[Document]:
    return _constrained(kind, schema_object(kind, DATA_DEF[kind]))


def progress_data(kind: Kind | str | None = None) -> SearchStrategy[Document]:
    """The ``data`` object of a successful progress response (of ``kind``, or either).

    Each field comes from the schema; ``currentStep`` is then one the enable flags allow
    and a FINISHED project shows 100 for its enabled phases. Shrinks towards a migration
    project in INIT, every flag false, zero progress and checkpoints, and ``PRE_CHECK``.
    """
    return st.one_of(*(_data(k) for k in kinds_of(kind)))


def _service_envelope() -> SearchStrategy[Document]:
    """The success envelope as the service writes it: ``code`` and ``message``
    ``"success"``, no advice, a UUID request ID, paging 1/1/1 or null, a cost in ms."""
    return st.builds(
        lambda request_id, paging, cost_ms: {
            **envelope({}, request_id, cost_ms),
            **dict(zip(("pageNumber", "pageSize", "totalCount"), paging, strict=True)),
        },
        st.uuids(version=4).map(str),
        st.sampled_from([(1, 1, 1), (None, None, None)]),
        st.integers(0, 2000),
    )


def progress_responses(kind: Kind | str | None = None) -> SearchStrategy[Document]:
    """A whole successful progress response around :func:`progress_data`: about half in
    the envelope the service writes (``code: "success"``, a UUID, paging 1/1/1 or null,
    ``"13 ms"``), the rest in any envelope the schema's success form allows (any code and
    text, paging null or any non-negative int, any ``cost`` the pattern allows). Every one
    is valid against the response schema. Shrinks towards the service's envelope around
    the smallest ``data``."""
    return st.one_of(
        *(
            st.builds(
                lambda env, data: {**env, "data": data},
                st.one_of(_service_envelope(), schema_object(k, "SuccessEnvelope", skip=("data",))),
                _data(k),
            )
            for k in kinds_of(kind)
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
            st.builds(build, schema_object(k, "ErrorEnvelope"), st.sampled_from(list(codes)))
            for k in kinds_of(kind)
        )
    )


def responses(kind: Kind | str | None = None) -> SearchStrategy[Document]:
    """Any answer the contract allows: a progress response or an in-band error."""
    return st.one_of(progress_responses(kind), error_responses(kind))


def envelope(data: Document, request_id: str, cost_ms: int) -> Document:
    """A success envelope as the real service writes it around ``data`` (the server's own
    :func:`mock_oms.oms.envelope.success`: the envelope is defined once)."""
    return oms_envelope.success(data, request_id, f"{cost_ms} ms")
