"""Masking of personal data (dữ liệu cá nhân, Nghị định 13/2023/NĐ-CP) for accounts that may not see it.

One function for every response and export that carries a dossier's ``applicant``.
"""

from __future__ import annotations

from typing import Any

PERSONAL_FIELDS = ("name", "id_number", "phone", "email", "address", "organization")


def mask_text(value: str) -> str:
    """Keep the first letter of each word: ``"Nguyễn Văn An"`` → ``"N***** V** A*"``."""
    return " ".join(word[:1] + "*" * (len(word) - 1) for word in value.split(" "))


def mask_number(value: str) -> str:
    """Keep the first two and last two characters: ``"0912345678"`` → ``"09******78"``."""
    if len(value) <= 4:
        return "*" * len(value)
    return value[:2] + "*" * (len(value) - 4) + value[-2:]


def mask_email(value: str) -> str:
    """``"an.nguyen@example.vn"`` → ``"a********@e*********"``."""
    local, _, domain = value.partition("@")
    return mask_text(local) + ("@" + mask_text(domain) if domain else "")


MASKS = {"name": mask_text, "id_number": mask_number, "phone": mask_number, "email": mask_email,
         "address": mask_text, "organization": mask_text}


def masked_applicant(applicant: dict[str, Any] | None) -> dict[str, Any]:
    """Return ``applicant`` with every personal field masked (other keys kept as they are)."""
    return {key: MASKS[key](value) if key in MASKS and isinstance(value, str) else value
            for key, value in (applicant or {}).items()}
