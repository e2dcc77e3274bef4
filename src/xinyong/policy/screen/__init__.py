"""The meaning screen: words of prohibited categories in a pack's names, titles and descriptions.

`screen_terms(text)` finds them in any text (other layers reuse it for their own features);
`lint.s1_screen` applies it to every record type, list, scheme and measure of a pack. See
README.md beside this file.
"""

from __future__ import annotations

from xinyong.policy.screen.lexicon import Category as Category
from xinyong.policy.screen.lexicon import Lexicon as Lexicon
from xinyong.policy.screen.lexicon import load_lexicon as load_lexicon
from xinyong.policy.screen.match import TermFinding as TermFinding
from xinyong.policy.screen.match import default_lexicon as default_lexicon
from xinyong.policy.screen.match import screen_terms as screen_terms
