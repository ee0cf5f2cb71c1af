"""`footmat serve`: the coach's web view — people, progress, sessions, reports, the programme, the live mirror."""
