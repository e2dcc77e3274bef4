"""Subjects: who a record is about, and how they are keyed."""

from __future__ import annotations

from enum import StrEnum


class SubjectKind(StrEnum):
    individual = "individual"
    enterprise = "enterprise"
    public_institution = "public_institution"
    social_organisation = "social_organisation"
