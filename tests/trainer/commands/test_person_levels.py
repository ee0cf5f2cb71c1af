"""`footmat person set P --level/--max-level/--exclude`, `person remove`, `person show --json`
with levels and caps (issue 27); older person files still load."""
from __future__ import annotations

import json

from trainer.sessions import people


def test_levels_and_caps_are_set_shown_and_kept(cli):
    assert cli("person", "add", "ann", "--weight-kg", "61")[0] == 0
    code, out, err = cli("person", "set", "ann", "--level", "spiral=3", "--max-level", "spiral=4",
                         "--exclude", "one-leg", "--language", "de")
    assert code == 0 and "spiral level 3" in err and "one-leg excluded" in err
    code, out, _ = cli("person", "show", "ann", "--json")
    d = json.loads(out)
    assert d["levels"] == {"spiral": 3} and d["caps"] == {"max_level": {"spiral": 4}, "exclude": ["one-leg"]}
    assert d["language"] == "de"
    # the product's own reader sees the same
    p = people.load("ann")
    assert p.levels == {"spiral": 3} and p.caps["exclude"] == ["one-leg"]
    # updating the weight keeps them; the plain show says them
    assert cli("person", "add", "ann", "--weight-kg", "62")[0] == 0
    code, out, _ = cli("person", "show", "ann")
    assert "levels: spiral 3" in out and "capped: spiral at 4" in out and "excluded: one-leg" in out
    # a cap below the level brings the level down; --include and N=none undo
    cli("person", "set", "ann", "--max-level", "spiral=2")
    assert people.load("ann").levels["spiral"] == 2
    cli("person", "set", "ann", "--max-level", "spiral=none", "--include", "one-leg")
    assert people.load("ann").caps == {"max_level": {}, "exclude": []}


def test_bad_drills_and_levels_are_one_line_and_change_nothing(cli):
    cli("person", "add", "bob", "--weight-kg", "80")
    before = people.path_for("bob").read_bytes()
    for argv in (["--level", "spiral=9"], ["--level", "nodrill=1"], ["--max-level", "spiral=x"],
                 ["--exclude", "nodrill"], ["--level", "spiral"], ["--exclude", "one-leg", "--level", "spiral=0"]):
        code, out, err = cli("person", "set", "bob", *argv)
        assert code == 2, argv
        assert len(err.strip().splitlines()) == 1 and "—" in err, (argv, err)
    assert people.path_for("bob").read_bytes() == before
    cli("person", "set", "bob", "--max-level", "spiral=2")
    code, _, err = cli("person", "set", "bob", "--level", "spiral=3")
    assert code == 2 and "cap" in err


def test_a_refused_set_writes_nothing_of_what_came_before_the_refusal(cli):
    """A level above the cap given in the same command, or a bad language, is refused after the
    other options were read: neither the cap nor the exclusion (nor the level) is saved."""
    cli("person", "add", "Cat", "--weight-kg", "60")
    before = people.path_for("Cat").read_bytes()
    for argv in (["--level", "spiral=4", "--max-level", "spiral=3", "--exclude", "one-leg"],
                 ["--level", "spiral=2", "--max-level", "spiral=3", "--exclude", "one-leg", "--language", "xx"]):
        code, out, err = cli("person", "set", "Cat", *argv)
        assert code == 2, (argv, err)
        assert people.path_for("Cat").read_bytes() == before, argv
    p = people.load("Cat")
    assert p.levels == {} and p.caps == {"max_level": {}, "exclude": []}


def test_remove(cli):
    cli("person", "add", "cat", "--weight-kg", "55")
    assert cli("person", "remove", "cat")[0] == 0
    assert "cat" not in people.names()
    code, _, err = cli("person", "remove", "cat")
    assert code == 2 and "no person called" in err


def test_an_older_person_file_loads_without_levels_or_caps(footmat_home):
    p = footmat_home / "people"
    p.mkdir(parents=True)
    (p / "old.json").write_text(json.dumps({"name": "old", "weight_kg": 70.0}))
    person = people.load("old")
    assert person.levels == {} and person.caps == {"max_level": {}, "exclude": []}
    # a level above this build's top is clipped, a drill it does not know is kept (a newer mat)
    (p / "new.json").write_text(json.dumps({"name": "new", "weight_kg": 70.0, "levels": {"spiral": 50, "future": 2},
                                            "caps": {"max_level": {}, "exclude": ["future"]}}))
    person = people.load("new")
    assert person.levels == {"spiral": 8, "future": 2} and person.caps["exclude"] == ["future"]


def test_the_default_person_gets_a_file_on_first_use():
    assert "default" not in people.names()
    person = people.load_or_create(None)
    assert "default" in people.names() and person.person_id
    assert people.set_levels("default", {"toe-press": 2}).levels == {"toe-press": 2}
    assert people.load_or_create(None).levels == {"toe-press": 2}
