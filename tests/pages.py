"""The README and the pages of docs/, as the tests read their examples: a snippet that rots
fails a test, wherever it is."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES: dict[str, str] = {
    "README.md": (ROOT / "README.md").read_text(encoding="utf-8"),
    **{f"docs/{p.name}": p.read_text(encoding="utf-8") for p in sorted(DOCS.glob("*.md"))},
}
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", flags=re.S | re.M)


def page(name: str) -> str:
    """One page: ``README.md`` or ``docs/NAME.md``."""
    return PAGES[name]


def blocks(language: str, *names: str) -> list[str]:
    """The fenced blocks of ``language`` in the pages named (all of them by default)."""
    texts = [PAGES[n] for n in names] if names else list(PAGES.values())
    return [body for text in texts for lang, body in FENCE.findall(text) if lang == language]


def example(marker: str, language: str = "python") -> str:
    """The block that follows ``<!-- test: MARKER -->`` (or ``<!-- example: MARKER -->``)
    on whichever page holds it; exactly one page may."""
    pattern = rf"<!-- (?:test|example): {re.escape(marker)} -->\s*```{language}\n(.*?)^```"
    found = [m.group(1) for text in PAGES.values() for m in re.finditer(pattern, text, re.S | re.M)]
    assert len(found) == 1, f"{len(found)} blocks marked {marker!r}"
    return found[0]


def marked_page(marker: str) -> str:
    """The text of the page that holds ``marker``, from the marker on."""
    for text in PAGES.values():
        at = text.find(f"<!-- example: {marker} -->")
        if at < 0:
            at = text.find(f"<!-- test: {marker} -->")
        if at >= 0:
            return text[at:]
    raise AssertionError(f"no page marks {marker!r}")
