"""footmat routine (issue 9), the routine as data: routine files, where they are found, one clear line for bad files."""
import json

import pytest

from firmware.errors import DataFileError
from trainer import drills
from trainer.drills import routine as rt


def write(tmp_path, text, name="short.toml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


BAD = [
    ("title = 'x'\n", "has no parts"),
    ("[[part]]\ndrill = 'cartwheel'\n", "no drill called 'cartwheel'"),
    ("[[part]]\ndrill = 'heel-raises'\n[part.params]\ntempo = 9.0\n", "tempo 9.0 is outside"),
    ("[[part]]\ndrill = 'heel-raises'\n[part.params]\nsets = 'two'\n", "sets = 'two' is not an int"),
    ("[[part]]\ndrill = 'heel-raises'\n[part.params]\nsets = 1.5\n", "sets = 1.5 is not an int"),
    ("[[part]]\ndrill = 'heel-raises'\n[part.params]\nloops = 3\n", "takes no option 'loops'"),
    ("[[part]]\ndrill = 'toe-press'\nrepeats = 3\n", "unknown key 'repeats'"),
    ("colour = 'red'\n[[part]]\ndrill = 'toe-press'\n", "unknown key 'colour'"),
    ("rest_s = -4\n[[part]]\ndrill = 'toe-press'\n", "rest_s = -4"),
    ("[[part]]\ntitle = 'no drill'\n", "names no drill"),
    ("[[part]\ndrill = 'toe-press'\n", "not valid TOML"),
    ("part = 3\n", "has no parts"),
]


@pytest.mark.parametrize("text,message", BAD, ids=[m for _, m in BAD])
def test_a_bad_routine_file_gets_one_clear_line(cli, tmp_path, text, message):
    path = write(tmp_path, text, "bad.toml")
    code, out, err = cli("routine", str(path), "--backend", "sim", "--no-plot", "--out", str(tmp_path / "o"))
    assert code == 2 and message in err, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err and str(path) in err
    assert not (tmp_path / "o").exists()          # nothing started


def test_unknown_routine_names_the_choices(cli, tmp_path):
    code, out, err = cli("routine", "weekly-marathon", "--backend", "sim", "--no-plot")
    assert code == 2 and "no routine called 'weekly-marathon'" in err and "daily" in err
    code, out, err = cli("routine", str(tmp_path / "missing.toml"), "--backend", "sim")
    assert code == 2 and "not found" in err


def test_own_routines_in_footmat_home_are_listed(cli, footmat_home):
    (footmat_home / "routines").mkdir(parents=True)
    (footmat_home / "routines" / "knees.toml").write_text(
        'title = "Knee-friendly"\n[[part]]\ndrill = "toe-press"\n[part.params]\nreps = 5\n', encoding="utf-8")
    code, out, err = cli("routine", "--list")
    assert code == 0 and "knees" in out and "Knee-friendly" in out and "toe-press --reps 5" in out
    assert rt.load("knees", footmat_home / "routines").parts[0].params == {"reps": 5}


@pytest.mark.skipif("stance" not in drills.REGISTRY,
                    reason="the stance drill (issue 8, trainer/drills/defs_balance.py) is not registered yet")
def test_the_default_routine_is_about_fifteen_minutes_of_the_seeded_exercises(cli):
    r = rt.load(None)
    assert r.name == "daily"
    kinds = [p.drill for p in r.parts]
    assert kinds[0] == kinds[-1] == "stance"
    assert {"spiral", "heel-raises", "toe-press"} <= set(kinds)
    heel = next(p for p in r.parts if p.drill == "heel-raises")
    assert heel.params["sets"] == 2 and 15 <= heel.params["reps"] <= 20        # seed 001
    toes = next(p for p in r.parts if p.drill == "toe-press")
    assert toes.params["reps"] == 10 and toes.params["hold"] == 3.0             # seeds 002, 004
    assert 12 * 60 <= r.planned_s <= 18 * 60
    code, out, err = cli("routine", "--list", "--json")
    assert code == 0 and json.loads(out)["daily"]["planned_s"] == round(r.planned_s)


def test_parse_accepts_whole_floats_for_ints_and_ints_for_floats():
    r = rt.parse({"part": [{"drill": "heel-raises", "params": {"sets": 2.0, "tempo": 2}}]}, "t")
    assert r.parts[0].params == {"sets": 2, "tempo": 2.0}
    with pytest.raises(DataFileError):
        rt.parse({"part": [{"drill": "heel-raises", "params": {"tempo": True}}]}, "t")


def test_own_routines_come_from_the_folder_the_caller_names(tmp_path):
    own = tmp_path / "mine"
    own.mkdir()
    (own / "daily.toml").write_text('title = "My daily"\n[[part]]\ndrill = "toe-press"\n', encoding="utf-8")
    (own / "knees.toml").write_text('[[part]]\ndrill = "toe-press"\n', encoding="utf-8")
    shipped = rt.available()
    assert "daily" in shipped and "knees" not in shipped and shipped["daily"].parent == rt.ROUTINES_DIR
    found = rt.available(own)
    assert found["daily"] == own / "daily.toml" and found["knees"] == own / "knees.toml"   # the person's win
    assert rt.load(None, own).title == "My daily" and rt.load(None).name == "daily"
    assert rt.available(tmp_path / "missing") == shipped
    with pytest.raises(DataFileError, match="no routine called 'knees'"):
        rt.find("knees")
