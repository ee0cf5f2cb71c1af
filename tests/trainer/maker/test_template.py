"""footmat template: the 1:1 template as SVG and as tiled PDF pages, measured by parsing the files."""
from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
import zlib
from types import SimpleNamespace

import pytest

from firmware.layout import load_layout, reference_layout
from trainer.cli import main
from trainer.drills.targets import foot_outline, heel_x, min_stance_mm
from trainer.maker.drawing import Circle, Poly, Text, _bbox, text_width
from trainer.maker.pdf import OVERLAP_MM, PAPER_MM, PT_PER_MM, plan_tiles, render_pdf
from trainer.maker.template import FSR_ACTIVE_D_MM, build_drawing

MM = 72 / 25.4  # points per millimetre, independent of the module's constant


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("FOOTMAT_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("FOOTMAT_DEBUG", raising=False)


# -- a small PDF reader: objects, pages, and a content-stream interpreter ---------------------
def pdf_objects(data: bytes) -> dict[int, bytes]:
    objs = {}
    for m in re.finditer(rb"(\d+) 0 obj\s", data):
        start = m.end()
        end = data.index(b"endobj", start)
        body = data[start:end]
        if b"stream" in body:
            lm = re.search(rb"/Length (\d+)", body)
            s = data.index(b"stream", start) + len(b"stream")
            s += 2 if data[s:s + 2] == b"\r\n" else 1
            raw = data[s:s + int(lm.group(1))]
            if b"/FlateDecode" in body[:body.index(b"stream")]:
                raw = zlib.decompress(raw)
            body = body[:body.index(b"stream")] + b"stream\n" + raw
        objs[int(m.group(1))] = body
    return objs


def check_xref(data: bytes) -> None:
    start = int(re.search(rb"startxref\s+(\d+)", data).group(1))
    assert data[start:start + 4] == b"xref"
    lines = data[start:].split(b"\n")
    count = int(lines[1].split()[1])
    for i in range(1, count):
        off = int(lines[2 + i][:10])
        assert data[off:].startswith(f"{i} 0 obj".encode()), i


_TOKEN = re.compile(rb"\((?:\\.|[^\\)])*\)|<<|>>|\[|\]|/[^\s/\[\]()<>]+|[-+]?\d*\.?\d+|[A-Za-z'\"*]+")


def content_ops(stream: bytes):
    """(operator, operands) of a content stream (operands: floats, names, strings, lists, dicts)."""
    stack: list = []
    nest: list = []
    for tok in _TOKEN.findall(stream):
        if tok in (b"[", b"<<"):
            nest.append((stack, tok))
            stack = []
        elif tok in (b"]", b">>"):
            inner = stack
            stack, opener = nest.pop()
            stack.append(dict(zip(inner[::2], inner[1::2])) if opener == b"<<" else inner)
        elif tok.startswith(b"("):
            stack.append(tok[1:-1].decode("latin-1").replace("\\(", "(").replace("\\)", ")").replace("\\\\", "\\"))
        elif tok.startswith(b"/"):
            stack.append(tok[1:].decode())
        elif re.fullmatch(rb"[-+]?\d*\.?\d+", tok):
            stack.append(float(tok))
        elif nest:
            stack.append(tok.decode())  # e.g. 'true' inside a dictionary
        else:
            yield tok.decode(), stack
            stack = []


def _mul(a, b):
    """Product of two PDF matrices [a b c d e f] (apply a, then b)."""
    return [a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3],
            a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3],
            a[4] * b[0] + a[5] * b[2] + b[4], a[4] * b[1] + a[5] * b[3] + b[5]]


def _apply(m, x, y):
    return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]


def page_geometry(stream: bytes) -> dict:
    """Straight segments (in page points) per marked-content tag, clip boxes, and the CTM scale."""
    ctm = [1, 0, 0, 1, 0, 0]
    saved = []
    tags: list = []
    segs: dict = {}
    clips = []
    user_clips = []
    cur = None
    pending_rect = None
    for op, args in content_ops(stream):
        if op == "q":
            saved.append(ctm)
        elif op == "Q":
            ctm = saved.pop()
        elif op == "cm":
            ctm = _mul(args, ctm)
        elif op == "BMC":
            tags.append((args[0], {}))
        elif op == "BDC":
            tags.append((args[0], args[1]))
        elif op == "EMC":
            tags.pop()
        elif op == "m":
            cur = _apply(ctm, *args)
        elif op == "l":
            nxt = _apply(ctm, *args)
            key = tags[-1][0] if tags else None
            name = tags[-1][1].get("Name") if tags else None
            segs.setdefault((key, name), []).append((cur, nxt))
            cur = nxt
        elif op == "re":
            pending_rect = args
        elif op == "W" and pending_rect:
            x, y, w, h = pending_rect
            user_clips.append((x, y, x + w, y + h))
            (x0, y0), (x1, y1) = _apply(ctm, x, y), _apply(ctm, x + w, y + h)
            clips.append((x0, y0, x1, y1))
    return {"segs": segs, "clips": clips, "user_clips": user_clips}


def read_pdf(data: bytes):
    check_xref(data)
    objs = pdf_objects(data)
    kids = re.search(rb"/Kids \[([^\]]*)\]", next(b for b in objs.values() if b"/Type /Pages" in b)).group(1)
    pages = []
    for ref in re.findall(rb"(\d+) 0 R", kids):
        page = objs[int(ref)]
        box = [float(v) for v in re.search(rb"/MediaBox \[([^\]]*)\]", page).group(1).split()]
        content = objs[int(re.search(rb"/Contents (\d+) 0 R", page).group(1))]
        stream = content[content.index(b"stream\n") + 7:]
        pages.append({"box": box, "stream": stream, **page_geometry(stream)})
    return objs, pages


def _length(seg):
    (x0, y0), (x1, y1) = seg
    return math.hypot(x1 - x0, y1 - y0)


def _centre(segs):
    """Centre of a sensor's cross-hair: the midpoint of its horizontal stroke."""
    (x0, y0), (x1, y1) = next(s for s in segs if abs(s[0][1] - s[1][1]) < 1e-6)
    return (x0 + x1) / 2, y0


def _make(tmp_path, *args):
    out = tmp_path / "t.pdf"
    for a in args:
        if str(a).endswith((".pdf", ".svg")):
            out = tmp_path / a
    rc = main(["template", *[str(a) for a in args if not str(a).endswith((".pdf", ".svg"))], "--out", str(out)])
    assert rc == 0
    return out


# -- the PDF ---------------------------------------------------------------------------------------
def test_default_pdf_scale_bar_measures_100_mm(tmp_path):
    """`footmat template --out t.pdf`: parse the PDF, measure the scale bar in points."""
    out = _make(tmp_path, "t.pdf")
    _, pages = read_pdf(out.read_bytes())
    bar_segments = pages[0]["segs"][("ScaleBar", None)]
    bar = max(bar_segments, key=_length)
    assert _length(bar) == pytest.approx(100 * MM, abs=0.01)  # 283.46 pt at 100 % print size
    assert _length(bar) == pytest.approx(283.46, abs=0.01)
    assert abs(bar[0][1] - bar[1][1]) < 1e-6  # horizontal
    # ticks every 10 mm along it
    ticks = sorted(s[0][0] for s in bar_segments if abs(s[0][0] - s[1][0]) < 1e-6)
    assert [(t - ticks[0]) / MM for t in ticks] == pytest.approx([10.0 * i for i in range(11)], abs=1e-3)
    # and the bar lies inside page 1's printed image, not cut by a page edge
    x0, y0, x1, y1 = pages[0]["clips"][0]
    assert all(x0 <= x <= x1 and y0 <= y <= y1 for seg in bar_segments for x, y in seg)


def test_default_pdf_is_two_a4_landscape_pages(tmp_path):
    out = _make(tmp_path, "t.pdf")
    objs, pages = read_pdf(out.read_bytes())
    assert len(pages) == 2
    for p in pages:
        assert p["box"] == pytest.approx([0, 0, 297 * MM, 210 * MM], abs=0.01)
    assert any(b"/PrintScaling /None" in b for b in objs.values())


@pytest.mark.parametrize("paper,pages", [("a4", 2), ("letter", 4), ("a3", 1)])
def test_paper_sizes_and_page_counts(tmp_path, paper, pages):
    out = _make(tmp_path, "--paper", paper, "t.pdf")
    _, got = read_pdf(out.read_bytes())
    assert len(got) == pages
    w, h = PAPER_MM[paper]
    box = got[0]["box"]
    assert sorted(box[2:]) == pytest.approx(sorted([w * MM, h * MM]), abs=0.01)
    bar = max(got[0]["segs"][("ScaleBar", None)], key=_length)
    assert _length(bar) == pytest.approx(100 * MM, abs=0.01)


def test_sensor_positions_are_true_size_on_one_a3_sheet(tmp_path):
    layout = load_layout("default-8")
    out = _make(tmp_path, "--layout", "default-8", "--paper", "a3", "t.pdf")
    _, pages = read_pdf(out.read_bytes())
    (page,) = pages
    centres = {name: _centre(segs) for (tag, name), segs in page["segs"].items() if tag == "Sensor"}
    assert set(centres) == {s.name for s in layout.sensors}
    ref = {s.name: s for s in layout.sensors}
    ox, oy = centres["left_heel"]
    for name, (x, y) in centres.items():
        s = ref[name]
        assert (x - ox) / MM == pytest.approx(s.x_mm - ref["left_heel"].x_mm, abs=0.001)
        assert (y - oy) / MM == pytest.approx(s.y_mm - ref["left_heel"].y_mm, abs=0.001)
    heel_gap = centres["right_heel"][0] - centres["left_heel"][0]
    assert heel_gap == pytest.approx(170 * MM, abs=0.01)


def test_tiles_cover_the_drawing_with_overlap_and_shared_marks(tmp_path):
    out = _make(tmp_path, "--paper", "letter", "t.pdf")
    _, pages = read_pdf(out.read_bytes())
    assert len(pages) == 4
    drawing = build_drawing(load_layout("default-6"))
    bx0, by0, bx1, by1 = drawing.bounds()
    tiles = [p["user_clips"][0] for p in pages]  # each page's image, in drawing mm
    # every point of the drawing is on some sheet
    for fx in (0.0, 0.25, 0.5, 0.75, 1.0):
        for fy in (0.0, 0.25, 0.5, 0.75, 1.0):
            x, y = bx0 + fx * (bx1 - bx0), by0 + fy * (by1 - by0)
            assert any(t[0] <= x <= t[2] and t[1] <= y <= t[3] for t in tiles), (x, y)
    # neighbours overlap by OVERLAP_MM: columns on page pairs (1,2), rows on (1,3)
    assert tiles[0][2] - tiles[1][0] == pytest.approx(OVERLAP_MM)
    assert tiles[0][3] - tiles[2][1] == pytest.approx(OVERLAP_MM)
    # every registration mark (the horizontal stroke of its cross) is printed on two or more
    # sheets, inside their images, at the same place of the drawing
    per_page_marks = []
    for p in pages:
        x0, y0, x1, y1 = p["clips"][0]
        # page coordinates -> drawing coordinates through the same clip box
        ux0, uy0, _, _ = p["user_clips"][0]
        pts = []
        for seg in p["segs"][("Registration", None)]:
            if abs(seg[0][1] - seg[1][1]) < 1e-6:
                cx, cy = (seg[0][0] + seg[1][0]) / 2, seg[0][1]
                if x0 <= cx <= x1 and y0 <= cy <= y1:
                    pts.append((round(ux0 + (cx - x0) / MM, 2) + 0.0, round(uy0 + (cy - y0) / MM, 2) + 0.0))
        per_page_marks.append(pts)
    every = [m for pts in per_page_marks for m in pts]
    assert every, "no registration marks"
    for m in set(every):
        assert every.count(m) >= 2, m


def test_one_page_template_has_no_marks(tmp_path):
    out = _make(tmp_path, "--paper", "a3", "t.pdf")
    _, pages = read_pdf(out.read_bytes())
    assert ("Registration", None) not in pages[0]["segs"]


def test_text_is_real_text_with_names_and_channels(tmp_path):
    out = _make(tmp_path, "--paper", "a3", "t.pdf")
    _, pages = read_pdf(out.read_bytes())
    shown = [args[0] for op, args in content_ops(pages[0]["stream"]) if op == "Tj"]
    for s in load_layout("default-6").sensors:
        assert s.name in shown and s.channel in shown
    assert "100 mm" in shown and any("HEEL STOP" in t for t in shown)


def test_render_pdf_is_deterministic():
    d = build_drawing(load_layout("default-6"))
    assert render_pdf(d, "a4")[0] == render_pdf(d, "a4")[0]


def test_plan_prefers_fewer_pages_and_keeps_the_scale_bar_on_page_1():
    plan = plan_tiles((-140, -35, 140, 262), "a4")
    assert (plan.landscape, plan.cols, plan.rows) == (True, 1, 2)
    plan = plan_tiles((-300, -40, 300, 400), "a4", first_page=(-298, -25, -198, -18))
    assert plan.pages > 4
    assert plan.xs[0] <= -298 and -198 <= plan.xs[0] + plan.content_w
    assert plan.ys[0] <= -25 and -18 <= plan.ys[0] + plan.content_h


# -- the SVG ---------------------------------------------------------------------------------------
def _svg(path):
    root = ET.parse(path).getroot()
    ns = {"s": "http://www.w3.org/2000/svg"}
    return root, ns


def test_svg_is_one_true_size_sheet_in_mm(tmp_path):
    out = _make(tmp_path, "t.svg")
    root, ns = _svg(out)
    w, h = root.get("width"), root.get("height")
    assert w.endswith("mm") and h.endswith("mm")
    vb = [float(v) for v in root.get("viewBox").split()]
    assert vb[:2] == [0, 0] and vb[2] == pytest.approx(float(w[:-2])) and vb[3] == pytest.approx(float(h[:-2]))
    bar = root.find("s:g[@id='ScaleBar']", ns)
    lengths = [math.hypot(float(l.get("x2")) - float(l.get("x1")), float(l.get("y2")) - float(l.get("y1")))
               for l in bar.findall("s:line", ns)]
    assert max(lengths) == pytest.approx(100.0, abs=1e-3)
    layout = load_layout("default-6")
    circles = {}
    for s in layout.sensors:
        g = root.find(f"s:g[@id='Sensor-{s.name}']", ns)
        assert g.get("data-channel") == s.channel
        rs = sorted(float(c.get("r")) for c in g.findall("s:circle", ns))
        assert rs[0] == pytest.approx(FSR_ACTIVE_D_MM / 2)
        c = g.findall("s:circle", ns)[0]
        circles[s.name] = (float(c.get("cx")), float(c.get("cy")))
        texts = [t.text for t in g.findall("s:text", ns)]
        assert texts == [s.name, s.channel]
    # 1 unit = 1 mm, and SVG's y runs down: toes are above the heel by their y difference
    assert circles["right_heel"][0] - circles["left_heel"][0] == pytest.approx(170, abs=1e-3)
    assert circles["right_heel"][1] - circles["right_toes"][1] == pytest.approx(235 - 35, abs=1e-3)


def test_heel_stop_is_at_the_back_of_the_heels():
    d = build_drawing(load_layout("default-6"))
    stop = d.group("HeelStop")
    feet = d.group("Feet")
    lowest = min(y for poly in feet.items if hasattr(poly, "points") for _, y in poly.points)
    assert lowest == pytest.approx(0, abs=0.01)
    assert any(getattr(it, "y1", None) == 0 and getattr(it, "y2", None) == 0 for it in stop.items)


# -- the drawing for other feet ----------------------------------------------------------------
def _inside(poly, x, y):
    inside = False
    n = len(poly)
    for i in range(n):
        (x1, y1), (x2, y2) = poly[i], poly[(i + 1) % n]
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def _edge_distance(poly, x, y):
    best = math.inf
    for i in range(len(poly)):
        (x1, y1), (x2, y2) = poly[i], poly[(i + 1) % len(poly)]
        dx, dy = x2 - x1, y2 - y1
        t = max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy or 1)))
        best = min(best, math.hypot(x - x1 - t * dx, y - y1 - t * dy))
    return best


@pytest.mark.parametrize("n", [6, 8])
@pytest.mark.parametrize("foot", [150, 210, 260, 280, 350])
@pytest.mark.parametrize("stance", ["feet together", 170, 300])
def test_every_sensor_disc_lies_on_its_foot(n, foot, stance):
    if stance == "feet together":
        stance = max(80, math.ceil(min_stance_mm(foot)))
    layout = reference_layout(n, foot, stance)
    outlines = {f: foot_outline(foot, next(s.x_mm for s in layout.sensors if s.foot == f and s.zone == "heel"), f)
                for f in ("left", "right")}
    for s in layout.sensors:
        poly = outlines[s.foot]
        assert _inside(poly, s.x_mm, s.y_mm), s
        assert _edge_distance(poly, s.x_mm, s.y_mm) > FSR_ACTIVE_D_MM / 2 + 2, s
    # the two feet never overlap
    lx = max(x for x, _ in outlines["left"])
    rx = min(x for x, _ in outlines["right"])
    assert lx <= rx


def test_min_stance_is_feet_together():
    assert min_stance_mm(260) == pytest.approx(2 * (85 - 42), abs=1.0)
    assert min_stance_mm(210) == pytest.approx(min_stance_mm(260) * 210 / 260, abs=0.01)


def test_the_template_draws_the_feet_of_the_mat_geometry():
    """The printed outline is the layout's foot outline (trainer.drills.targets), placed at each
    foot's heel centre: its heel sensor, else its sensors' mean shifted as the reference's."""
    layout = reference_layout(8, 240, 190)
    polys = [it for it in build_drawing(layout).group("Feet").items if isinstance(it, Poly)]
    for foot, poly in zip(("left", "right"), polys):
        heel = next(s.x_mm for s in layout.sensors if s.foot == foot and s.zone == "heel")
        assert heel_x(layout, foot) == heel
        assert poly.points == foot_outline(240, heel, foot)
    no_heels = SimpleNamespace(foot_length_mm=260.0, sensors=[
        SimpleNamespace(foot=f, zone=z, x_mm=x) for f, z, x in
        [("left", "ball", -100.0), ("left", "toes", -60.0), ("right", "ball", 60.0), ("right", "outer", 100.0)]])
    assert heel_x(no_heels, "left") == pytest.approx(-80.0 - 13.0)
    assert heel_x(no_heels, "right") == pytest.approx(80.0 + 13.0)


def _boxes_overlap(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("n,foot,stance", [(6, 260, 170), (8, 260, 170), (8, 210, 80), (6, 350, 400)])
def test_labels_do_not_collide(n, foot, stance):
    d = build_drawing(reference_layout(n, foot, stance))
    sensors = [g for g in d.groups if g.tag == "Sensor"]
    for g in sensors:
        for t in [it for it in g.items if isinstance(it, Text)]:
            for other in sensors:
                if other is g:
                    continue
                for it in other.items:
                    if isinstance(it, (Text, Circle)):
                        assert not _boxes_overlap(_bbox(t), _bbox(it)), (g.props, other.props)
    bar = [_bbox(it) for it in d.group("ScaleBar").items]
    info = [_bbox(it) for it in d.group("Info").items]
    assert not any(_boxes_overlap(a, b) for a in bar for b in info)


def test_helvetica_widths():
    assert text_width("100 mm", 10) == pytest.approx((556 * 3 + 278 + 833 * 2) / 100)
    assert text_width("W", 1, bold=True) == pytest.approx(0.944)


# -- the command -----------------------------------------------------------------------------------
def test_json_summary(tmp_path, capsys):
    out = tmp_path / "t.pdf"
    assert main(["template", "--out", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["pages"] == 2 and summary["orientation"] == "landscape" and summary["format"] == "pdf"
    assert 270 < summary["width_mm"] < 285


def test_template_from_a_generated_layout(tmp_path, capsys):
    lay = tmp_path / "small.toml"
    assert main(["layout", "--foot-length", "215", "--stance", "150", "--out", str(lay)]) == 0
    out = tmp_path / "small.pdf"
    assert main(["template", "--layout", str(lay), "--out", str(out)]) == 0
    _, pages = read_pdf(out.read_bytes())
    centres = {name: _centre(segs) for p in pages[:1] for (tag, name), segs in p["segs"].items() if tag == "Sensor"}
    gap = centres["right_heel"][0] - centres["left_heel"][0]
    assert gap == pytest.approx(150 * MM, abs=0.01)


def test_existing_output_is_replaced(tmp_path):
    out = tmp_path / "t.svg"
    out.write_text("old")
    assert main(["template", "--out", str(out)]) == 0
    assert out.read_text().startswith("<?xml")


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err and "\n" not in err and "Traceback" not in err, err
    return err


@pytest.mark.parametrize("argv,needle", [
    (["--out", "t.png"], "neither .svg nor .pdf"),
    (["--out", "t"], "neither .svg nor .pdf"),
    (["--layout", "nope", "--out", "t.pdf"], "layout not found"),
    (["--layout", "missing/file.toml", "--out", "t.pdf"], "not found"),
    (["--paper", "a5", "--out", "t.pdf"], "invalid choice"),
    ([], "required"),
])
def test_bad_input_exits_2_with_one_line(tmp_path, monkeypatch, capsys, argv, needle):
    monkeypatch.chdir(tmp_path)
    try:
        rc = main(["template", *argv])
    except SystemExit as e:
        rc = e.code
    assert rc == 2
    assert needle in _one_line_error(capsys)
    assert not list(tmp_path.glob("t*"))


def test_bad_layout_file_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\nfoot_length_mm = 260\nsurprise = 1\n')
    assert main(["template", "--layout", str(bad), "--out", str(tmp_path / "t.pdf")]) == 2
    assert "unknown field 'surprise'" in _one_line_error(capsys)
    assert not (tmp_path / "t.pdf").exists()


def test_out_is_a_folder(tmp_path, capsys):
    (tmp_path / "d.pdf").mkdir()
    assert main(["template", "--out", str(tmp_path / "d.pdf")]) == 2
    assert "folder" in _one_line_error(capsys)


def test_module_constant_matches_points_per_mm():
    assert PT_PER_MM == pytest.approx(MM)
