"""What goes wrong with an OMS response: a *fault* (an HTTP error status, latency, a hang,
a closed or reset connection, a truncated or non-JSON body, a wrong Content-Type, an in-band
business error, a deliberate contract deviation), and its short name in the journal. Pure.

When a fault applies is a rule's (``rules.py``); scenarios declare rules
(``scenario.schema.json`` ``$defs/FaultRule``, read by ``spec.py``); the control API injects
faults at run time (``injections.py``); ``malform.py`` spoils bodies; the web layer
(``web/delivery.py``, ``web/wire.py``) puts them on the wire.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = [
    "DEFAULT_CONTENT_TYPE",
    "DEFAULT_HANG",
    "DEFAULT_KEEP",
    "DEFAULT_MAX_DELAY",
    "DEFAULT_RETRY_AFTER",
    "GATEWAY_STATUSES",
    "KINDS",
    "NO_BODY",
    "RETRY_AFTER_STATUSES",
    "Body",
    "BusinessError",
    "Change",
    "Close",
    "Deviation",
    "Fault",
    "Hang",
    "HttpStatus",
    "Latency",
    "NotJson",
    "Reset",
    "Truncate",
    "WrongContentType",
    "kind_of",
    "label",
]

DEFAULT_HANG = 60.0
DEFAULT_MAX_DELAY = 300.0
DEFAULT_KEEP = 0.5
DEFAULT_CONTENT_TYPE = "text/html; charset=utf-8"
DEFAULT_RETRY_AFTER = 1  # seconds, for 429 when the rule gives none
GATEWAY_STATUSES = frozenset({502, 503, 504})
RETRY_AFTER_STATUSES = frozenset({429, 503})  # the statuses that may carry Retry-After


class Body(StrEnum):
    """What a status fault sends as its body."""

    ENVELOPE = "envelope"  # an OMS error envelope (success false)
    HTML = "html"  # a gateway's HTML error page
    EMPTY = "empty"


class Change(StrEnum):
    MISSING = "missing"
    NULL = "null"
    OUT_OF_RANGE = "out-of-range"
    WRONG_TYPE = "wrong-type"
    VALUE = "value"


@dataclass(frozen=True, slots=True)
class HttpStatus:
    code: int
    retry_after: int | None = None
    body: Body = Body.ENVELOPE


@dataclass(frozen=True, slots=True)
class Latency:
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class Hang:
    seconds: float = DEFAULT_HANG


@dataclass(frozen=True, slots=True)
class Close:
    pass


@dataclass(frozen=True, slots=True)
class Reset:
    pass


@dataclass(frozen=True, slots=True)
class Truncate:
    keep: float | None = DEFAULT_KEEP  # fraction of the body sent
    bytes: int | None = None  # or an exact count


@dataclass(frozen=True, slots=True)
class NotJson:
    text: str | None = None  # None: the real body with its commas removed


@dataclass(frozen=True, slots=True)
class WrongContentType:
    content_type: str = DEFAULT_CONTENT_TYPE


@dataclass(frozen=True, slots=True)
class BusinessError:
    code: str
    message: str | None = None
    advice: str | None = None
    status: int = 200


@dataclass(frozen=True, slots=True)
class Deviation:
    field: str  # "requestId" or "data.status"
    change: Change
    value: Any = None


Fault = (
    HttpStatus
    | Latency
    | Hang
    | Close
    | Reset
    | Truncate
    | NotJson
    | WrongContentType
    | BusinessError
    | Deviation
)

# Faults that end the exchange without a complete response: they take no body and no delay.
NO_BODY = (Hang, Close, Reset)

# The kind of each fault: the first word of its label (``status:503`` is a status fault).
KINDS: dict[type[Fault], str] = {
    HttpStatus: "status",
    Latency: "latency",
    Hang: "hang",
    Close: "close",
    Reset: "reset",
    Truncate: "truncate",
    NotJson: "not-json",
    WrongContentType: "content-type",
    BusinessError: "error",
    Deviation: "deviation",
}


def label(fault: Fault) -> str:
    """The short name of a fault, as the journal records it."""
    match fault:
        case HttpStatus(code=code):
            return f"status:{code}"
        case Latency():
            return "latency"
        case Hang(seconds=seconds):
            return f"hang:{seconds:g}"
        case Close():
            return "close"
        case Reset():
            return "reset"
        case Truncate():
            return "truncate"
        case NotJson():
            return "not-json"
        case WrongContentType(content_type=content_type):
            return f"content-type:{content_type.split(';')[0]}"
        case BusinessError(code=code):
            return f"error:{code}"
        case Deviation(field=name, change=change):
            # "deviation:" marks a deliberate contract break, never a bug of the fake
            return f"deviation:{change.value}:{name}"
    raise AssertionError(fault)  # pragma: no cover


def kind_of(label: str) -> str:
    """The kind of fault a journal label names (``status:503`` -> ``status``)."""
    return label.partition(":")[0]
