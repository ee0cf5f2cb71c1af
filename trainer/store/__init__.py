"""The session index in SQLite (a mat) or PostgreSQL (a clinic), one query layer for both, and sync."""
