"""Raw, unvalidated shapes of every YAML document kind (`Raw*Spec`, pydantic, extra keys forbidden).

A document's `kind:` picks its spec class from `SPECS`; `RawDocumentSpec` is the same choice as a
discriminated union, used for the published JSON schema.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from xinyong.policy.spec.case import RawCaseSpec as RawCaseSpec
from xinyong.policy.spec.common import RawCitationSpec as RawCitationSpec
from xinyong.policy.spec.common import SpecModel as SpecModel
from xinyong.policy.spec.lists import RawBlacklistSpec as RawBlacklistSpec
from xinyong.policy.spec.lists import RawListSpec as RawListSpec
from xinyong.policy.spec.lists import RawRedListSpec as RawRedListSpec
from xinyong.policy.spec.lists import RawWatchListSpec as RawWatchListSpec
from xinyong.policy.spec.measure import RawMeasureSpec as RawMeasureSpec
from xinyong.policy.spec.measure import RawRewardSpec as RawRewardSpec
from xinyong.policy.spec.measure import RawSanctionSpec as RawSanctionSpec
from xinyong.policy.spec.pack import RawPackSpec as RawPackSpec
from xinyong.policy.spec.record_type import RawRecordTypeSpec as RawRecordTypeSpec
from xinyong.policy.spec.scheme import RawScoringSchemeSpec as RawScoringSchemeSpec

SPECS: dict[str, type[BaseModel]] = {
    "Pack": RawPackSpec,
    "RecordType": RawRecordTypeSpec,
    "Blacklist": RawBlacklistSpec,
    "RedList": RawRedListSpec,
    "WatchList": RawWatchListSpec,
    "ScoringScheme": RawScoringSchemeSpec,
    "Sanction": RawSanctionSpec,
    "Reward": RawRewardSpec,
    "Case": RawCaseSpec,
}

RawDocumentSpec = Annotated[
    RawPackSpec
    | RawRecordTypeSpec
    | RawBlacklistSpec
    | RawRedListSpec
    | RawWatchListSpec
    | RawScoringSchemeSpec
    | RawSanctionSpec
    | RawRewardSpec
    | RawCaseSpec,
    Field(discriminator="kind"),
]
