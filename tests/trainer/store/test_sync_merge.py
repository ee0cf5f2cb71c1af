"""The merge rule of `footmat sync` (trainer/store/merge.py): pure functions, no network."""
from trainer.store.merge import apply_caps, merge_caps, merge_levels, merge_people, merge_person

A, B, C = "a" * 32, "b" * 32, "c" * 32
T1, T2, T3 = "2026-12-01T10:00:00.000Z", "2026-12-02T10:00:00.000Z", "2026-12-03T10:00:00.000Z"


def person(pid, name, **kw):
    return {"person_id": pid, "name": name, "weight_kg": 70.0, "units": "kg"} | kw


def test_later_level_decision_wins_per_drill():
    levels, at = merge_levels({"spiral": 4, "heel-raises": 2}, {"spiral": T3, "heel-raises": T1},
                              {"spiral": 3, "heel-raises": 5}, {"spiral": T2, "heel-raises": T2})
    assert levels == {"spiral": 4, "heel-raises": 5}
    assert at == {"spiral": T3, "heel-raises": T2}


def test_level_tie_or_no_times_goes_to_the_clinic_and_one_sided_drills_are_kept():
    levels, _ = merge_levels({"spiral": 4, "one-leg": 2}, {}, {"spiral": 3, "shifts": 6}, {})
    assert levels == {"spiral": 3, "one-leg": 2, "shifts": 6}
    levels, _ = merge_levels({"spiral": 4}, {"spiral": T2}, {"spiral": 3}, {"spiral": T2})
    assert levels == {"spiral": 3}


def test_a_clinicians_cap_always_wins_over_a_later_level():
    local = person(A, "Ann", levels={"spiral": 7}, levels_at={"spiral": T3})
    remote = person(A, "Ann", levels={"spiral": 5}, levels_at={"spiral": T1},
                    caps={"max_level": {"spiral": 4}, "exclude": []}, caps_at=T1)
    merged, notes = merge_person(local, remote, base=person(A, "Ann", levels={"spiral": 5}))
    assert merged["levels"]["spiral"] == 4
    assert merged["caps"]["max_level"] == {"spiral": 4}
    assert any("cap 4" in n for n in notes)


def test_caps_three_way_changed_side_wins_and_both_changed_later_wins():
    base = {"max_level": {"spiral": 5}, "exclude": ["one-leg"]}
    clinic = {"max_level": {"spiral": 3}, "exclude": ["one-leg"]}
    assert merge_caps(base, T1, clinic, T1, base) == clinic            # only the clinic changed it
    mat = {"max_level": {"spiral": 5}, "exclude": []}
    assert merge_caps(mat, T1, base, T1, base) == mat                   # only the mat lifted the exclusion
    both_mat = {"max_level": {"spiral": 6}, "exclude": ["one-leg"]}
    assert merge_caps(both_mat, T3, clinic, T2, base)["max_level"] == {"spiral": 6}
    assert merge_caps(both_mat, T2, clinic, T2, base)["max_level"] == {"spiral": 3}   # a tie: the clinic


def test_apply_caps_lowers_only_levels_above_their_cap():
    levels, notes = apply_caps({"spiral": 6, "shifts": 2}, {"max_level": {"spiral": 4, "shifts": 3}})
    assert levels == {"spiral": 4, "shifts": 2} and len(notes) == 1


def test_profile_fields_three_way():
    base = person(A, "Ann", weight_kg=70.0, language="en")
    local = person(A, "Ann", weight_kg=72.0, language="en", changed_at=T2)
    remote = person(A, "Ann", weight_kg=70.0, language="de", changed_at=T1)
    merged, notes = merge_person(local, remote, base)
    assert merged["weight_kg"] == 72.0 and merged["language"] == "de" and not notes
    remote2 = person(A, "Ann", weight_kg=68.0, changed_at=T3)
    merged, notes = merge_person(local, remote2, base)
    assert merged["weight_kg"] == 68.0 and notes                         # both changed: the later


def test_people_match_by_id_and_a_name_clash_is_reported_not_merged():
    local = {A: person(A, "Ann"), B: person(B, "Bob")}
    remote = {A: person(A, "Ann", levels={"spiral": 2}), C: person(C, "Bob")}
    out = merge_people(local, remote, base={})
    assert [(c.name, c.local_id, c.remote_id) for c in out.clashes] == [("Bob", B, C)]
    assert C not in out.people and C not in out.to_mat               # the other Bob is not written here
    assert out.to_mat[A]["levels"] == {"spiral": 2}                  # Ann's level came from the clinic
    assert B in out.to_clinic and A not in out.to_clinic             # Bob goes up, Ann is already the same
    assert "Bob" in out.clashes[0].text()


def test_new_people_flow_both_ways_and_equal_people_are_left_alone():
    out = merge_people({A: person(A, "Ann")}, {C: person(C, "Cy")}, base={})
    assert set(out.to_mat) == {C} and set(out.to_clinic) == {A} and not out.clashes
    same = merge_people({A: person(A, "Ann")}, {A: person(A, "Ann")}, base={A: person(A, "Ann")})
    assert not same.to_mat and not same.to_clinic


def test_a_rename_at_the_clinic_onto_a_name_taken_here_is_a_clash():
    local = {A: person(A, "Ann"), B: person(B, "Bob")}
    remote = {A: person(A, "Bob", changed_at=T2), B: person(B, "Bob")}
    out = merge_people(local, remote, base={A: person(A, "Ann"), B: person(B, "Bob")})
    assert out.people[A]["name"] == "Ann" and [c.name for c in out.clashes] == ["Bob"]


def test_levels_three_way_a_side_that_did_not_change_takes_the_other():
    base = {"spiral": 3, "shifts": 2}
    # trained up on the mat since the last sync; the clinic still holds the old level (no time sent)
    levels, _ = merge_levels({"spiral": 4, "shifts": 2}, {"spiral": T3}, {"spiral": 3, "shifts": 5}, {}, base)
    assert levels == {"spiral": 4, "shifts": 5}
    # both changed: the later decision; without the clinic's time, the clinic's
    levels, _ = merge_levels({"spiral": 4}, {"spiral": T1}, {"spiral": 2}, {"spiral": T2}, base)
    assert levels == {"spiral": 2}
    levels, _ = merge_levels({"spiral": 4}, {"spiral": T3}, {"spiral": 2}, {"spiral": T2}, base)
    assert levels == {"spiral": 4}
    levels, _ = merge_levels({"spiral": 4}, {"spiral": T3}, {"spiral": 2}, {}, base)
    assert levels == {"spiral": 2}


def test_a_person_removed_on_the_mat_is_not_made_again():
    out = merge_people({}, {A: person(A, "Ann")}, base={A: person(A, "Ann")})
    assert not out.to_mat and not out.to_clinic and A in out.people and "removed" in out.notes[0]
