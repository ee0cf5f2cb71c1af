"""A person's stable id: created with the person, kept in their file, carried in every session."""
import json

from trainer.sessions import people


def _session(tmp_path, cli, *extra):
    code, out, err = cli("drill", "stance", "--backend", "sim", "--no-plot", "--duration", "10",
                         "--out", str(tmp_path / "s"), *extra)
    assert code == 0, err
    folder = sorted((tmp_path / "s").iterdir())[-1]
    return json.loads((folder / "session.json").read_text(encoding="utf-8"))


def test_the_id_is_made_with_the_person_and_travels_with_every_session(cli, tmp_path):
    assert cli("person", "add", "ann", "--weight-kg", "60")[0] == 0
    pid = json.loads(people.path_for("ann").read_text())["person_id"]
    assert len(pid) == 32
    assert cli("person", "add", "ann", "--weight-kg", "61")[0] == 0          # an update keeps it
    assert json.loads(people.path_for("ann").read_text())["person_id"] == pid
    meta = _session(tmp_path, cli, "--person", "ann", "--pain-before", "2")
    assert meta["person_id"] == pid and meta["schema_version"] == 2 and meta["pain"]["before"] == 2


def test_the_default_person_has_one_id_per_mat(cli, tmp_path):
    a, b = _session(tmp_path, cli), _session(tmp_path, cli)
    assert a["person_id"] == b["person_id"] and len(a["person_id"]) == 32


def test_an_older_person_file_gets_its_id_when_they_train_not_when_read(cli, tmp_path):
    path = people.path_for("bo")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"name": "bo", "weight_kg": 80.0}), encoding="utf-8")
    before = path.read_bytes()
    assert cli("person", "show", "bo")[0] == 0
    assert path.read_bytes() == before                                     # reading writes nothing
    meta = _session(tmp_path, cli, "--person", "bo")
    pid = json.loads(path.read_text())["person_id"]
    assert meta["person_id"] == pid
    assert _session(tmp_path, cli, "--person", "bo")["person_id"] == pid   # and keeps it
