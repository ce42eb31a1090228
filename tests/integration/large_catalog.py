"""A generated catalog history of about 50,000 events (helpers for the slow test and the benchmark)."""

import datetime as dt

ISSUER = "UBND tỉnh Khánh Hòa"
FIELDS = ("Hộ tịch", "Đất đai", "Xây dựng", "Đầu tư", "Giáo dục", "Y tế")
LEVELS = (["province"], ["commune"], ["province", "commune"])


def record_large_history(catalog, decisions: int = 200, per_decision: int = 100) -> None:
    """Record ``decisions`` baselines of ``per_decision`` new procedures, amend half of them, abolish and
    replace some, and retract one decision: ``2 × decisions × per_decision`` events and a little more."""
    start = dt.date(2023, 1, 2)
    for d in range(decisions):
        catalog.record_decision(
            number=f"{d + 1}/QĐ-UBND", issuer=ISSUER, signed_on=start + dt.timedelta(days=d), actor="gen",
            entries=[{"action": "new", "code": f"1.{d:03d}{i:03d}", "name": f"Thủ tục số {i} của quyết định {d}",
                      "field": FIELDS[(d + i) % len(FIELDS)], "levels": LEVELS[i % len(LEVELS)],
                      "authority": "central" if i % 3 else "local"} for i in range(per_decision)])
    later = start + dt.timedelta(days=decisions + 10)
    for d in range(decisions // 2):
        catalog.record_decision(
            number=f"{d + 1}/QĐ-SĐ", issuer=ISSUER, signed_on=later + dt.timedelta(days=d), actor="gen",
            entries=[{"action": "amended", "code": f"1.{d:03d}{i:03d}", "online": "full"} for i in range(per_decision)])
    final = later + dt.timedelta(days=decisions)
    catalog.record_decision(
        number="1/QĐ-BB", issuer=ISSUER, signed_on=final, actor="gen",
        entries=[{"action": "abolished", "code": f"1.000{i:03d}"} for i in range(per_decision // 2)]
        + [{"action": "replaced", "code": f"2.001{i:03d}", "replaces": f"1.001{i:03d}", "name": f"Thay thế {i}",
            "field": "Hộ tịch", "levels": ["commune"], "authority": "local"} for i in range(per_decision // 2)])
    wrong = catalog.record_decision(
        number="2/QĐ-BB", issuer=ISSUER, signed_on=final, actor="gen",
        entries=[{"action": "abolished", "code": f"1.002{i:03d}"} for i in range(per_decision)])
    catalog.retract_decision(wrong.id, "Ghi nhầm", actor="gen")
