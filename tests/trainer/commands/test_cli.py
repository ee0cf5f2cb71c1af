import json
import os
import subprocess
import sys

import pytest

from firmware import errors


def test_help_lists_commands_and_is_light():
    out = subprocess.run([sys.executable, "-c",
                          "import sys, trainer.cli as c\n"
                          "try:\n    c.main(['--help'])\nexcept SystemExit:\n    pass\n"
                          "print('numpy' in sys.modules, 'matplotlib' in sys.modules)"],
                         capture_output=True, text=True)
    assert "demo" in out.stdout and "person" in out.stdout
    assert out.stdout.strip().endswith("False False")   # no heavy import for --help


def test_error_hierarchy_inherits_builtins():
    assert issubclass(errors.SensorError, OSError)
    assert issubclass(errors.ConversionTimeout, TimeoutError)
    assert issubclass(errors.LayoutError, ValueError)
    e = errors.LayoutError("what 3", "the fix")
    assert str(e) == "what 3 — the fix"


def test_bad_usage_is_one_line_exit_2(cli):
    with pytest.raises(SystemExit) as e:
        cli("demo", "--seconds", "-4")
    assert e.value.code == 2


def test_debug_shows_traceback(monkeypatch, cli):
    monkeypatch.setenv("FOOTMAT_DEBUG", "1")
    with pytest.raises(errors.FootmatError):
        cli("person", "show", "nobody")


def test_person_add_show_list(cli, footmat_home):
    code, out, err = cli("person", "add", "Ann", "--weight-lb", "154", "--height-cm", "165", "--foot-length-mm", "240")
    assert code == 0 and "Ann" in err and out == ""
    code, out, _ = cli("person", "show", "Ann", "--json")
    d = json.loads(out)
    assert d["units"] == "lb" and abs(d["weight_kg"] - 69.85) < 0.01 and d["foot_length_mm"] == 240
    code, out, _ = cli("person", "list", "--json")
    assert [p["name"] for p in json.loads(out)] == ["Ann"]
    assert (footmat_home / "people" / "Ann.json").exists()


def test_person_errors(cli, footmat_home):
    code, _, err = cli("person", "show", "nobody")
    assert code == 2 and "no person called 'nobody'" in err and len(err.strip().splitlines()) == 1
    code, _, err = cli("person", "add", "../evil", "--weight-kg", "70")
    assert code == 2 and "not usable" in err
    code, _, err = cli("person", "add", "Bob", "--weight-kg", "700")
    assert code == 2
    (footmat_home / "people").mkdir(parents=True, exist_ok=True)
    (footmat_home / "people" / "Eve.json").write_text("{not json")
    code, _, err = cli("person", "show", "Eve")
    assert code == 2 and "not valid JSON" in err
    assert (footmat_home / "people" / "Eve.json").read_text() == "{not json"   # never rewritten


def test_home_not_created_at_import(tmp_path, monkeypatch):
    home = tmp_path / "nothere"
    env = dict(os.environ, FOOTMAT_HOME=str(home))
    subprocess.run([sys.executable, "-c", "import trainer.cli, trainer.sessions.people, trainer.sessions.home, firmware.layout"],
                   env=env, check=True)
    assert not home.exists()


def test_bench_machine_and_startup(cli):
    code, out, _ = cli("bench", "--section", "machine", "--json")
    d = json.loads(out)
    assert code == 0 and d["machine"]["cores"] >= 1 and "numpy" in d["machine"]["versions"]
    code, _, err = cli("bench", "--section", "nope")
    assert code == 2 and "no bench section" in err


def test_drill_spiral_runs_without_a_terminal(cli, tmp_path):
    code, out, err = cli("drill", "spiral", "--backend", "sim", "--loops", "1", "--no-plot", "--out", str(tmp_path),
                         "--pain-before", "5", "--pain-after", "3")
    assert code == 0, err
    meta = json.loads(next(tmp_path.glob("*/session.json")).read_text())
    assert meta["pain"] == {"before": 5, "after": 3}
    loop = meta["summary"]["loops"][0]
    for key in ("rms_mm", "rms_pct_reach", "lag_ms", "rms_lag_corrected_mm", "waypoints_in_order",
                "closest_approach_mm", "sparc", "wing_asymmetry", "score"):
        assert key in loop and key in meta["methods"]
    assert 0 <= meta["summary"]["score"] <= 100
    assert "Safety" in err


def test_drill_errors(cli):
    code, _, err = cli("drill", "tango", "--backend", "sim", "--no-plot")
    assert code == 2 and "no drill called 'tango'" in err
    with pytest.raises(SystemExit):
        cli("drill", "spiral", "--pain-before", "11")
    code, out, _ = cli("drills", "--json")
    assert "spiral" in json.loads(out)


def test_drill_from_a_replayed_recording(cli, tmp_path):
    code, _, err = cli("drill", "spiral", "--backend", "sim", "--loops", "1", "--no-plot", "--out", str(tmp_path / "a"))
    assert code == 0, err
    first = next((tmp_path / "a").iterdir())
    rec = json.loads((first / "session.json").read_text())["summary"]
    code, _, err = cli("drill", "spiral", "--backend", f"replay:{first}", "--loops", "1", "--no-plot",
                       "--out", str(tmp_path / "b"))
    assert code == 0, err
    again = json.loads(next((tmp_path / "b").glob("*/session.json")).read_text())["summary"]
    assert again["loops"] == rec["loops"] and again["score"] == rec["score"]


def test_every_command_and_every_drill_has_a_help_page():
    """--help of every sub-command and of every drill's options is printed, exit 0 (a help string
    with a bare '%' once broke argparse's formatting for every drill)."""
    import subprocess
    import sys

    from trainer.cli import COMMANDS, main
    from trainer.drills import REGISTRY

    for argv in [[c, "--help"] for c in COMMANDS] + [["drill", d, "--help"] for d in REGISTRY]:
        with pytest.raises(SystemExit) as e:
            main(argv)
        assert e.value.code == 0, argv
    out = subprocess.run([sys.executable, "-m", "trainer.cli", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "drill" in out.stdout
