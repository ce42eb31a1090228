"""The rules of recording, publicising and retracting Quyết định công bố, on the in-memory store."""

import datetime as dt

import pytest

from catalog.application import Catalog
from catalog.domain import (
    DecisionHasDependentsError,
    DecisionNotFoundError,
    DecisionRefusedError,
    DecisionRetractedError,
    DuplicateDecisionError,
    InvalidDecisionError,
    ProcedureNotFoundError,
    PublicationBeforeSigningError,
    decision_id,
)

ISSUER = "UBND tỉnh Khánh Hòa"
FIXED_NOW = dt.datetime(2024, 6, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))


def new(code, **attrs):
    return {"action": "new", "code": code, "name": attrs.pop("name", f"Thủ tục {code}"),
            "field": attrs.pop("field", "Hộ tịch"), "levels": attrs.pop("levels", ["commune"]),
            "authority": attrs.pop("authority", "central"), **attrs}


@pytest.fixture
def catalog():
    return Catalog(clock=lambda: FIXED_NOW)


def record(catalog, number, signed_on, *entries, effective_on=None):
    return catalog.record_decision(number=number, issuer=ISSUER, signed_on=signed_on, entries=list(entries),
                                   actor="kstt", effective_on=effective_on)


def test_a_new_procedure_is_active_from_the_effective_date(catalog):
    record(catalog, "1/QĐ-UBND", dt.date(2024, 4, 16), new("1.000001"), effective_on=dt.date(2024, 5, 1))
    state = catalog.procedure_as_of("1.000001", dt.date(2024, 5, 1))
    assert (state.status, state.since, state.attributes["name"]) == ("active", dt.date(2024, 5, 1), "Thủ tục 1.000001")
    with pytest.raises(ProcedureNotFoundError):
        catalog.procedure_as_of("1.000001", dt.date(2024, 4, 30))


def test_the_event_records_actor_and_business_time(catalog):
    decision = record(catalog, "1/QĐ-UBND", dt.date(2024, 4, 16), new("1.000001"))
    events = list(catalog.events.get(decision.id))
    assert (events[0].actor, events[0].occurred_at) == ("kstt", FIXED_NOW)


def test_a_second_decision_with_the_same_number_and_issuer_is_refused(catalog):
    record(catalog, "1/QĐ-UBND", dt.date(2024, 4, 16), new("1.000001"))
    with pytest.raises(DuplicateDecisionError) as refused:
        record(catalog, "1/qđ-ubnd ", dt.date(2024, 4, 17), new("1.000002"))
    assert refused.value.reason == "duplicate_decision"


def test_new_is_refused_for_a_code_already_active(catalog):
    record(catalog, "1/QĐ-UBND", dt.date(2024, 4, 16), new("1.000001"))
    with pytest.raises(DecisionRefusedError) as refused:
        record(catalog, "2/QĐ-UBND", dt.date(2024, 5, 2), new("1.000001"))
    assert refused.value.reason == "procedure_already_active"
    assert refused.value.errors["entries"][0]["code"] == "1.000001"


def test_amended_and_abolished_are_refused_for_a_code_not_active(catalog):
    with pytest.raises(DecisionRefusedError) as refused:
        record(catalog, "1/QĐ-UBND", dt.date(2024, 4, 16),
               {"action": "amended", "code": "9.000001", "name": "Tên mới"},
               {"action": "abolished", "code": "9.000002"})
    assert refused.value.reason == "procedure_not_active"
    assert sorted(refused.value.errors["entries"]) == [0, 1]
    assert {e["reason"] for e in refused.value.errors["entries"].values()} == {"procedure_not_active"}


def test_a_refused_decision_records_nothing(catalog):
    record(catalog, "1/QĐ-UBND", dt.date(2024, 4, 16), new("1.000001"))
    with pytest.raises(DecisionRefusedError) as refused:
        record(catalog, "2/QĐ-UBND", dt.date(2024, 5, 2), new("1.000002"), {"action": "abolished", "code": "9.9"})
    assert list(refused.value.errors["entries"]) == [1]
    with pytest.raises(ProcedureNotFoundError):
        catalog.get_procedure("1.000002")
    with pytest.raises(DecisionNotFoundError):
        catalog.get_decision(decision_id("2/QĐ-UBND", ISSUER))


def test_rules_are_checked_as_of_the_effective_date(catalog):
    record(catalog, "1/QĐ-UBND", dt.date(2024, 4, 16), new("1.000001"), effective_on=dt.date(2024, 6, 1))
    with pytest.raises(DecisionRefusedError) as refused:
        record(catalog, "2/QĐ-UBND", dt.date(2024, 5, 1), {"action": "abolished", "code": "1.000001"})
    assert refused.value.reason == "procedure_not_active"


def test_an_earlier_decision_may_not_contradict_a_later_one_already_recorded(catalog):
    record(catalog, "1/QĐ-UBND", dt.date(2024, 6, 1), new("1.000001"))
    with pytest.raises(DecisionRefusedError) as refused:
        record(catalog, "2/QĐ-UBND", dt.date(2024, 5, 1), new("1.000001"))
    assert refused.value.reason == "procedure_history_conflict"


def test_replaced_ends_the_old_code_and_starts_the_new_one(catalog):
    record(catalog, "1/QĐ-UBND", dt.date(2024, 4, 16), new("1.004227"))
    decision = record(catalog, "2/QĐ-UBND", dt.date(2024, 5, 2),
                      {**new("1.012346", levels=["province", "commune"]), "action": "replaced", "replaces": "1.004227"})
    on = dt.date(2024, 5, 2)
    assert catalog.procedure_as_of("1.004227", on).status == "abolished"
    assert catalog.procedure_as_of("1.012346", on).status == "active"
    assert decision.entries[0]["procedure"]["levels"] == ["province", "commune"]


def test_replaced_by_the_same_code_restates_it_in_full(catalog):
    record(catalog, "1/QĐ-UBND", dt.date(2024, 4, 16), new("1.000001", agency="UBND cấp xã"))
    record(catalog, "2/QĐ-UBND", dt.date(2024, 5, 2),
           {**new("1.000001", name="Tên thay thế"), "action": "replaced", "replaces": "1.000001"})
    state = catalog.procedure_as_of("1.000001", dt.date(2024, 5, 2))
    assert (state.status, state.since, state.attributes["name"], state.attributes["agency"]) == (
        "active", dt.date(2024, 4, 16), "Tên thay thế", None)


def test_replaced_needs_the_replaced_code_active(catalog):
    with pytest.raises(DecisionRefusedError) as refused:
        record(catalog, "1/QĐ-UBND", dt.date(2024, 4, 16),
               {**new("1.000002"), "action": "replaced", "replaces": "1.000001"})
    assert refused.value.reason == "procedure_not_active"
    assert refused.value.errors["entries"][0]["code"] == "1.000001"


def test_amended_changes_only_what_it_states(catalog):
    record(catalog, "1/QĐ-UBND", dt.date(2024, 4, 16), new("1.000001", processing_time={"value": 5, "unit": "working_days"}))
    decision = record(catalog, "2/QĐ-UBND", dt.date(2024, 5, 2),
                      {"action": "amended", "code": "1.000001", "processing_time": {"value": 3, "unit": "working_days"}})
    before = catalog.procedure_as_of("1.000001", dt.date(2024, 5, 1)).attributes
    after = catalog.procedure_as_of("1.000001", dt.date(2024, 5, 2)).attributes
    assert (before["processing_time"]["value"], after["processing_time"]["value"]) == (5, 3)
    assert after["name"] == before["name"] == "Thủ tục 1.000001"
    assert decision.entries[0]["changes"] == {"processing_time": {"value": 3, "unit": "working_days"}}


@pytest.mark.parametrize(
    ("entries", "path"),
    [
        ([], "entries"),
        ([new("1"), new("1")], "entries"),
        ([{"action": "new", "code": "1", "field": "x", "levels": ["commune"], "authority": "local"}], "entries"),
        ([{**new("1"), "replaces": "2"}], "entries"),
        ([{**new("1"), "action": "replaced"}], "entries"),
        ([{"action": "abolished", "code": "1", "name": "x"}], "entries"),
    ],
    ids=["no entries", "code twice", "new without name", "replaces on new", "replaced without replaces",
         "abolished with attributes"],
)
def test_malformed_decisions_are_refused_with_the_field_at_fault(catalog, entries, path):
    with pytest.raises(InvalidDecisionError) as refused:
        record(catalog, "1/QĐ-UBND", dt.date(2024, 4, 16), *entries)
    assert path in refused.value.errors


def test_the_field_errors_name_the_entry_and_attribute(catalog):
    with pytest.raises(InvalidDecisionError) as refused:
        record(catalog, "1/QĐ-UBND", dt.date(2024, 4, 16), new("1"), {**new("2"), "replaces": "3"}, new("1"))
    assert set(refused.value.errors["entries"]) == {1, 2}
    assert set(refused.value.errors["entries"][1]) == {"replaces"}
    assert set(refused.value.errors["entries"][2]) == {"code"}


def test_effective_date_before_signing_is_refused(catalog):
    with pytest.raises(InvalidDecisionError) as refused:
        record(catalog, "1/QĐ-UBND", dt.date(2024, 4, 16), new("1"), effective_on=dt.date(2024, 4, 15))
    assert list(refused.value.errors) == ["effective_on"]


def test_retraction_makes_the_catalog_as_if_the_decision_was_never_recorded(catalog):
    record(catalog, "1/QĐ-UBND", dt.date(2024, 4, 16), new("1.000001"))
    second = record(catalog, "2/QĐ-UBND", dt.date(2024, 5, 2), {"action": "abolished", "code": "1.000001"},
                    new("1.000002"))
    catalog.retract_decision(second.id, "Ghi nhầm", actor="kstt")
    assert catalog.procedure_as_of("1.000001", dt.date(2024, 6, 1)).status == "active"
    with pytest.raises(ProcedureNotFoundError):
        catalog.procedure_as_of("1.000002", dt.date(2024, 6, 1))
    assert catalog.get_decision(second.id).retracted is True
    # the code can now be issued again by a correct decision
    record(catalog, "3/QĐ-UBND", dt.date(2024, 5, 3), new("1.000002"))


def test_retraction_is_refused_while_a_later_decision_builds_on_it(catalog):
    first = record(catalog, "1/QĐ-UBND", dt.date(2024, 4, 16), new("1.000001"))
    record(catalog, "2/QĐ-UBND", dt.date(2024, 5, 2), {"action": "amended", "code": "1.000001", "online": "full"})
    with pytest.raises(DecisionHasDependentsError) as refused:
        catalog.retract_decision(first.id, "Ghi nhầm", actor="kstt")
    assert [d["number"] for d in refused.value.errors["dependents"]] == ["2/QĐ-UBND"]
    assert catalog.get_decision(first.id).retracted is False


def test_retracting_an_amendment_that_others_amend_again_is_allowed(catalog):
    record(catalog, "1/QĐ-UBND", dt.date(2024, 4, 16), new("1.000001"))
    middle = record(catalog, "2/QĐ-UBND", dt.date(2024, 5, 2), {"action": "amended", "code": "1.000001", "online": "full"})
    record(catalog, "3/QĐ-UBND", dt.date(2024, 5, 3), {"action": "amended", "code": "1.000001", "kind": "internal"})
    catalog.retract_decision(middle.id, "Ghi nhầm", actor="kstt")
    attributes = catalog.procedure_as_of("1.000001", dt.date(2024, 6, 1)).attributes
    assert (attributes["online"], attributes["kind"]) == ("none", "internal")


def test_a_decision_cannot_be_retracted_twice(catalog):
    decision = record(catalog, "1/QĐ-UBND", dt.date(2024, 4, 16), new("1.000001"))
    catalog.retract_decision(decision.id, "Ghi nhầm", actor="kstt")
    with pytest.raises(DecisionRetractedError):
        catalog.retract_decision(decision.id, "Ghi nhầm", actor="kstt")


def test_publication_is_recorded_and_may_not_precede_signing(catalog):
    decision = record(catalog, "1/QĐ-UBND", dt.date(2024, 4, 16), new("1.000001"))
    with pytest.raises(PublicationBeforeSigningError):
        catalog.record_publication(decision.id, dt.date(2024, 4, 15), actor="kstt")
    catalog.record_publication(decision.id, dt.date(2024, 4, 20), actor="kstt")
    assert catalog.get_decision(decision.id).publicised_on == dt.date(2024, 4, 20)


def test_a_retracted_decision_cannot_be_publicised(catalog):
    decision = record(catalog, "1/QĐ-UBND", dt.date(2024, 4, 16), new("1.000001"))
    catalog.retract_decision(decision.id, "Ghi nhầm", actor="kstt")
    with pytest.raises(DecisionRetractedError):
        catalog.record_publication(decision.id, dt.date(2024, 4, 20), actor="kstt")


def test_unknown_decisions_are_not_found(catalog):
    with pytest.raises(DecisionNotFoundError):
        catalog.retract_decision(decision_id("9/QĐ", ISSUER), "x", actor="kstt")


def test_history_as_of_any_date_follows_the_decisions_in_force(catalog):
    record(catalog, "1/QĐ-UBND", dt.date(2024, 1, 10), new("1.000001"))
    record(catalog, "2/QĐ-UBND", dt.date(2024, 3, 1), {"action": "abolished", "code": "1.000001"})
    record(catalog, "3/QĐ-UBND", dt.date(2024, 5, 1), new("1.000001", name="Ban hành lại"))
    procedure = catalog.get_procedure("1.000001")
    assert [(v.isoformat(), s.status, s.attributes["name"]) for v, s in procedure.versions()] == [
        ("2024-01-10", "active", "Thủ tục 1.000001"),
        ("2024-03-01", "abolished", "Thủ tục 1.000001"),
        ("2024-05-01", "active", "Ban hành lại"),
    ]
    assert [c.action for c in procedure.history()] == ["new", "abolished", "new"]


def test_a_retracted_decision_can_be_recorded_again_correctly_under_its_number(catalog):
    wrong = record(catalog, "1/QĐ-UBND", dt.date(2024, 4, 16), new("1.000001", name="Tên gõ nhầm"))
    catalog.retract_decision(wrong.id, "Nhập sai tên thủ tục", actor="kstt")
    right = record(catalog, "1/QĐ-UBND", dt.date(2024, 4, 16), new("1.000001", name="Đăng ký khai sinh"))
    assert right.id != wrong.id
    assert catalog.procedure_as_of("1.000001", dt.date(2024, 4, 16)).attributes["name"] == "Đăng ký khai sinh"
    with pytest.raises(DuplicateDecisionError):
        record(catalog, "1/QĐ-UBND", dt.date(2024, 4, 16), new("1.000002"))
