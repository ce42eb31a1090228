"""Accent-insensitive search for Vietnamese text ("khai sinh" finds "Đăng ký khai sinh")."""

import re
import unicodedata


def fold(text: str) -> str:
    """Return ``text`` lower-cased, without diacritics, with đ → d and runs of spaces collapsed."""
    decomposed = unicodedata.normalize("NFD", text.casefold())
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return re.sub(r"\s+", " ", stripped.replace("đ", "d")).strip()


def terms(query: str) -> list[str]:
    """Return the folded words of a search query; every one must occur in a match."""
    return [word for word in fold(query).split(" ") if word]
