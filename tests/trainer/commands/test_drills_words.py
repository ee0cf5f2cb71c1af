"""`footmat drills` lists the drills in words, fitting an 80-column terminal; the technical
description stays in --json."""
import json

from trainer.drills import REGISTRY


def test_drills_listing_is_in_words_and_fits_80_columns(cli):
    code, out, err = cli("drills")
    assert code == 0, err
    lines = out.splitlines()
    assert max(len(ln) for ln in lines) <= 79
    assert "from: seed" not in out and "SPARC" not in out and "RMS" not in out
    for name in REGISTRY:
        assert name in lines, name
    assert out.count("What you do:") == len(REGISTRY) == out.count("What it tells you:")
    code, js, _ = cli("drills", "--json")
    data = json.loads(js)
    assert data["spiral"]["from"] and "SPARC" in data["spiral"]["measures"]
