"""`pack.yaml`: the pack's identity and the sources every rule cites."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from xinyong.policy.spec.common import ConfidenceMark, Name, SourceId, SpecModel, Text


class RawSourceSpec(SpecModel):
    """A cited source, marked as in sources.md: C confirmed, S secondary only, U unconfirmed."""

    id: SourceId
    title: Text
    citation: Text | None = Field(None, description="Official citation, e.g. Fa Shi [2017] No. 7.")
    url: Text | None = None
    confidence: ConfidenceMark
    note: Text | None = None


class RawPackSpec(SpecModel):
    kind: Literal["Pack"]
    name: Name
    label: Text = Field(description="A human version label; the pack's version is its hash.")
    jurisdiction: Text
    description: Text = ""
    sources: tuple[RawSourceSpec, ...] = Field(min_length=1)
