"""The elements of the exposure space: one situation a client can be shown, in one API."""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

from mock_oms.core.kinds import Api
from mock_oms.core.lifecycle import Importance, Status
from mock_oms.core.steps import StepStatus
from mock_oms.faults.model import KINDS

__all__ = ["CATEGORIES", "ORDER", "Category", "Element", "change_text", "fault_kinds"]


class Category(StrEnum):
    STATUS = "status"  # a project status, in a whole success body
    CHANGE = "change"  # a status that differs from the one shown before, same project and API
    LEVEL = "level"  # an alert level (V3 importance, V4 alarmLevel)
    STEP = "step"  # a step status in a V4 step list
    FAULT = "fault"  # a kind of fault served (the first word of its journal label)
    CODE = "code"  # the code of an error envelope


CATEGORIES = tuple(Category)


class Element(NamedTuple):
    api: Api
    category: Category
    value: str

    @property
    def key(self) -> str:
        """``v3 status FAILED``: how reports name it."""
        return f"{self.api.value} {self.category.value} {self.value}"


def change_text(before: Status, after: Status) -> str:
    return f"{before.value}->{after.value}"


def fault_kinds() -> tuple[str, ...]:
    """Every kind of fault, in the order of the fault model."""
    return tuple(dict.fromkeys(KINDS.values()))


# the order of values within a category, for stable reports
ORDER: dict[Category, tuple[str, ...]] = {
    Category.STATUS: tuple(s.value for s in Status),
    Category.LEVEL: tuple(i.value for i in Importance),
    Category.STEP: tuple(s.value for s in StepStatus),
    Category.FAULT: fault_kinds(),
}
