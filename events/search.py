"""Accent-insensitive search for Vietnamese text ("khai sinh" finds "Đăng ký khai sinh").

Vietnamese words are made of syllables ("khai sinh" is one word), so a query matches as a phrase: its
syllables must occur together and in order. Several phrases separated by commas must all occur
("khai sinh, nuoc ngoai").
"""

import re
import unicodedata


def fold(text: str) -> str:
    """Return ``text`` lower-cased, without diacritics, with đ → d and runs of spaces collapsed."""
    decomposed = unicodedata.normalize("NFD", text.casefold())
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return re.sub(r"\s+", " ", stripped.replace("đ", "d")).strip()


def terms(query: str) -> list[str]:
    """Return the folded phrases of a search query; every one must occur in a match."""
    return [phrase for phrase in (fold(part) for part in query.split(",")) if phrase]
