"""Subject keys for many identifiers at once (a relying party's batch check).

Each distinct identifier is checked once, in the scheme it fits, and keyed as `subject_key`
does (the pseudonym HMAC for personal schemes), with its 64-bit key (`pseudonym.key64`) for
the hot decision file. An invalid identifier gets its `IdentifierError`, the others are keyed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from xinyong.domain.identifiers import IdentifierScheme, SchemeRegistry
from xinyong.domain.pseudonym import key64, subject_key
from xinyong.errors import IdentifierError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt


@dataclass
class Keyed:
    keys: list[str | None]  # None where the identifier is invalid
    keys64: npt.NDArray[np.uint64]  # 0 where it is invalid
    errors: dict[int, IdentifierError]


def scheme_of(schemes: SchemeRegistry, identifier: str) -> IdentifierScheme | IdentifierError:
    """The one scheme `identifier` is valid in, else its `IdentifierError` (as
    `Workspace.find_scheme` says it)."""
    fits = [s for s in schemes if s.problem(s.normalise(identifier)) is None]
    if len(fits) == 1:
        return fits[0]
    if not fits:
        reasons = "; ".join(f"{s.name}: {s.problem(s.normalise(identifier))}" for s in schemes)
        return IdentifierError("identifier", identifier, f"valid in no scheme ({reasons})")
    names = ", ".join(s.name for s in fits)
    return IdentifierError("identifier", identifier, f"valid in several schemes ({names})")


def subject_keys(schemes: SchemeRegistry, identifiers: Sequence[str], key: bytes) -> Keyed:
    import numpy as np

    keys: list[str | None] = []
    errors: dict[int, IdentifierError] = {}
    seen: dict[str, str | IdentifierError] = {}
    for i, identifier in enumerate(identifiers):
        found = seen.get(identifier)
        if found is None:
            scheme = scheme_of(schemes, identifier)
            if isinstance(scheme, IdentifierError):
                found = scheme
            else:
                found = subject_key(scheme, scheme.validate(identifier), key)
            seen[identifier] = found
        if isinstance(found, IdentifierError):
            errors[i] = found
            keys.append(None)
        else:
            keys.append(found)
    keys64 = np.fromiter((key64(k) if k else 0 for k in keys), dtype=np.uint64, count=len(keys))
    return Keyed(keys, keys64, errors)
