"""Vietnamese alphabetical order, for lists an officer reads (form 06's fields and procedures).

Python's default order compares code points, which puts "Đất đai" after "Xây dựng"
(Đ is U+0110). The Vietnamese alphabet is a ă â b c d đ e ê g h i k l m n o ô ơ p q r
s t u ư v x y; tone marks order words only when the letters are equal (unmarked,
grave, hook, tilde, acute, dot below).
"""

from __future__ import annotations

import unicodedata

ALPHABET = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
_LETTER = {letter: index for index, letter in enumerate(ALPHABET)}
# Tone marks; the other combining marks (breve, circumflex, horn) make letters of their own.
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}  # grave, hook, tilde, acute, dot


def _letters(text: str) -> list[tuple[str, int]]:
    """(letter, tone) pairs of `text`, lower-cased, with đ and the modified vowels as letters."""
    result: list[tuple[str, int]] = []
    for character in unicodedata.normalize("NFD", text.lower().replace("đ", "\x00")):
        if character == "\x00":
            result.append(("đ", 0))
        elif character in _TONES and result:
            letter, _tone = result[-1]
            result[-1] = (letter, _TONES[character])
        elif character in ("\u0306", "\u0302", "\u031b") and result:
            letter, tone = result[-1]
            modified = unicodedata.normalize("NFC", letter + character)
            result[-1] = (modified, tone)
        else:
            result.append((character, 0))
    return result


def vietnamese_key(text: str) -> tuple:
    """A sort key: letters by the Vietnamese alphabet first, tones second, then the text itself."""
    letters = _letters(text)
    primary = tuple(_LETTER.get(letter, -1 if letter.isspace() else 100 + ord(letter[0])) for letter, _t in letters)
    return primary, tuple(tone for _letter, tone in letters), text
