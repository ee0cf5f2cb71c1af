"""The coach's pages: people, a person's progress with their levels and caps (editable), sessions
with their report (HTML, PNG, PDF) and exports, and footmat's own static files.

GET pages never write under $FOOTMAT_HOME except the session index the history keeps (a cache of
the folders): a report or a plot not on disk is drawn into a temporary folder and sent.
"""
from __future__ import annotations

import io
import tempfile
import threading
import zipfile
from pathlib import Path
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from firmware.errors import FootmatError

from trainer.web import auth
from trainer.web.api import find_person, people_rows, session_detail, session_rows
from trainer.web.templating import STATIC, esc, page

STATIC_FILES = {"footmat.css": "text/css; charset=utf-8", "pair.css": "text/css; charset=utf-8"}
EXPORT_TYPES = {"csv": "text/csv", "json": "application/json", "c3d": "application/octet-stream"}
_draw_lock = threading.Lock()          # one drawing at a time: matplotlib on a 2-core Pi


def _url(name: str) -> str:
    return quote(name, safe="")


def _figures(summary: dict) -> list[tuple[str, str]]:
    from trainer.ui.report_words import HIDDEN, human_name, value_text

    out = []
    for k, v in (summary or {}).items():
        if k in HIDDEN or isinstance(v, (dict, list)):
            continue
        name, unit = human_name(k)
        out.append((name, value_text(v, unit)))
    return out


def _table(head: list[str], rows: list[list[str]], cls: str = "") -> str:
    th = "".join(f"<th>{esc(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    # in its own scroller: a wide table scrolls sideways on a phone, not the whole page
    return f'<div class="scroll"><table class="{cls}"><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table></div>'


def _num(v, fmt="{:.0f}") -> str:
    return esc(fmt.format(v)) if isinstance(v, (int, float)) and not isinstance(v, bool) else "—"


def _session_table(rows: list[dict]) -> str:
    if not rows:
        return "<p>No sessions yet.</p>"
    out = []
    known = _known_people()
    for r in reversed(rows):
        pain = r.get("pain") or {}
        who = r.get("person") or ""
        out.append([f'<a class="when" href="/sessions/{_url(r["id"])}">{esc(_local(r.get("started_at")))}</a>',
                    _person_link(who, known), esc(r.get("drill") or ""), _num(r.get("duration_s")) + " s",
                    _num(r.get("score")), f'{_num(pain.get("before"))} → {_num(pain.get("after"))}',
                    "yes" if r.get("complete") else "no"])
    return _table(["Started", "Person", "Drill", "Duration", "Score", "Pain before → after", "Complete"],
                  out, "sessions")


def _known_people() -> set[str]:
    from trainer.sessions import people

    return set(people.names())


def _local(iso, seconds: bool = False, zone: bool = False) -> str:
    """A session's UTC start in the mat's local time ('2026-12-07 04:36', + ' CET' with ``zone``):
    the coach's day, as ``footmat today`` counts days. Not a time: the text as it is."""
    from datetime import datetime

    text = str(iso or "")
    try:
        t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text[:19].replace("T", " ")
    if t.tzinfo is None:
        return text[:19].replace("T", " ")
    t = t.astimezone()
    return t.strftime("%Y-%m-%d %H:%M" + (":%S" if seconds else "")) + (f" {t.strftime('%Z')}" if zone else "")


def _person_link(name: str, known: set[str]) -> str:
    """A person's name, linked to their page when they have one (a session's "default": plain text)."""
    if name in known and ".." not in name:
        return f'<a href="/people/{_url(name)}">{esc(name)}</a>'
    return esc(name)


def _render_png(fn, *args) -> bytes:
    with _draw_lock, tempfile.TemporaryDirectory(prefix="footmat-serve-") as tmp:
        out = fn(Path(tmp), *args)
        return Path(out).read_bytes()


def _progress(tmp: Path, rows: list[dict], name: str, fmt: str) -> Path:
    from trainer.ui.progress import plot

    return plot(rows, tmp / f"progress.{fmt}", person=name)


def _report(tmp: Path, folder: Path, fmt: str) -> Path:
    from trainer.ui.report import full_report, is_routine

    if is_routine(folder) and fmt != "pdf":
        raise HTTPException(404, "a routine's report is a PDF: open report.pdf")
    return full_report(folder, tmp / f"report.{fmt}")


def _export(folder: Path, fmt: str) -> tuple[bytes, str, str]:
    from trainer.formats.export import export_session

    with tempfile.TemporaryDirectory(prefix="footmat-serve-") as tmp:
        files = export_session(folder, fmt, out=Path(tmp))
        if len(files) == 1:
            return files[0].read_bytes(), files[0].name, EXPORT_TYPES[fmt]
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for f in files:
                z.write(f, f.name)
        return buf.getvalue(), f"{folder.name}.{fmt}.zip", "application/zip"


def _attachment(data: bytes, filename: str, media: str, inline: bool = False) -> Response:
    disp = "inline" if inline else "attachment"
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in filename)
    return Response(data, media_type=media, headers={"content-disposition": f'{disp}; filename="{safe}"'})


def _levels_forms(person: dict, csrf: str, saved: str | None = None) -> str:
    from trainer.sessions import people

    counts = people.level_counts()
    levels = person.get("levels") or {}
    caps = person.get("caps") or {"max_level": {}, "exclude": []}
    name = _url(person["name"])
    hidden = f'<input type="hidden" name="csrf" value="{esc(csrf)}">'
    lrows, crows = [], []
    for drill, top in counts.items():
        cur = levels.get(drill, 1)
        opts = "".join(f'<option value="{n}"{" selected" if n == cur else ""}>{n}</option>' for n in range(1, top + 1))
        lrows.append([esc(drill), f'<select name="level_{esc(drill)}" id="level-{esc(drill)}">{opts}</select> of {top}'])
        cap = caps.get("max_level", {}).get(drill)
        copts = '<option value="">no cap</option>' + "".join(
            f'<option value="{n}"{" selected" if n == cap else ""}>{n}</option>' for n in range(1, top + 1))
        ex = " checked" if drill in caps.get("exclude", []) else ""
        crows.append([esc(drill), f'<select name="max_{esc(drill)}" id="cap-{esc(drill)}">{copts}</select>',
                      f'<input type="checkbox" name="exclude" value="{esc(drill)}" id="exclude-{esc(drill)}"{ex}>'])
    # the confirmation under the section's heading: after a save the page opens at #programme
    return ('<section id="programme"><h2>Programme</h2>'
            + (f'<p class="ok" id="saved">Saved the {esc(saved)}.</p>' if saved else "")
            + f'<form method="post" action="/people/{name}/levels" id="levels-form">{hidden}'
            + _table(["Drill", "Level"], lrows, "levels")
            + '<button type="submit" id="save-levels">Save levels</button></form>'
            f'<h3>A clinician\'s caps</h3><form method="post" action="/people/{name}/caps" id="caps-form">{hidden}'
            + _table(["Drill", "Highest level", "Excluded"], crows, "caps")
            + '<button type="submit" id="save-caps">Save caps</button></form></section>')


def routes(ctx) -> list:
    async def home(request: Request):
        ppl = await run_in_threadpool(people_rows, ctx)
        rows = await run_in_threadpool(session_rows, ctx)
        count: dict = {}
        last: dict = {}
        for r in rows:
            count[r.get("person")] = count.get(r.get("person"), 0) + 1
            last[r.get("person")] = r.get("started_at")
        prow = [[f'<a href="/people/{_url(p["name"])}">{esc(p["name"])}</a>',
                 esc(f'{p["weight_kg"]:.1f} kg') if "weight_kg" in p else esc(p.get("error", "")),
                 str(count.get(p["name"], 0)), esc(_local(last[p["name"]])[:10] if last.get(p["name"]) else "—")] for p in ppl]
        body = ("<h1>People</h1>" + (_table(["Name", "Weight", "Sessions", "Last session"], prow, "people")
                                     if prow else "<p>No people yet: <code>footmat person add NAME --weight-kg N</code>.</p>")
                + "<h2>Recent sessions</h2>" + _session_table(rows[-10:])
                + '<p><a href="/sessions">All sessions</a></p>')
        return HTMLResponse(page("People", body, request=request))

    async def person_page(request: Request):
        p = await run_in_threadpool(find_person, ctx, request.path_params["name"])
        rows = await run_in_threadpool(session_rows, ctx, p["name"])
        ident = auth.identity_of(request)
        saved = request.query_params.get("saved")
        figures = [["Weight", esc(f'{p["weight_kg"]:.1f} kg')]]
        if p.get("reach_mm"):
            figures.append(["Reach on this mat", esc(", ".join(f"{k} {v:.0f} mm" for k, v in p["reach_mm"].items()))])
        n = _url(p["name"])
        body = (f'<h1 id="person-name">{esc(p["name"])}</h1>'
                + _table(["", ""], figures, "figures")
                + f'<h2>Progress</h2><a href="/people/{n}/progress.png" title="Open the plot at full size">'
                  f'<img id="progress" class="plot" src="/people/{n}/progress.png" '
                  f'alt="Progress of {esc(p["name"])}" width="800" height="480"></a>'
                + f'<p><a href="/people/{n}/progress.pdf">Progress as PDF</a></p>'
                + _levels_forms(p, ident.csrf if ident and ident.csrf else "", saved if saved in ("levels", "caps") else None)
                + "<h2>Sessions</h2>" + _session_table(rows))
        return HTMLResponse(page(p["name"], body, request=request))

    async def progress_file(request: Request):
        p = await run_in_threadpool(find_person, ctx, request.path_params["name"])
        fmt = request.path_params["fmt"]
        if fmt not in ("png", "pdf"):
            raise HTTPException(404, "no such file")
        rows = await run_in_threadpool(session_rows, ctx, p["name"])
        data = await run_in_threadpool(_render_png, _progress, rows, p["name"], fmt)
        return _attachment(data, f"progress-{p['name']}.{fmt}", "image/png" if fmt == "png" else "application/pdf",
                           inline=True)

    async def set_programme(request: Request):
        from trainer.sessions import people

        which = request.path_params["what"]
        if which not in ("levels", "caps"):
            raise HTTPException(404, "no such page")
        p = await run_in_threadpool(find_person, ctx, request.path_params["name"])
        fields = await auth.read_form(request)
        form = {k: v[-1] for k, v in fields.items()}
        counts = people.level_counts()
        ident = auth.identity_of(request)

        def number(v, drill: str, what: str) -> int:
            if not isinstance(v, str) or not (v.isascii() and v.isdigit()) or len(v) > 3 \
                    or not 1 <= int(v) <= counts[drill]:
                raise HTTPException(400, f"{what} of {drill} {str(v)[:20]!r} is not a level (1..{counts[drill]})")
            return int(v)

        prefix = "level_" if which == "levels" else "max_"
        allowed = {"csrf"} | {prefix + d for d in counts} | ({"exclude"} if which == "caps" else set())
        unknown = [k for k in form if k not in allowed]
        if unknown:
            raise HTTPException(400, f"unknown field {unknown[0][:40]!r} (drills with levels: {', '.join(counts)})")
        if not any(k != "csrf" for k in form):
            raise HTTPException(400, f"nothing to change: the form has no {which}")
        try:
            if which == "levels":
                asked = {d: number(form[prefix + d], d, "level") for d in counts if prefix + d in form}
                before = p.get("levels") or {}
                caps = (p.get("caps") or {}).get("max_level") or {}
                over = [d for d, n in asked.items() if d in caps and n > caps[d] and n != before.get(d, 1)]
                if over:
                    raise HTTPException(400, f"level {asked[over[0]]} of {over[0]} is above the clinician's cap "
                                             f"({caps[over[0]]}): change the cap first")
                levels = {d: n for d, n in asked.items() if n != before.get(d, 1)}   # only what changes is written
                if levels:
                    after = await run_in_threadpool(people.set_levels, p["name"], levels)
                    ctx.write_log.append(ident.who, "levels", person=p["name"], before=before, after=after.levels)
            else:
                max_level = {d: None if form[prefix + d] == "" else number(form[prefix + d], d, "highest level")
                             for d in counts if prefix + d in form}
                exclude = list(fields.get("exclude", []))
                bad = [x for x in exclude if x not in counts]
                if bad:
                    raise HTTPException(400, f"no drill with levels called {bad[0][:40]!r}")
                # the page's form sends every drill's cap: a drill not ticked there is no longer excluded
                include = [d for d in counts if d not in exclude] if len(max_level) == len(counts) else []
                before = p.get("caps")
                after = await run_in_threadpool(people.set_caps, p["name"], max_level, exclude, include)
                ctx.write_log.append(ident.who, "caps", person=p["name"], before=before, after=after.caps)
        except (ValueError, TypeError) as e:
            if isinstance(e, FootmatError):
                raise
            raise HTTPException(400, f"not saved: {e}") from None
        return RedirectResponse(f"/people/{_url(p['name'])}?saved={which}#programme", status_code=303)

    async def sessions_page(request: Request):
        rows = await run_in_threadpool(session_rows, ctx)
        return HTMLResponse(page("Sessions", "<h1>Sessions</h1>" + _session_table(rows), request=request))

    async def session_page(request: Request):
        from trainer.ui.report_words import feedback_of

        sid = request.path_params["id"]
        d = await run_in_threadpool(session_detail, ctx, sid)
        meta = d["session"]
        summary = meta.get("summary") or {}
        person = (meta.get("person") or {}).get("name") or "—"
        u = _url(sid)
        head = [["Person", _person_link(person, await run_in_threadpool(_known_people))], ["Drill", esc(meta.get("drill"))],
                ["Started", esc(_local(meta.get("started_at"), seconds=True, zone=True))],
                ["Duration", _num(meta.get("duration_s")) + " s"], ["Complete", "yes" if meta.get("complete") else "no"],
                ["Pain before → after", f'{_num((meta.get("pain") or {}).get("before"))} → '
                                         f'{_num((meta.get("pain") or {}).get("after"))}']]
        if meta.get("level") is not None:
            head.append(["Level", esc(meta.get("level"))])
        fb = feedback_of(summary) if isinstance(summary, dict) else None
        figs = [[esc(k), esc(v)] for k, v in _figures(summary if isinstance(summary, dict) else {})]
        when = _local(meta.get("started_at"), zone=True)
        body = (f'<h1>{esc(meta.get("drill"))} · {esc(person)} <small class="when">{esc(when)}</small></h1>'
                f'<p class="muted">Session <code>{esc(sid)}</code></p>' + _table(["", ""], head, "figures")
                + (f'<p class="feedback" id="feedback">{esc(fb)}</p>' if fb else "")
                + f'<h2>Report</h2><a href="/sessions/{u}/report.png" title="Open the report at full size">'
                  f'<img id="report" class="report" src="/sessions/{u}/report.png" alt="The session\'s report"></a>'
                + f'<p class="downloads"><a href="/sessions/{u}/report.png" download>Report PNG</a> '
                  f'<a href="/sessions/{u}/report.pdf" download>Report PDF</a> '
                  + " ".join(f'<a href="/sessions/{u}/export.{f}" download>Export {f.upper()}</a>' for f in EXPORT_TYPES)
                + "</p><h2>Figures</h2>" + (_table(["Figure", "Value"], figs, "figures") if figs else "<p>None.</p>"))
        return HTMLResponse(page(f"Session {sid}", body, request=request))

    async def report_file(request: Request):
        folder = auth.session_dir(ctx, request.path_params["id"])
        fmt = request.path_params["fmt"]
        if fmt not in ("png", "pdf"):
            raise HTTPException(404, "no such file")
        on_disk = folder / f"report.{fmt}"
        if on_disk.is_file() and not on_disk.is_symlink():        # a planted link is never followed: drawn afresh
            data = await run_in_threadpool(on_disk.read_bytes)
        else:
            data = await run_in_threadpool(_render_png, _report, folder, fmt)
        return _attachment(data, f"{folder.name}-report.{fmt}", "image/png" if fmt == "png" else "application/pdf",
                           inline=True)

    async def export_file(request: Request):
        folder = auth.session_dir(ctx, request.path_params["id"])
        fmt = request.path_params["fmt"]
        if fmt not in EXPORT_TYPES:
            raise HTTPException(404, "no such export")
        data, name, media = await run_in_threadpool(_export, folder, fmt)
        return _attachment(data, name, media)

    async def static(request: Request):
        name = request.path_params["name"]
        if name not in STATIC_FILES or not (STATIC / name).is_file():
            raise HTTPException(404, "no such file")
        return Response((STATIC / name).read_bytes(), media_type=STATIC_FILES[name],
                        headers={"cache-control": "no-cache"})

    return [
        Route("/", home, methods=["GET"]),
        Route("/people/{name}", person_page, methods=["GET"]),
        Route("/people/{name}/progress.{fmt}", progress_file, methods=["GET"]),
        Route("/people/{name}/{what}", set_programme, methods=["POST"]),
        Route("/sessions", sessions_page, methods=["GET"]),
        Route("/sessions/{id}", session_page, methods=["GET"]),
        Route("/sessions/{id}/report.{fmt}", report_file, methods=["GET"]),
        Route("/sessions/{id}/export.{fmt}", export_file, methods=["GET"]),
        Route("/static/{name}", static, methods=["GET"]),
    ]
