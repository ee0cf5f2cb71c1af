"""A session's identity: the hash that says two copies of a session are the same session.

``session_identity(folder)`` is the SHA-256 (64 lower-case hex digits) of, in this order:

1. a tag (``footmat-session-identity/1``) so a later scheme can never collide with this one;
2. the session's ``drill``, ``started_at`` (normalised to UTC, milliseconds, ``Z``) and
   ``person_id`` (``null`` before person ids existed), as canonical JSON;
3. the trace: its header and every record as canonical CSV text, as
   :class:`trainer.sessions.format.TraceLines` hands them out (so a session written before
   ``schema_version`` 2, whose cues split at commas, hashes as its mended records; a torn last
   line — a session still being recorded, or cut by a power cut — is not part of it);
4. the events, each record as canonical CSV text (:func:`trainer.sessions.format.read_events`).

It does not depend on the folder's name, the file's mtimes, ``session.json``'s other keys (the
summary, pain after, the report) or on where the session lives, so the same session recorded on a
mat and uploaded to a clinic has the same identity on both; a session still being recorded gets a
new identity each time a record is added, so sync sends complete sessions only.

Everything is read through :mod:`trainer.sessions.format` (never by hand); a damaged session
raises :class:`~firmware.errors.DataFileError`.
"""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from trainer.sessions import format as sfmt

TAG = b"footmat-session-identity/1\x00"
IDENTITY_RE = re.compile(r"^[0-9a-f]{64}$")


def is_identity(text) -> bool:
    """Whether ``text`` looks like an identity (64 lower-case hex digits)."""
    return isinstance(text, str) and bool(IDENTITY_RE.match(text))


def identity_head(meta: dict) -> bytes:
    """Part 2 of the hash: drill, started_at (normalised) and person_id as canonical JSON."""
    started = sfmt.parse_started_at(meta["started_at"])
    when = started.isoformat(timespec="milliseconds").replace("+00:00", "Z") if started else meta["started_at"]
    pid = meta.get("person_id")
    return json.dumps({"drill": meta["drill"], "person_id": pid if isinstance(pid, str) else None,
                       "started_at": when}, sort_keys=True, ensure_ascii=True, separators=(",", ":")).encode()


def session_identity(folder) -> str:
    """The identity of the session in ``folder`` (see the module's docstring)."""
    folder = sfmt.session_folder(Path(folder))
    meta = sfmt.load_meta(folder)
    h = hashlib.sha256(TAG)
    h.update(identity_head(meta))
    h.update(b"\x00trace\x00")
    with sfmt.TraceLines(folder / sfmt.TRACE_FILE) as tr:
        h.update(sfmt.header_line(tr.columns).encode("utf-8"))
        for _, _, joined in tr.text_chunks():
            h.update(joined.encode("utf-8"))
    h.update(b"\x00events\x00")
    for rec in sfmt.read_events(folder):
        h.update(sfmt.csv_line(rec).encode("utf-8"))
    return h.hexdigest()
