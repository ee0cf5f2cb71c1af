-- footmat's clinic database, version 1: the same tables and columns as a mat's history.sqlite
-- (trainer/sessions/history.py, schema version 2), so one query layer serves both.
-- Text columns sort bytewise (COLLATE "C"), as SQLite does, so both give the same order.
CREATE TABLE sessions (
    folder       TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    person       TEXT COLLATE "C",
    drill        TEXT COLLATE "C",
    started_at   TEXT COLLATE "C",
    duration_s   DOUBLE PRECISION,
    complete     INTEGER NOT NULL,
    score        DOUBLE PRECISION,
    pain_before  INTEGER,
    pain_after   INTEGER,
    left_pct     DOUBLE PRECISION,
    asymmetry_pp DOUBLE PRECISION,
    sway_mm_s    DOUBLE PRECISION,
    present      INTEGER NOT NULL DEFAULT 1,
    stamp        TEXT,
    indexed_at   TEXT,
    person_id    TEXT COLLATE "C",
    level        INTEGER,
    summary      TEXT,
    identity     TEXT COLLATE "C" UNIQUE
);
CREATE INDEX sessions_started ON sessions (started_at);
CREATE INDEX sessions_person_started ON sessions (person_id, started_at);

CREATE TABLE people (
    person_id  TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    name       TEXT COLLATE "C" NOT NULL,
    levels     TEXT,
    caps       TEXT,
    profile    TEXT,
    updated_at TEXT
);
