"""A sequence of decisions shared by the integration tests (helpers, not tests)."""

import datetime as dt

from sqlalchemy import select

from events.tables import metadata

ISSUER = "UBND tỉnh Khánh Hòa"


def new(code, **attrs):
    return {"action": "new", "code": code, "name": attrs.pop("name", f"Thủ tục {code}"),
            "field": attrs.pop("field", "Hộ tịch"), "levels": attrs.pop("levels", ["commune"]),
            "authority": attrs.pop("authority", "central"), **attrs}


def record_history(catalog):
    """Record new, amended, replaced, abolished, publicised and retracted decisions."""
    first = catalog.record_decision(
        number="1/QĐ-UBND", issuer=ISSUER, signed_on=dt.date(2024, 3, 25), actor="kstt",
        entries=[new("1.000001", name="Đăng ký khai sinh"), new("1.000002", levels=["province", "commune"]),
                 new("1.000003", authority="local", field="Đất đai")])
    catalog.record_publication(first.id, dt.date(2024, 3, 28), actor="kstt")
    catalog.record_decision(
        number="2/QĐ-UBND", issuer=ISSUER, signed_on=dt.date(2024, 4, 10), actor="kstt",
        effective_on=dt.date(2024, 4, 25),
        entries=[{"action": "amended", "code": "1.000001", "processing_time": {"value": 3, "unit": "working_days"}},
                 {**new("1.000004", field="Đất đai"), "action": "replaced", "replaces": "1.000003"},
                 {"action": "abolished", "code": "1.000002"}])
    wrong = catalog.record_decision(
        number="3/QĐ-UBND", issuer=ISSUER, signed_on=dt.date(2024, 4, 12), actor="kstt",
        entries=[new("1.000005", kind="internal")])
    catalog.retract_decision(wrong.id, "Ghi nhầm số quyết định", actor="kstt")
    catalog.record_decision(
        number="4/QĐ-BTP", issuer="Bộ Tư pháp", signed_on=dt.date(2024, 5, 2), actor="kstt",
        entries=[new("2.000001", levels=["central"])])


def dump_read_models(engine):
    """Return every read-model row of every table, sorted, for exact comparison."""
    result = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            if table.name == "projection_tracking":
                continue
            rows = conn.execute(select(table)).all()
            result[table.name] = sorted((tuple(map(repr, row)) for row in rows))
    return result
