"""A small province for the access tests (helpers, not tests): a district G09.3 with communes G09.31 and
G09.32, one procedure, one account per role, and a dossier received at G09.32 with an applicant."""

from __future__ import annotations

from access.roles import ROLES
from tests.conftest import token_client

APPLICANT = {"name": "Nguyễn Văn An", "id_number": "001203004567", "phone": "0912345678",
             "email": "an.nguyen@example.vn", "address": "12 Lê Lợi", "organization": "Công ty Hòa Bình"}
MASKED = {"name": "N***** V** A*", "id_number": "00********67", "phone": "09******78",
          "email": "a********@e*********", "address": "1* L* L**", "organization": "C*** t* H** B***"}
DOSSIER = "G09.32-20261102-00001"
PASSWORD = "mật khẩu đủ dài"


def record_province(client) -> None:
    """Record the catalog, agencies and the dossier ``DOSSIER`` through ``client`` (every role, every agency)."""
    assert client.post("/api/decisions", json={
        "number": "1/QĐ-UBND", "issuer": "UBND tỉnh Khánh Hòa", "signed_on": "2026-01-05",
        "entries": [{"action": "new", "code": "1.001193", "name": "Đăng ký khai sinh", "field": "Hộ tịch",
                     "levels": ["commune"], "authority": "central",
                     "processing_time": {"value": 3, "unit": "working_days"}}]}).status_code == 201
    for body in ({"code": "G09", "name": "UBND tỉnh Khánh Hòa", "level": "province"},
                 {"code": "G09.3", "name": "Huyện Cam Lâm", "level": "district", "parent": "G09"},
                 {"code": "G09.31", "name": "UBND xã Cam Hải", "level": "commune", "parent": "G09.3"},
                 {"code": "G09.32", "name": "UBND xã Cam Đức", "level": "commune", "parent": "G09.3"}):
        assert client.post("/api/agencies", json=body).status_code == 201
    received = client.post("/api/dossiers", json=receipt("G09.32", code=DOSSIER))
    assert received.status_code == 201, received.get_json()


def receipt(agency: str, **extra) -> dict:
    return {"procedure_code": "1.001193", "agency": agency, "channel": "in_person",
            "received_at": "2026-11-02T08:00:00+07:00", "applicant": APPLICANT, **extra}


def role_clients(app) -> dict[str, object]:
    """One token client per role (agencies: every one), named after the role."""
    return {role: token_client(app, f"chi-{role}", roles=[role], agencies=["*"]) for role in ROLES}
