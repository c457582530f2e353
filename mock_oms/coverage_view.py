"""A coverage report as people read it, and as CI judges it: the table of ``mock-oms
coverage`` and of the pytest plugin's summary, the threshold, reports of several servers
merged into one (a pytest session may start several). Works on the report as the control
API answers it (:class:`~mock_oms.web.control.models.CoverageOut`)."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from mock_oms.web.control.models import CoverageElement, CoverageOut, CoverageTally

__all__ = ["WIDTH", "fails_under", "headline", "merge", "render"]

WIDTH = 100  # characters of a line


def headline(report: CoverageOut) -> str:
    scope = f" of project {report.project_id}" if report.project_id else ""
    since = f" since mark {report.since}" if report.since else ""
    return (
        f"mock-oms exposure coverage{scope}{since}: {report.shown} of {report.total} "
        f"situations shown ({report.percent:.1f} %), in {report.responses} responses"
    )


def _table(report: CoverageOut) -> list[str]:
    apis = list(dict.fromkeys(t.api for t in report.categories))
    per_api = [[t.category for t in report.categories if t.api == api] for api in apis]
    categories = max(per_api, key=len, default=[])  # in the order of the API that has all
    found = {(t.api, t.category): t for t in report.categories}
    rows = [["", *apis]]
    for category in categories:
        row = [category]
        for api in apis:
            t = found.get((api, category))
            row.append("-" if t is None else f"{t.shown}/{t.total}")
        rows.append(row)
    total = ["total"]
    for api in apis:
        mine = [t for t in report.categories if t.api == api]
        total.append(f"{sum(t.shown for t in mine)}/{sum(t.total for t in mine)}")
    rows.append(total)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def _named(elements: list[CoverageElement], apis: set[str]) -> list[str]:
    """``status SUSPEND`` when every API missed it, ``step FAILED (v4)`` when one did."""
    by_value: dict[tuple[str, str], list[str]] = {}
    for e in elements:
        by_value.setdefault((e.category, e.value), []).append(e.api)
    names = []
    for (category, value), missed in by_value.items():
        where = "" if set(missed) >= apis else f" ({', '.join(missed)})"
        names.append(f"{category} {value}{where}")
    return names


def _never(report: CoverageOut) -> list[str]:
    apis = {e.api for e in report.elements}
    groups: dict[str, list[CoverageElement]] = {}
    for e in report.elements:
        if not e.count:
            text = e.hint.text if e.hint is not None else "no hint"
            groups.setdefault(text, []).append(e)
    if not groups:
        return []
    lines = ["never shown, by what would show them:"]
    for text, elements in sorted(groups.items(), key=lambda item: _order(item[1][0])):
        lines.append(f"  {text}")
        lines.extend(
            textwrap.wrap(
                ", ".join(_named(elements, apis)),
                WIDTH,
                initial_indent="      ",
                subsequent_indent="      ",
                break_on_hyphens=False,
            )
        )
    return lines


def _order(element: CoverageElement) -> int:
    """Scenarios that show it by themselves first, then scenarios and actions, faults to
    inject, what a client does."""
    hint = element.hint
    if hint is None:
        return 4
    if hint.scenario is not None:
        return 1 if hint.actions else 0
    return 2 if hint.fault is not None else 3


def _every(report: CoverageOut) -> list[str]:
    lines = ["every situation: count, first shown (scenario time, project)"]
    for e in [*report.elements, *report.extra]:
        first = ""
        if e.first is not None:
            first = f"  {e.first.scenario_time:.1f} s  {e.first.project_id or '-'}"
        outside = "  (outside the space)" if e in report.extra else ""
        lines.append(f"  {e.key:<40} {e.count:>7}{first}{outside}")
    return lines


def render(report: CoverageOut, *, every: bool = False) -> str:
    """The report for people: the headline, shown/total per category and API, then what
    was never shown grouped by what would show it (``every``: then each element's count
    and first sighting)."""
    lines = [headline(report), "", *_table(report)]
    never = _never(report)
    if never:
        lines += ["", *never]
    if report.folded:
        lines += ["", f"({report.folded} responses were counted without their project)"]
    if every:
        lines += ["", *_every(report)]
    return "\n".join(lines)


def fails_under(report: CoverageOut, threshold: float) -> bool:
    """Whether the report is below ``threshold`` percent (compared as shown, to 0.01)."""
    return round(report.percent, 2) < threshold


def _earliest(a: CoverageElement, b: CoverageElement) -> CoverageElement:
    if b.first is not None and (a.first is None or b.first.time < a.first.time):
        return b
    return a


def merge(reports: Sequence[CoverageOut]) -> CoverageOut:
    """One report of several servers: every element of any of their spaces, each counted
    over all of them and first seen at the earliest; the hint of a server that has one."""
    if not reports:
        raise ValueError("no report to merge")
    if len(reports) == 1:
        return reports[0]
    merged: dict[str, CoverageElement] = {}
    extra: dict[str, CoverageElement] = {}
    for report in reports:
        for e in report.elements:
            seen = merged.get(e.key)
            if seen is None:
                merged[e.key] = e
            else:
                first = _earliest(seen, e)
                merged[e.key] = seen.model_copy(
                    update={
                        "count": seen.count + e.count,
                        "first": first.first,
                        "hint": None if seen.count + e.count else seen.hint or e.hint,
                    }
                )
    for report in reports:
        for e in report.extra:
            into = merged if e.key in merged else extra
            seen = into.get(e.key)
            if seen is None:
                into[e.key] = e.model_copy(update={"hint": None})
            else:
                into[e.key] = seen.model_copy(
                    update={"count": seen.count + e.count, "first": _earliest(seen, e).first}
                )
    elements = list(merged.values())
    tallies: dict[tuple[str, str], list[int]] = {}
    for e in elements:
        tally = tallies.setdefault((e.api, e.category), [0, 0])
        tally[0] += 1 if e.count else 0
        tally[1] += 1
    order = {a: i for i, a in enumerate(dict.fromkeys(e.api for e in elements))}
    shown = sum(1 for e in elements if e.count)
    projects = {r.project_id for r in reports}
    return CoverageOut(
        project_id=projects.pop() if len(projects) == 1 else None,
        since=None,
        mark=max(r.mark for r in reports),
        responses=sum(r.responses for r in reports),
        folded=sum(r.folded for r in reports),
        total=len(elements),
        shown=shown,
        percent=round(100.0 * shown / len(elements), 2) if elements else 100.0,
        categories=[
            CoverageTally(api=api, category=category, shown=s, total=t)
            for (api, category), (s, t) in sorted(
                tallies.items(), key=lambda item: order[item[0][0]]
            )
        ],
        elements=elements,
        never_shown=[e.key for e in elements if not e.count],
        extra=list(extra.values()),
    )
