"""Codes that people copy by hand or read aloud: recovery codes and invite codes.

Crockford's base32 alphabet has no I, L, O or U, so a code survives handwriting and a phone line;
reading it back, O is taken for 0 and I or L for 1, case does not matter, and hyphens and any
white space (a space, a tab, a line break from a paste) are ignored.
"""

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # 32 symbols: 5 random bits each
GROUP_LENGTH = 4
MISREAD = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code(length: int) -> str:
    """`length` random symbols in hyphenated groups of four: 7KQ2-M9XD-…"""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(length))
    return "-".join(raw[i : i + GROUP_LENGTH] for i in range(0, length, GROUP_LENGTH))


def normalize(code: str) -> str:
    """The code as it was made, however it was typed or pasted."""
    return "".join(code.split()).replace("-", "").upper().translate(MISREAD)
