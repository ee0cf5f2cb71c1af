"""footmat layout: reference layout scaled to a person's feet."""
from __future__ import annotations

import pytest

from firmware.layout import load_layout
from trainer.cli import main


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("FOOTMAT_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("FOOTMAT_DEBUG", raising=False)
    return tmp_path / "home"


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err and "\n" not in err and "Traceback" not in err, err
    return err


def test_reference_foot_gives_the_shipped_default(tmp_path, capsys):
    out = tmp_path / "mine.toml"
    assert main(["layout", "--foot-length", "260", "--out", str(out)]) == 0
    shipped = load_layout("default-6")
    mine = load_layout(out)
    assert mine.name == "default-6"
    assert mine.sensors == shipped.sensors and mine.adc == shipped.adc and mine.controls == shipped.controls
    err = capsys.readouterr().err
    assert "wrote" in err and "6 sensors" in err


def test_small_foot_is_scaled_so_toes_stay_on_the_foot(tmp_path):
    out = tmp_path / "small.toml"
    assert main(["layout", "--foot-length", "210", "--out", str(out)]) == 0
    lay = load_layout(out)
    assert lay.name == "foot-210-6" and lay.foot_length_mm == 210
    toes = {s.name: s for s in lay.sensors}["right_toes"]
    heel = {s.name: s for s in lay.sensors}["right_heel"]
    # positions scale with the foot: hallux at 235/260 of the foot length, heel centre at 35/260
    assert toes.y_mm == pytest.approx(235 * 210 / 260, abs=0.05)
    assert heel.y_mm == pytest.approx(35 * 210 / 260, abs=0.05)
    assert toes.y_mm < 210 - 10  # the disc (12.7 mm) stays under the toes
    assert heel.x_mm == 85  # heel centres keep the default 170 mm stance


def test_stance_sets_the_heel_centre_distance(tmp_path):
    out = tmp_path / "wide.toml"
    assert main(["layout", "--foot-length", "250", "--stance", "200", "--out", str(out)]) == 0
    lay = load_layout(out)
    heels = [s.x_mm for s in lay.sensors if s.zone == "heel"]
    assert sorted(heels) == [-100, 100]
    assert lay.name == "foot-250-6-stance-200"


def test_eight_sensors_on_an_mcp3008(tmp_path):
    out = tmp_path / "m.toml"
    assert main(["layout", "--foot-length", "260", "--sensors", "8", "--adc", "mcp3008", "--out", str(out)]) == 0
    lay = load_layout(out)
    assert lay.adc.type == "mcp3008"
    assert sorted(s.channel for s in lay.sensors) == [f"CH{i}" for i in range(8)]
    assert {s.zone for s in lay.sensors} == {"heel", "outer", "ball", "toes"}
    # a different ADC is a different mat: it must not share the default's name (and calibration)
    assert lay.name == "foot-260-8-mcp3008"


def test_foot_length_from_a_person(tmp_path):
    assert main(["person", "add", "anna", "--weight-kg", "60", "--foot-length-mm", "232"]) == 0
    out = tmp_path / "anna.toml"
    assert main(["layout", "--person", "anna", "--out", str(out)]) == 0
    assert load_layout(out).foot_length_mm == 232


def test_person_without_foot_length(tmp_path, capsys):
    assert main(["person", "add", "ben", "--weight-kg", "80"]) == 0
    capsys.readouterr()
    assert main(["layout", "--person", "ben", "--out", str(tmp_path / "b.toml")]) == 2
    assert "no foot length" in _one_line_error(capsys)


def test_custom_name(tmp_path):
    out = tmp_path / "c.toml"
    assert main(["layout", "--foot-length", "245", "--name", "clinic-mat", "--out", str(out)]) == 0
    assert load_layout(out).name == "clinic-mat"


def test_existing_file_is_not_replaced_without_force(tmp_path, capsys):
    out = tmp_path / "mine.toml"
    out.write_text("# hand-edited\n")
    assert main(["layout", "--foot-length", "240", "--out", str(out)]) == 2
    err = _one_line_error(capsys)
    assert "already exists" in err and "--force" in err
    assert out.read_text() == "# hand-edited\n"
    assert main(["layout", "--foot-length", "240", "--out", str(out), "--force"]) == 0
    assert load_layout(out).foot_length_mm == 240


@pytest.mark.parametrize("argv,needle", [
    (["--foot-length", "400"], "outside 150..350"),
    (["--foot-length", "120"], "outside 150..350"),
    (["--foot-length", "260", "--stance", "500"], "stance"),
    (["--foot-length", "260", "--stance", "80"], "too narrow for 260 mm feet"),
    (["--foot-length", "260", "--name", "has space"], "not a plain file name"),
    (["--foot-length", "abc"], "not a number"),
    (["--foot-length", "-5"], "positive"),
    (["--foot-length", "260", "--sensors", "7"], "invalid choice"),
    (["--foot-length", "260", "--adc", "hx711"], "invalid choice"),
    ([], "required"),
    (["--foot-length", "260", "--person", "anna"], "not allowed with"),
])
def test_bad_input_exits_2_with_one_line(tmp_path, capsys, argv, needle):
    out = tmp_path / "x.toml"
    args = ["layout", *argv]
    if "--out" not in argv:
        args += ["--out", str(out)]
    try:
        rc = main(args)
    except SystemExit as e:  # argparse errors exit from inside parse_args
        rc = e.code
    assert rc == 2
    assert needle in _one_line_error(capsys)
    assert not out.exists()


@pytest.mark.parametrize("name", ["x.txt", "x"])
def test_out_must_be_toml(tmp_path, capsys, name):
    assert main(["layout", "--foot-length", "260", "--out", str(tmp_path / name)]) == 2
    assert ".toml" in _one_line_error(capsys)


def test_out_in_a_new_folder_is_created(tmp_path):
    out = tmp_path / "a" / "b" / "m.toml"
    assert main(["layout", "--foot-length", "270", "--out", str(out)]) == 0
    assert load_layout(out).foot_length_mm == 270
    assert [p.name for p in out.parent.iterdir()] == ["m.toml"]  # no temporary file left behind
