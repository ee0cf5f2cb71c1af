"""`footmat analyze` on what it cannot use — malformed, binary, huge or missing files, a damaged
session trace, bad options: one clear line on stderr, nothing on stdout, exit code 2 (the text is
read by trainer/formats/text_table.py, the grid's rules are trainer/formats/cop_grid.py's)."""
from __future__ import annotations

import pytest

from tests.trainer.formats.test_recordings import BDS_HEADER, BDS_ROW, TRACE_HEADER, bds_text, one_line_error
from trainer.cli import main
from trainer.formats import text_table


@pytest.fixture(autouse=True)
def no_debug(monkeypatch):
    monkeypatch.delenv("FOOTMAT_DEBUG", raising=False)


# --------------------------------------------------------------------------- malformed files
MALFORMED = {
    "empty": (b"", "is empty"),
    "blank": (b"\n\n   \n", "blank"),
    "header only": (BDS_HEADER.encode(), "no rows"),
    "wrong columns": (b"foo,bar,baz\n1,2,3\n4,5,6\n", "--columns"),
    "words only": (b"hello world\nthis is not a recording\n", "no row of numbers"),
    "text in numbers": (bds_text(bad_line=50, bad="0.510\t-1.6\t-3.7\tabc\t5.38\t43.06\t-0.57\t-8\t1\n").encode(),
                        "line 52, column 'Fz[N]': 'abc' is not a number"),
    "short row": (bds_text(bad_line=10, bad="0.110\t-1.6\t-3.7\n").encode(), "line 12 has 3 fields"),
    "infinite": (bds_text(bad_line=3, bad="0.040\t-1.6\t-3.7\t539\t5.38\t43.06\t-0.57\tinf\t1\n").encode(),
                 "infinite"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "binary"),
    "binary later": (bds_text().encode() + b"\x00\x01\x02\n", "binary"),
    "not utf-8": ("Time[s]\tCOP°\n".encode("latin-1") + b"1\t2\n", "UTF-8"),
    "long line": (b"a,b\n" + b"1" * (70_000) + b",2\n", "longer than"),
    "time backwards": (bds_text(bad_line=20, bad=BDS_ROW.format(t=0.05, ap=-8, ml=1)).encode(), "time does not increase"),
    "nobody on the plate": (BDS_HEADER.encode() + b"".join(
        f"{(i + 1) / 100:.3f}\t0\t0\t0\t0\t0\t0\t0\t0\n".encode() for i in range(100)), "no row with a usable CoP"),
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_malformed_files_give_one_line_and_exit_2(capsys, tmp_path, name):
    data, expected = MALFORMED[name]
    p = tmp_path / "bad.txt"
    p.write_bytes(data)
    line = one_line_error(capsys, p)
    assert expected in line
    assert str(p) in line


def test_huge_file_is_refused_before_reading(capsys, tmp_path):
    p = tmp_path / "huge.csv"
    with open(p, "wb") as fh:                 # sparse: takes no disk space
        fh.truncate(text_table.MAX_BYTES + 1)
    line = one_line_error(capsys, p)
    assert "GB" in line and "split" in line


def test_huge_limit_applies_to_real_text_too(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(text_table, "MAX_BYTES", 1000)
    p = tmp_path / "big.txt"
    p.write_text(bds_text(n=100), encoding="utf-8")
    assert "more than" in one_line_error(capsys, p)


def test_missing_paths_and_folders(capsys, tmp_path):
    assert "no such file" in one_line_error(capsys, tmp_path / "nope.csv")
    (tmp_path / "folder").mkdir()
    assert "not a footmat session" in one_line_error(capsys, tmp_path / "folder")


def test_malformed_session_trace(capsys, tmp_path):
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "trace.csv").write_text(TRACE_HEADER + "\n0.0000,1,1,1,1,2,abc,1,50,,,stance,\n", encoding="utf-8")
    assert "'abc' is not a number" in one_line_error(capsys, folder)
    (folder / "trace.csv").write_text(TRACE_HEADER + "\n", encoding="utf-8")
    assert "no rows" in one_line_error(capsys, folder)
    (folder / "trace.csv").write_text(TRACE_HEADER + "\n0.0,1,1,1,1,2,1,1,50,,,countdown,\n"
                                      "0.01,1,1,1,1,2,1,1,50,,,countdown,\n", encoding="utf-8")
    assert "no row with a usable CoP" in one_line_error(capsys, folder)


# --------------------------------------------------------------------------- bad options
def test_bad_options_give_one_line_and_exit_2(capsys, tmp_path):
    path = tmp_path / "ok.txt"
    path.write_text(bds_text(n=300), encoding="utf-8")
    assert "START:END" in one_line_error(capsys, path, "--window", "abc")
    assert "not a number" in one_line_error(capsys, path, "--window", "a:b")
    assert "ends before it starts" in one_line_error(capsys, path, "--window", "2:1")
    assert "holds no sample" in one_line_error(capsys, path, "--window", "100:200")
    assert "two columns" in one_line_error(capsys, path, "--columns", "COPx[cm]")
    assert "no column 'nosuch'" in one_line_error(capsys, path, "--columns", "nosuch,COPx[cm]")
    assert "unknown unit" in one_line_error(capsys, path, "--units", "furlong")
    assert "samples 4000-7000" in one_line_error(capsys, path, "--pipeline", "quijoux")


def test_argparse_errors_are_one_line_too(capsys, tmp_path):
    path = tmp_path / "ok.txt"
    path.write_text(bds_text(n=300), encoding="utf-8")
    for args in (["--rate", "-5"], ["--pipeline", "smooth"]):
        with pytest.raises(SystemExit) as e:
            main(["analyze", str(path), *args])
        assert e.value.code == 2
        out, err = capsys.readouterr()
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
