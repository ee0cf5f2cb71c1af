"""footmat sync [--to URL] [--status]: send this mat's sessions and people to a clinic's footmat
serve, and fetch people, levels and caps (trainer/store/sync.py).

Exit codes: 0 everything sent and fetched; 1 something still waits (the server could not be
reached, refused a session, or another sync is running: the line says which; nothing is lost);
2 a usage or settings error (no URL, no token, a bad settings.toml, a token the server refuses).
"""
from __future__ import annotations

from .common import add_json_option, print_json, say

EXIT_WAITING = 1


def add_arguments(p):
    p.epilog = ("The token comes from FOOTMAT_SYNC_TOKEN (the server's FOOTMAT_SERVE_TOKEN); "
                "after_every_session = true under [sync] in settings.toml syncs when each session ends. "
                "Exit codes: 0 all sent and fetched; 1 something still waits (no network, a session "
                "refused, another sync running; nothing is lost); 2 a usage or settings error.")
    p.add_argument("--to", metavar="URL",
                   help="the clinic's footmat serve (default: url in [sync] of $FOOTMAT_HOME/settings.toml)")
    p.add_argument("--status", action="store_true",
                   help="list what waits to be sent (no network needed) and the last sync")
    p.add_argument("--background", action="store_true",
                   help="as started after a session: wait for a running sync instead of refusing")
    add_json_option(p)


def _url(args, settings, sync):
    if args.to:
        return sync.check_url(args.to)
    return settings.url


def run(args) -> int:
    from firmware.errors import UsageError
    from trainer.store import sync

    settings = sync.load_settings()
    url = _url(args, settings, sync)
    if args.status:
        return _status(args, url, sync)
    if not url:
        raise UsageError("no clinic server to sync with",
                         f"give --to https://HOST:PORT, or url = \"...\" under [sync] in {sync.settings_path()}")
    tok = sync.token()
    warning = sync.plain_http_warning(url)
    if warning:
        say(warning)
    try:
        res = sync.run_sync(url, tok, wait=args.background,
                            on_session=None if args.json else lambda item, outcome: say(
                                f"{'sent' if outcome == 'stored' else 'already there'}: {item.rel}"))
    except sync.Busy as e:
        say(f"{e.what}: {e.fix}")
        return EXIT_WAITING
    except sync.Offline as e:
        todo, _ = sync.waiting(url)
        if args.json:
            print_json({"url": url, "offline": True, "error": e.what, "waiting": [p.rel for p in todo]})
        else:
            say(f"{e.what}: {len(todo)} session(s) wait here; {e.fix}")
        return EXIT_WAITING
    todo, busy = sync.waiting(url)
    if args.json:
        print_json({"url": url, "sent": res.sent, "already": res.already,
                    "refused": [{"session": r, "why": w} for r, w in res.refused],
                    "people_sent": res.people_sent, "people_received": res.people_received,
                    "clashes": res.clashes, "notes": res.notes, "waiting": [p.rel for p in todo],
                    "recording": [p.rel for p in busy]})
    else:
        say(f"synced with {url}: {len(res.sent)} session(s) sent, {len(res.already)} already there; "
            f"people: {res.people_sent} sent, {res.people_received} updated here")
        for rel, why in res.refused:
            say(f"refused by the server: {rel} ({why}); it stays here and is tried again next time")
        for line in res.clashes + res.notes:
            say(line)
    return EXIT_WAITING if res.refused else 0


def _status(args, url, sync) -> int:
    state = sync.load_state()
    todo, busy = sync.waiting(url, state) if url else sync.waiting("", state)
    srv = state["servers"].get(url, {}) if url else {}
    if args.json:
        print_json({"url": url, "waiting": [{"session": p.rel, "drill": p.drill, "person": p.person,
                                             "started_at": p.started_at} for p in todo],
                    "recording": [p.rel for p in busy], "people": sync.people_waiting(url, state),
                    "last_sync": srv.get("last_sync"),
                    "clashes": srv.get("clashes", []), "refused": srv.get("refused", {})})
        return 0
    print(f"clinic server: {url or 'none set (footmat sync --to URL, or url under [sync] in settings.toml)'}")
    print(f"last sync: {srv.get('last_sync') or 'never'}")
    if not todo:
        print("nothing waits to be sent")
    else:
        print(f"{len(todo)} session(s) wait to be sent:")
        for p in todo:
            why = (srv.get("refused", {}).get(p.rel) or {}).get("why")
            print(f"  {p.rel}  {p.drill}  {p.person}  {p.started_at}" + (f"  (last time {why})" if why else ""))
    for p in busy:
        print(f"  {p.rel}: still being recorded (sent once it ends)")
    names = sync.people_waiting(url, state)
    if names:
        print(f"people new or changed since the last sync: {', '.join(names)}")
    for line in srv.get("clashes", []):
        print(line)
    return 0
