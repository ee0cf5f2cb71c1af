"""The upload API between a mat (``footmat sync``) and a clinic's ``footmat serve``: constants.

Stable: the sync client (trainer/store/sync.py) and the server (trainer/web/upload.py) are both
written against this module. Change it only by adding.

Authentication
--------------
Every path below is served only to an authenticated caller, like the rest of serve:
``Authorization: Bearer <FOOTMAT_SERVE_TOKEN>`` (what sync sends) or a paired browser's session
cookie. Otherwise ``401`` and nothing changes.

A session is sent by its identity
---------------------------------
``{identity}`` is :func:`trainer.store.identity.session_identity` of the session folder: 64
lower-case hex digits (:data:`IDENTITY_RE`); anything else is ``404``. A session is the files
:data:`FILES` (``session.json`` and ``trace.csv`` required; ``events.csv`` and ``report.png``
optional); any other file name is ``404`` (so no path, no ``..``, no archive is ever written).

1. ``GET /api/upload/sessions/{identity}`` → ``200`` JSON
   ``{"identity": ..., "state": "stored" | "partial" | "absent", "files": {name: received_bytes}}``
   — what the server has. ``stored``: nothing more to send (a no-op). ``partial``: an upload was
   interrupted; ``files`` says how many bytes of each file arrived (resume from there).

2. ``PUT /api/upload/sessions/{identity}/{file}`` with the body one chunk of the file and headers
   - ``Content-Range: bytes START-END/TOTAL`` (END inclusive; an empty file is ``bytes */0``),
   - ``X-Footmat-SHA256: <sha256 hex of the WHOLE file>`` (the same on every chunk),
   - ``Content-Type: application/octet-stream``.
   A chunk holds at most :data:`MAX_CHUNK_BYTES`; TOTAL at most :data:`MAX_FILE_BYTES` [file].
   START must equal the bytes already received for that file (chunks are sent in order; resend
   from ``received``). Answers (JSON):
   - ``200 {"state": "partial", "file": name, "received": n, "total": TOTAL, "complete": bool}``
     — the chunk is kept (``complete`` once ``received == TOTAL`` and the SHA-256 matched);
   - ``200 {"state": "stored", "already": true}`` — the server already has this session: nothing
     was written (sending it again is a no-op that says so);
   - ``409 {"error": ..., "received": n}`` — START is not where the file stands: resume at ``n``;
     also a TOTAL or SHA-256 that differs from the first chunk's;
   - ``400`` a missing or malformed header, a chunk whose length is not END-START+1;
   - ``413`` a chunk or a file too large; ``415`` another content type;
   - ``422`` the finished file's SHA-256 is not the one announced (the file's chunks are dropped:
     send it again from 0).

3. ``POST /api/upload/sessions/{identity}/commit`` (empty body) — the server checks the session as
   a whole: every required file complete; ``session.json`` a valid session (the reader's checks,
   plus field limits: :data:`MAX_TEXT_FIELD` characters for names and ids); the trace and events
   read back with the product's reader (no damaged record; a torn last line, as a session killed
   mid-recording leaves it, is read as the reader reads it and is not part of the identity);
   and the identity computed from the files equals ``{identity}``. Then it moves the folder into
   the store and indexes it in the database, in one step. Answers:
   - ``201 {"state": "stored", "identity": ..., "already": false}`` — stored now;
   - ``200 {"state": "stored", "identity": ..., "already": true}`` — it was already stored;
   - ``409 {"error": ..., "missing": [files]}`` — not every required file is complete (nothing
     changes: keep sending);
   - ``422 {"error": ...}`` — the session is not valid or its identity is wrong: the partial
     upload is discarded (nothing of it is kept, the database is unchanged).

4. ``DELETE /api/upload/sessions/{identity}`` — drop a partial upload (``204``; a stored session
   is never deleted through this API: ``409``).

People, levels and caps for a mat to pull
-----------------------------------------
``GET /api/sync/people`` → ``200 {"people": [{"person_id", "name", "levels", "caps",
"profile"}...]}`` — every person the clinic knows (``levels``: drill → level; ``caps``:
``{"max_level": {drill: n}, "exclude": [drill]}``; ``profile``: the person file's other keys).

``POST /api/sync/people`` with JSON ``{"people": [entry, ...]}`` (at most :data:`MAX_PEOPLE_PER_POST`;
an entry as in the GET, plus optional ``levels_at`` (drill → ISO time of that level's decision),
``caps_at`` and ``changed_at``) — [added by issue 32, the sync client] a mat sends the people it
created or changed, already merged on the mat (trainer/store/merge.py, against the last sync). The
server writes each entry as a person file on the serve machine (``profile`` + ``name`` +
``person_id`` + ``levels`` + ``caps``, checked by :func:`trainer.sessions.people.parse`, written
atomically by ``people.save``) and enters it in the database, so ``GET`` returns it whole and a
clinician's ``footmat person set`` on the serve machine (or the web form) changes it. An entry whose
name is another person_id's on the server is not written (a name clash: never merged). Answer:
``200 {"stored": [person_id...], "clashes": [{"name", "person_id", "other_person_id"}...]}``; a
malformed body or entry: ``400``/``422`` and nothing written.

Errors are JSON ``{"error": "<what>", "fix": "<what to do>"}``. Every refused request (4xx)
changes nothing on the server.
"""
from __future__ import annotations

import re

API = "/api/upload/sessions"
SESSION_PATH = API + "/{identity}"                     # GET: state; DELETE: drop a partial upload
FILE_PATH = API + "/{identity}/{file}"                 # PUT: one chunk
COMMIT_PATH = API + "/{identity}/commit"               # POST: check, store, index
PEOPLE_PATH = "/api/sync/people"                       # GET: people, levels, caps; POST: a mat's people

IDENTITY_RE = re.compile(r"^[0-9a-f]{64}$")
REQUIRED_FILES = ("session.json", "trace.csv")
FILES = ("session.json", "trace.csv", "events.csv", "report.png")

HEADER_RANGE = "Content-Range"                         # bytes START-END/TOTAL, or bytes */0
HEADER_SHA256 = "X-Footmat-SHA256"                     # sha256 hex of the whole file
CONTENT_TYPE = "application/octet-stream"
RANGE_RE = re.compile(r"^bytes (?:(\d{1,15})-(\d{1,15})|\*)/(\d{1,15})$")
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")

MAX_CHUNK_BYTES = 8 * 1024 * 1024                      # per PUT; the client sends chunks this size
MAX_FILE_BYTES = {
    "session.json": 4 * 1024 * 1024,
    "trace.csv": 1024 * 1024 * 1024,                  # ~10 h at 200 Hz
    "events.csv": 32 * 1024 * 1024,
    "report.png": 32 * 1024 * 1024,
}
MAX_TEXT_FIELD = 200                                   # characters: person name, drill, ids
MAX_PEOPLE_PER_POST = 1000                             # entries in one POST /api/sync/people
MAX_PARTIAL_UPLOADS = 256                              # partial uploads kept at once (then 429)
PARTIAL_KEPT_S = 7 * 86400                             # a partial upload untouched this long may be dropped

STATE_STORED = "stored"
STATE_PARTIAL = "partial"
STATE_ABSENT = "absent"

# Status codes the client acts on
OK, CREATED, NO_CONTENT = 200, 201, 204
BAD_REQUEST, UNAUTHORIZED, NOT_FOUND, CONFLICT = 400, 401, 404, 409
TOO_LARGE, UNSUPPORTED_TYPE, INVALID, TOO_MANY = 413, 415, 422, 429


def file_url(base: str, identity: str, name: str) -> str:
    return base.rstrip("/") + FILE_PATH.format(identity=identity, file=name)


def session_url(base: str, identity: str) -> str:
    return base.rstrip("/") + SESSION_PATH.format(identity=identity)


def commit_url(base: str, identity: str) -> str:
    return base.rstrip("/") + COMMIT_PATH.format(identity=identity)


def content_range(start: int, length: int, total: int) -> str:
    """The Content-Range header of a chunk of ``length`` bytes at ``start`` of a ``total``-byte file."""
    return f"bytes */{total}" if length == 0 else f"bytes {start}-{start + length - 1}/{total}"
