"""With all 2,642 procedures of the national exports recorded, HTTP search finds them without accents."""

import datetime as dt

from catalog.importer import entries_for, read_export
from events.search import fold


def test_khai_sinh_typed_without_accents_finds_every_birth_registration_procedure(services, client, shared_data):
    for index, path in enumerate(sorted(shared_data.glob("*.xlsx")), start=1):
        services.catalog.record_decision(number=f"{index}/QĐ-DVCQG", issuer="Cổng Dịch vụ công quốc gia",
                                         signed_on=dt.date(2026, 1, 5), actor="kstt",
                                         entries=entries_for(read_export(path), levels=["central"]))
    assert client.get("/api/procedures?per_page=1").get_json()["total"] == 2642

    body = client.get("/api/procedures", query_string={"q": "khai sinh", "per_page": 500}).get_json()

    # 14 procedures of the Bộ Tư pháp export mention "khai sinh" in their name
    assert body["total"] == 14
    codes = {item["code"] for item in body["items"]}
    assert {"1.001193", "1.004884", "1.003583", "2.000528"} <= codes  # đăng ký khai sinh, lại, lưu động, có YTNN
    assert all("khai sinh" in fold(item["name"]) for item in body["items"])
    assert [item["code"] for item in body["items"]] == sorted(codes)
    # the accented and upper-case spellings give the same answer
    for spelling in ("Khai Sinh", "KHAI SINH", "khai sinh"):
        again = client.get("/api/procedures", query_string={"q": spelling, "per_page": 500}).get_json()
        assert {item["code"] for item in again["items"]} == codes
    # a query is a phrase: "khai ... sinh" apart (e.g. "khai thuế ... sinh hoạt") does not match
    narrowed = client.get("/api/procedures", query_string={"q": "dang ky lai khai sinh"}).get_json()
    assert {item["code"] for item in narrowed["items"]} == {"1.004884", "2.000522"}
    # phrases separated by commas must all occur
    both = client.get("/api/procedures", query_string={"q": "khai sinh, nuoc ngoai"}).get_json()
    assert {item["code"] for item in both["items"]} == {"1.000110", "1.000893", "1.001695", "2.000522", "2.000528", "2.000547"}
