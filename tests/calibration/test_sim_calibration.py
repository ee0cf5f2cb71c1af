"""The simulated mat's own calibration: fitted once per layout, seed and scenario, kept outside
the user's files (never FOOTMAT_HOME), read back at the next start, and named truthfully."""
from pathlib import Path

import numpy as np
import pytest

from calibration import store
from firmware.layout import load_layout
from trainer.app import simcal


@pytest.fixture
def cache(tmp_path, monkeypatch):
    d = tmp_path / "cache"
    monkeypatch.setenv("FOOTMAT_CACHE", str(d))
    return d


def test_cache_dir_is_never_the_users_files(monkeypatch, footmat_home):
    monkeypatch.delenv("FOOTMAT_CACHE", raising=False)
    d = simcal.cache_dir().resolve()
    assert footmat_home.resolve() not in d.parents and Path.home().resolve() not in d.parents


def test_fitted_once_then_read_back(cache, footmat_home, monkeypatch):
    layout = load_layout()
    cal, path, cached = simcal.sim_calibration(layout, seed=3)
    assert not cached and path.exists() and cache in path.parents
    assert "a calibration fitted on this simulated mat" in cal.method
    assert not footmat_home.exists() or not any(footmat_home.rglob("*.json"))
    # the file is a calibration the product's reader takes
    back = store.load(path, layout)
    raw = np.full((3, 6), 9000.0)
    assert np.allclose(back.forces(raw, layout), cal.forces(raw, layout))

    def refit(*a, **k):
        raise AssertionError("refitted although cached")

    monkeypatch.setattr(simcal, "calibrate_on_sim", refit)
    again, path2, cached2 = simcal.sim_calibration(layout, seed=3)
    assert cached2 and path2 == path and np.allclose(again.gain, cal.gain)
    # another seed is another mat: its own file
    assert simcal._cache_path(layout, 4, None) != path
    assert simcal._cache_path(layout, 3, "worn") != path
    assert simcal._cache_path(load_layout("default-8"), 3, None) != path


def test_an_unreadable_cache_is_refitted(cache):
    layout = load_layout()
    path = simcal._cache_path(layout, 2, None)
    path.parent.mkdir(parents=True)
    path.write_text('{"version": 1,')
    cal, p, cached = simcal.sim_calibration(layout, seed=2)
    assert p == path and not cached and store.load(path, layout).gain == pytest.approx(cal.gain)


def test_demo_says_which_calibration_and_does_not_refit(cli, cache, footmat_home, monkeypatch):
    code, _, err = cli("demo", "--no-plot", "--seconds", "4")
    assert code == 0, err
    assert "a calibration fitted on this simulated mat" in err and "nominal" not in err
    files = list(cache.rglob("*.json"))
    assert len(files) == 1 and not any(footmat_home.rglob("calibration*"))

    def refit(*a, **k):
        raise AssertionError("refitted at start-up although cached")

    monkeypatch.setattr(simcal, "calibrate_on_sim", refit)
    code, _, err = cli("demo", "--no-plot", "--seconds", "4")
    assert code == 0, err
    assert "a calibration fitted on this simulated mat" in err
