"""Atomic writes (firmware/fileio.py): a file is either the old one or the new one."""
import os
import stat

import pytest

from firmware.fileio import AtomicFile, atomic_write_text


def _tmp_files(folder):
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_atomic_file_replaces_the_target_only_on_commit(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old\n", encoding="utf-8")
    f = AtomicFile(target)
    f.fh.write("a,b\r\nü\n")                   # text as given: no newline translation, UTF-8
    assert target.read_text(encoding="utf-8") == "old\n"
    assert f.commit() == target
    assert target.read_bytes() == "a,b\r\nü\n".encode("utf-8")
    assert _tmp_files(tmp_path) == []


def test_atomic_file_discard_leaves_the_target_as_it_was(tmp_path):
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    f = AtomicFile(target, "wb")
    f.fh.write(b"new")
    f.discard()
    assert target.read_bytes() == b"old"
    assert _tmp_files(tmp_path) == []


def test_atomic_file_keeps_the_replaced_files_mode_and_creates_the_folder(tmp_path):
    target = tmp_path / "out.json"
    atomic_write_text(target, "{}\n")
    os.chmod(target, 0o640)
    f = AtomicFile(target)
    f.fh.write("[]\n")
    f.commit()
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    deep = tmp_path / "a" / "b" / "c.txt"
    g = AtomicFile(deep)
    g.fh.write("x")
    g.commit()
    assert deep.read_text() == "x"


def test_atomic_file_where_nothing_can_be_written_raises_oserror(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(OSError):
        AtomicFile(blocker / "out.csv")         # a file where the folder should be
