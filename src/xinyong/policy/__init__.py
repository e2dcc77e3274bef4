"""Policy packs: loading and validating folders of YAML into domain objects.

>>> from xinyong.policy import load_pack, screen_terms
"""

from __future__ import annotations

from xinyong.policy.hashing import content_hash as content_hash
from xinyong.policy.load import load_pack as load_pack
from xinyong.policy.pack import Case as Case
from xinyong.policy.pack import CaseExpectation as CaseExpectation
from xinyong.policy.pack import CaseRecord as CaseRecord
from xinyong.policy.pack import Pack as Pack
from xinyong.policy.pack import Source as Source
from xinyong.policy.screen import TermFinding as TermFinding
from xinyong.policy.screen import screen_terms as screen_terms
