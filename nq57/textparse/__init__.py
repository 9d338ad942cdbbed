"""Parse deadline and target texts as written in Resolution 57 plans.

Plans are PDFs extracted to text, so cells arrive with broken lines, odd
spacing, typos ("Qúy IV"), missing accents and decomposed Unicode.  Every
parser here matches on a *folded* copy of the text (lower case, no accents)
that stays character-aligned with a cleaned display copy, so notes and raw
fragments can be cut from the readable text.  Anything not recognised is
reported as unknown rather than guessed.
"""

from nq57.textparse.common import fold_diacritics, normalize_text, parse_vn_number
from nq57.textparse.deadlines import Deadline, parse_deadline
from nq57.textparse.targets import Target, parse_target

__all__ = [
    "Deadline",
    "Target",
    "parse_deadline",
    "parse_target",
    "parse_vn_number",
    "normalize_text",
    "fold_diacritics",
]
