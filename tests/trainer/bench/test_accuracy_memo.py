"""The accuracy section computes a (mat, session) pair once per run: the breakdown's with_all
reuses the realistic part's first mats, and its switched-off sources skip the variants."""
import trainer.bench.pipeline as P


def test_a_pair_measured_twice_is_computed_once_and_the_sources_skip_the_variants(monkeypatch):
    calls = {"cal": 0, "run": []}

    def fake_cal(layout, sc, seed, pseed, kg):
        calls["cal"] += 1
        return object()

    def fake_run(layout, cal, sc, seed, session, pseed, kg, variants=True):
        calls["run"].append(variants)
        row = (1.0 * seed, 2.0, 3.0, 4.0)
        return [row], ({k: [row] for k in P.VARIANTS} if variants else {})

    monkeypatch.setattr(P, "_calibrate_in_procedure", fake_cal)
    monkeypatch.setattr(P, "_measure_session_run", fake_run)
    P._CAL_MEMO.clear()
    P._SESSION_MEMO.clear()
    a = P.accuracy_sessions("default-6", "realistic", mats=3, sessions=(1,), cross_person=True)
    assert calls["cal"] == 3 and len(calls["run"]) == 6 and all(calls["run"])
    b = P.accuracy_sessions("default-6", "realistic", mats=2, sessions=(1,), cross_person=False)
    assert calls["cal"] == 3 and len(calls["run"]) == 6                  # the first mats again: no new work
    assert b["mats"] == 2 and all(k in b for k in P.VARIANTS) and all(k in a for k in P.VARIANTS)
    c = P.accuracy_sessions("default-6", "realistic", mats=1, sessions=(2,), cross_person=False, variants=False)
    assert calls["run"][-1] is False and not any(k in c for k in P.VARIANTS)
    assert c["cop_rms_ml_mm"] == 1.0
