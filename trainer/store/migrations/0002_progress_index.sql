-- A person's progress (trainer.store.query.Store.progress) read from the index alone: the
-- columns it returns ride in the index (INCLUDE), so one person's sessions are one range scan,
-- not a lookup per row. Replaces the narrower (person_id, started_at) index.
DROP INDEX IF EXISTS sessions_person_started;
CREATE INDEX sessions_progress ON sessions (person_id, started_at)
    INCLUDE (complete, present, drill, score, left_pct, asymmetry_pp, sway_mm_s, level, duration_s,
             pain_before, pain_after, identity, folder);
