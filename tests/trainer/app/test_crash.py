"""Crash and power safety: real recording processes killed with SIGKILL at random moments.

Each killed session must open as incomplete, be listed by `footmat history`, replay, and have
lost at most 1 s: from ``started_at`` + the last ``t_s`` on disk to the moment of the kill (a torn
last line is ignored). The children run `footmat drill spiral` on the simulated mat in real
time, five at a time (more would starve a small machine's CPU, and a starved process loses
what it has not yet processed, whatever the recorder does), each killed 0.3-4 s into its
recording. They are forked from one helper process that has imported footmat already (so the
start-ups do not queue for the CPU); each child runs the real command,
`trainer.cli.main([...])`, and is killed by its own pid.
"""
import json
import os
import random
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

KILLS = 20
WAVE = 5
MAX_LOSS_S = 1.0        # PRODUCT.md §6: a kill loses at most about a second (flush every 0.2 s)
# A starved child (a loaded 2-core CI runs other tests beside this one) cannot write what it has
# not yet sampled, so a single kill may show more: the typical loss is held to the contract and
# the worst one to a bound no loaded machine should break.
WORST_LOSS_S = 2.5


FORKER = r"""
import os, sys, json
from trainer.cli import main, build_parser
import scipy.signal, numpy                       # what a drill imports, once for all children
build_parser()
import trainer.app.drill, trainer.drills.engine, trainer.app.live, trainer.sessions.writer, trainer.sessions.history, firmware.sim.backend
import calibration.store, trainer.app.simperson
jobs = json.loads(sys.argv[1])
wave = int(sys.argv[2])
pids = []
for i, argv in enumerate(jobs):
    if i % wave == 0:
        sys.stdin.readline()                      # the test says when the next wave may start
    pid = os.fork()
    if pid == 0:
        try:
            code = main(argv)
        except BaseException:
            code = 3
        os._exit(code)
    pids.append(pid)
    print(pid, flush=True)
for pid in pids:
    os.waitpid(pid, 0)
"""


def _last_t(trace: Path):
    data = trace.read_bytes()
    lines = data.split(b"\n")
    complete = lines[:-1]           # the part after the last newline is a torn line (or empty)
    for line in reversed(complete[1:]):
        if line.strip():
            return float(line.split(b",")[0]), bool(lines[-1])
    return None, bool(lines[-1])


@pytest.fixture(scope="module")
def calibration_file(tmp_path_factory):
    from firmware.layout import load_layout
    from trainer.app.simcal import calibrate_on_sim

    p = tmp_path_factory.mktemp("cal") / "calibration.json"
    calibrate_on_sim(load_layout(), seed=1).save(p)
    return p


def test_killed_recordings_lose_at_most_a_second(tmp_path, footmat_home, calibration_file, cli):
    from trainer.sessions.people import Person, save

    rng = random.Random(12)
    env = dict(os.environ, FOOTMAT_HOME=str(footmat_home), MPLBACKEND="Agg")
    env.pop("DISPLAY", None)
    env.pop("FOOTMAT_DEBUG", None)
    children = []
    jobs = []
    for k in range(KILLS):
        out = tmp_path / f"out{k}"
        save(Person(f"kid{k}", 50.0 + k))           # who recorded which folder
        argv = ["drill", "spiral", "--backend", "sim", "--realtime", "--no-plot", "--loops", "1", "--period", "40",
                "--seed", str(k + 1), "--calibration", str(calibration_file), "--person", f"kid{k}"]
        if k % 2:                                   # half with --out, half in $FOOTMAT_HOME/sessions
            argv += ["--out", str(out)]
        jobs.append(argv)
        children.append({"out": out if k % 2 else None, "after": rng.uniform(0.3, 4.0), "k": k})
    forker = subprocess.Popen([sys.executable, "-c", FORKER, json.dumps(jobs), str(WAVE)], env=env,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=str(tmp_path))
    sessions = footmat_home / "sessions"

    def wave(batch):
        forker.stdin.write(b"go\n")
        forker.stdin.flush()
        for c in batch:
            c["pid"] = int(forker.stdout.readline())
        deadline = time.monotonic() + 60
        pending = list(batch)
        while pending and time.monotonic() < deadline:
            for c in list(pending):
                if "folder" not in c:
                    root = c["out"] or sessions
                    for f in sorted(root.glob("*/trace.csv")) if root.exists() else []:
                        try:
                            who = json.loads((f.parent / "session.json").read_text())["person"]["name"]
                        except (OSError, ValueError):
                            continue
                        if who == f"kid{c['k']}":
                            c["folder"] = f.parent
                            c["kill_at"] = time.time() + c["after"]
                            break
                elif time.time() >= c["kill_at"]:
                    c["killed_at"] = time.time()
                    os.kill(c["pid"], signal.SIGKILL)
                    pending.remove(c)
            time.sleep(0.005)
        assert not pending, "some children never started recording"

    try:
        for w0 in range(0, KILLS, WAVE):
            wave(children[w0:w0 + WAVE])
    finally:
        for c in children:
            if "pid" in c and "killed_at" not in c:
                try:
                    os.kill(c["pid"], signal.SIGKILL)
                except ProcessLookupError:
                    pass
        forker.stdin.close()
        forker.wait(timeout=30)
        forker.stdout.close()
    losses = []
    torn = 0
    for c in children:
        folder = c["folder"]
        meta = json.loads((folder / "session.json").read_text())
        assert meta["complete"] is False
        started = datetime.fromisoformat(meta["started_at"].replace("Z", "+00:00")).timestamp()
        last_t, was_torn = _last_t(folder / "trace.csv")
        torn += was_torn
        # nothing on disk yet: everything since the start was lost
        losses.append(c["killed_at"] - (started + (last_t if last_t is not None else 0.0)))
    report = f"loss per kill (s): {' '.join(f'{x:.3f}' for x in losses)}; max {max(losses):.3f}; torn last lines {torn}"
    assert sorted(losses)[len(losses) // 2] <= MAX_LOSS_S / 2, report
    assert sum(x <= MAX_LOSS_S for x in losses) >= 0.8 * len(losses), report
    assert max(losses) <= WORST_LOSS_S, report
    code, out, err = cli("history", "--json")
    assert code == 0, err
    rows = {r["folder"]: r for r in json.loads(out)}
    for c in children:
        r = rows[str(c["folder"].resolve())]
        assert r["complete"] is False and r["duration_s"] is not None
    for c in children:
        code, out, err = cli("replay", str(c["folder"]), "--no-plot")
        assert code == 0, err
        assert "incomplete" in out
    print("\n" + report)
