from __future__ import annotations

import json
import random
import uuid

from hypothesis import given
from hypothesis import strategies as st

from mock_oms.core.engine import Snapshot
from mock_oms.core.kinds import Flags, Kind
from mock_oms.core.lifecycle import Importance, Status
from mock_oms.core.steps import STEPS
from mock_oms.oms.envelope import RequestIds, cost_text, data, encode, success, success_body

int64 = st.integers(-(2**63), 2**63 - 1)

snapshots = st.builds(
    Snapshot,
    status=st.sampled_from(Status),
    importance=st.sampled_from(Importance),
    step=st.sampled_from(sorted({s for table in STEPS.values() for s in table})),
    struct=st.integers(0, 100),
    full=st.integers(0, 100),
    incr=int64,
    reverse=int64,
    phase=st.integers(-1, 10),
    elapsed=st.floats(0, 1e6),
)
flag_sets = st.builds(Flags, st.booleans(), st.booleans(), st.booleans(), st.booleans())


@given(st.sampled_from(Kind), flag_sets, snapshots, st.uuids().map(str), st.integers(0, 10**6))
def test_the_fast_body_is_byte_for_byte_the_encoded_envelope(
    kind: Kind, flags: Flags, snap: Snapshot, request_id: str, ms: int
) -> None:
    cost = f"{ms} ms"
    if kind is Kind.SYNC:
        flags = Flags(flags.struct, flags.full, flags.incr, False)
    fast = success_body(kind, flags, snap, request_id, cost)
    assert fast == encode(success(data(kind, flags, snap), request_id, cost))
    assert json.loads(fast)["data"]["status"] == snap.status.value


def test_request_ids_are_version_4_uuids_repeatable_with_a_seed() -> None:
    bits = random.Random(11)
    ids = RequestIds(11)
    for _ in range(500):
        shown = ids.next()
        assert shown == str(uuid.UUID(int=bits.getrandbits(128), version=4))
        assert uuid.UUID(shown).version == 4
    assert RequestIds().next() != RequestIds().next()


def test_cost_is_whole_milliseconds() -> None:
    assert [cost_text(s) for s in (0, 0.0004, 0.0005, 0.0126, 2.5)] == [
        "0 ms",
        "0 ms",
        "0 ms",
        "13 ms",
        "2500 ms",
    ]
