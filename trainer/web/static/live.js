// footmat's live mirror: the drill on the mat, drawn from /api/live on a <canvas>.
// The geometry (feet outlines, sensor positions, the view's extent, the target path) comes in a
// "hello" message, each frame in a "state" message (trainer/app/publish.py says what they hold).
// Laid out as the mat's view: the cue on top, the feet on the left, the counter on the right,
// the left/right load bar at the bottom. Colours: the view's Okabe-Ito palette.
"use strict";

(function () {
  const C = {
    cop: "#000000", target: "#009E73", foot: "#e9ecef", edge: "#495057", left: "#0072B2",
    right: "#E69F00", text: "#212529", muted: "#6c757d", track: "#dee2e6", paused: "#E69F00",
    done: "#009E73", warn: "#D55E00", band: "#ffffff", zone: "rgba(0,158,115,0.25)",
  };
  const DISC_MM = 11.0;       // a sensor's disc; full at FULL_SHARE of the load (as the mat's view)
  const FULL_SHARE = 0.5;
  const TRAIL_N = 45;         // ~1.5 s of the whole-body CoP at 30 states a second
  const SMOOTH_S = 0.05;      // the drawn CoP follows the newest within ~50 ms
  const SILENT_MS = 2000;     // no state for this long while a drill runs: the mat is silent

  const live = {messages: 0, states: 0, hellos: 0, lastSeq: null, frames: 0, connected: false,
                hello: null, state: null, ended: null, error: null};
  window.footmatLive = live;  // for tests and the curious

  let canvas, ctx, conn, note, title;
  let trail = [];
  let shown = {};             // smoothed positions: body, left, right
  let lastDraw = null;
  let dirty = true;

  function el(id) { return document.getElementById(id); }

  function connect() {
    const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/api/live";
    let ws;
    try { ws = new WebSocket(url); } catch (e) { live.error = String(e); setTimeout(connect, 2000); return; }
    ws.onopen = function () { live.connected = true; conn.textContent = "connected"; conn.className = "conn ok"; };
    ws.onclose = function () {
      live.connected = false;
      conn.textContent = "disconnected: retrying"; conn.className = "conn bad";
      setTimeout(connect, 2000);
    };
    ws.onmessage = function (ev) {
      let m;
      try { m = JSON.parse(ev.data); } catch (e) { return; }
      live.messages += 1;
      if (m.k === "hello") {
        live.hellos += 1; live.hello = m; live.ended = null; trail = [];
        title.textContent = (m.drill || "drill") + (m.person ? " · " + m.person : "");
      } else if (m.k === "state") {
        live.states += 1; live.state = m; live.lastSeq = m.seq; live.ended = null; live.stateAt = performance.now();
        if (m.cop) { trail.push(m.cop.slice()); if (trail.length > TRAIL_N) trail.shift(); }
      } else if (m.k === "end") {
        live.ended = m;
      }
      note.hidden = !!live.hello;
      dirty = true;
    };
  }

  // -- geometry ------------------------------------------------------------------------------
  function fit() {
    const r = canvas.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(320, Math.round(r.width * dpr)), h = Math.max(192, Math.round(r.height * dpr));
    if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; dirty = true; }
  }

  function layout(W, H) {
    const band = Math.round(H * 0.2), bar = Math.round(H * 0.12);
    const feetW = Math.round(W * 0.62);
    return {band: band, bar: bar, feet: {x: 0, y: band, w: feetW, h: H - band - bar},
            counter: {x: feetW, y: band, w: W - feetW, h: H - band - bar}, barBox: {x: 0, y: H - bar, w: W, h: bar}};
  }

  function mmToPx(box, ext) {
    const [x0, y0, x1, y1] = ext;
    const s = Math.min(box.w / (x1 - x0), box.h / (y1 - y0));
    const ox = box.x + (box.w - s * (x1 - x0)) / 2, oy = box.y + (box.h - s * (y1 - y0)) / 2;
    const f = function (p) { return [ox + (p[0] - x0) * s, oy + (y1 - p[1]) * s]; };
    f.s = s;
    return f;
  }

  // -- drawing -------------------------------------------------------------------------------
  function circle(p, r, fill, stroke, lw) {
    ctx.beginPath(); ctx.arc(p[0], p[1], Math.max(r, 0.5), 0, 2 * Math.PI);
    if (fill) { ctx.fillStyle = fill; ctx.fill(); }
    if (stroke) { ctx.strokeStyle = stroke; ctx.lineWidth = lw || 1; ctx.stroke(); }
  }

  function poly(pts, P, close) {
    ctx.beginPath();
    pts.forEach(function (q, i) { const p = P(q); if (i) ctx.lineTo(p[0], p[1]); else ctx.moveTo(p[0], p[1]); });
    if (close) ctx.closePath();
  }

  function fitText(text, maxW, px, weight) {
    let size = px;
    ctx.font = (weight || "") + " " + size + "px sans-serif";
    while (size > 8 && ctx.measureText(text).width > maxW) {
      size -= 2; ctx.font = (weight || "") + " " + size + "px sans-serif";
    }
    return size;
  }

  let moving = false;         // a smoothed marker has not reached its newest position yet

  function smooth(key, xy, dt) {
    if (!xy) { delete shown[key]; return null; }
    const old = shown[key];
    const a = old ? 1 - Math.exp(-dt / SMOOTH_S) : 1;
    const v = old ? [old[0] + a * (xy[0] - old[0]), old[1] + a * (xy[1] - old[1])] : xy.slice();
    if (Math.abs(v[0] - xy[0]) + Math.abs(v[1] - xy[1]) > 0.1) moving = true;
    shown[key] = v;
    return v;
  }

  function drawFeet(box, hello, st, dt, u) {
    const P = mmToPx(box, hello.extent);
    const mm = P.s;
    // feet
    ["left", "right"].forEach(function (f) {
      const o = hello.outlines[f];
      if (!o) return;
      poly(o, P, true); ctx.fillStyle = C.foot; ctx.fill(); ctx.strokeStyle = C.edge; ctx.lineWidth = 1.5 * u; ctx.stroke();
    });
    const showLive = !st || st.feedback === "full";
    // the spiral's zones, faint
    if (st && st.zones) {
      Object.keys(st.zones).forEach(function (f) {
        (st.zones[f] || []).forEach(function (z) { circle(P(z), 4 * mm, C.zone, null); });
      });
    }
    // sensors filling with load
    const forces = st && st.forces, total = st && st.total_n;
    hello.sensors.forEach(function (s, i) {
      const p = P([s.x, s.y]);
      circle(p, DISC_MM * mm, "#ffffff", C.edge, 1.2 * u);
      if (showLive && forces && forces[i] != null && total > 0) {
        const k = Math.max(0, Math.min(1, forces[i] / (FULL_SHARE * total)));
        if (k > 0) circle(p, DISC_MM * mm * Math.sqrt(k), s.foot === "left" ? C.left : C.right, null);
      }
    });
    // the target path
    if (hello.path && hello.path.length > 1 && (!st || st.feedback !== "none")) {
      poly(hello.path, P, false); ctx.strokeStyle = C.target; ctx.globalAlpha = 0.5; ctx.lineWidth = 1.5 * u;
      ctx.stroke(); ctx.globalAlpha = 1;
    }
    if (!st) return;
    // the ring of the zone to reach
    if (st.ring && st.ring.xy) {
      circle(P(st.ring.xy), st.ring.r * mm, st.ring.inside ? "rgba(0,158,115,0.18)" : null, C.target,
             (st.ring.inside ? 4 : 2.5) * u);
    }
    // the target
    if (st.target) circle(P(st.target), 7 * mm, null, C.target, 3 * u);
    if (!showLive) return;
    // each foot's CoP, its size the foot's share
    ["left", "right"].forEach(function (f) {
      const fs = st.feet && st.feet[f];
      const xy = smooth(f, fs && fs.cop, dt);
      if (!xy) return;
      const share = fs.share == null ? 0.5 : Math.max(0, Math.min(1, fs.share));
      circle(P(xy), (3 + 7 * Math.sqrt(share)) * mm, C[f], "#ffffff", 1.5 * u);
    });
    // the whole-body CoP and its trail
    if (trail.length > 1) {
      poly(trail, P, false); ctx.strokeStyle = C.cop; ctx.globalAlpha = 0.35; ctx.lineWidth = 2 * u; ctx.stroke();
      ctx.globalAlpha = 1;
    }
    const cop = smooth("body", st.cop, dt);
    if (cop) circle(P(cop), 5 * mm, C.cop, "#ffffff", 1.5 * u);
  }

  function drawCue(box, st, W, u) {
    ctx.fillStyle = C.band; ctx.fillRect(0, 0, W, box);
    ctx.textAlign = "center"; ctx.textBaseline = "alphabetic";
    const cue = st ? String(st.cue || "").toUpperCase() : (live.hello ? "" : "WAITING FOR A DRILL");
    const size = fitText(cue, W * 0.96, Math.round(box * 0.55), "bold");
    ctx.fillStyle = st && st.state === "paused" ? C.paused : C.text;
    ctx.fillText(cue, W / 2, Math.round(box * 0.6));
    if (st && st.hint) {
      fitText(st.hint, W * 0.96, Math.round(box * 0.2), "");
      ctx.fillStyle = C.muted; ctx.fillText(st.hint, W / 2, Math.round(box * 0.6 + size * 0.1 + box * 0.28));
    }
  }

  function drawCounter(b, st, u) {
    if (!st || !st.counter) return;
    const c = st.counter, cx = b.x + b.w / 2;
    ctx.textAlign = "center"; ctx.fillStyle = C.muted;
    fitText(c.label || "", b.w * 0.9, Math.round(b.h * 0.09), "");
    ctx.fillText(c.label || "", cx, b.y + b.h * 0.16);
    ctx.fillStyle = C.text;
    fitText(c.value || "", b.w * 0.9, Math.round(b.h * 0.24), "bold");
    ctx.fillText(c.value || "", cx, b.y + b.h * 0.45);
    fitText(c.detail || "", b.w * 0.9, Math.round(b.h * 0.1), "");
    ctx.fillText(c.detail || "", cx, b.y + b.h * 0.6);
    if (c.progress != null) {
      const x = b.x + b.w * 0.1, w = b.w * 0.8, y = b.y + b.h * 0.7, h = Math.max(6, b.h * 0.05);
      ctx.fillStyle = C.track; ctx.fillRect(x, y, w, h);
      ctx.fillStyle = C.target; ctx.fillRect(x, y, w * Math.max(0, Math.min(1, c.progress)), h);
    }
    if (c.beat) {
      const n = c.beat[1], r = Math.min(b.w / (3 * n), b.h * 0.04);
      for (let i = 0; i < n; i++) {
        circle([cx + (i - (n - 1) / 2) * 3 * r, b.y + b.h * 0.8], r, i === c.beat[0] ? C.target : C.track, null);
      }
    }
    if (st.score != null) {
      ctx.fillStyle = C.muted; fitText("score " + Math.round(st.score), b.w * 0.9, Math.round(b.h * 0.08), "");
      ctx.fillText("score " + Math.round(st.score), cx, b.y + b.h * 0.95);
    }
    if (st.holding_on) {
      ctx.fillStyle = C.warn; fitText("holding on?", b.w * 0.9, Math.round(b.h * 0.08), "");
      ctx.fillText("holding on?", cx, b.y + b.h * 0.88);
    }
  }

  function drawBar(b, st, u) {
    if (!st || st.left_pct == null || st.feedback !== "full") return;
    const x = b.x + b.w * 0.05, w = b.w * 0.9, y = b.y + b.h * 0.15, h = b.h * 0.35;
    const l = Math.max(0, Math.min(100, st.left_pct)) / 100;
    ctx.fillStyle = C.left; ctx.fillRect(x, y, w * l, h);
    ctx.fillStyle = C.right; ctx.fillRect(x + w * l, y, w * (1 - l), h);
    if (st.share_target_pct != null) {
      const tx = x + w * st.share_target_pct / 100;
      ctx.strokeStyle = C.text; ctx.lineWidth = 3 * u; ctx.beginPath(); ctx.moveTo(tx, y - 4 * u); ctx.lineTo(tx, y + h + 4 * u); ctx.stroke();
    }
    ctx.fillStyle = C.text; ctx.textBaseline = "top";
    fitText("left 00 %", w * 0.3, Math.round(b.h * 0.38), "");
    ctx.textAlign = "left"; ctx.fillText("left " + Math.round(l * 100) + " %", x, y + h + 2 * u);
    ctx.textAlign = "right"; ctx.fillText(Math.round((1 - l) * 100) + " % right", x + w, y + h + 2 * u);
    ctx.textBaseline = "alphabetic";
  }

  function drawOverlay(W, H, st, u) {
    let text = null, color = C.paused;
    if (live.ended) { text = "drill ended"; color = C.done; }
    else if (st && live.stateAt && performance.now() - live.stateAt > SILENT_MS) { text = "no signal"; color = C.warn; }
    else if (st && st.state === "paused") text = "paused";
    else if (st && st.state === "done") { text = "done"; color = C.done; }
    if (!text) return;
    ctx.globalAlpha = 0.85; ctx.fillStyle = color;
    const size = fitText(text.toUpperCase(), W * 0.5, Math.round(H * 0.1), "bold");
    ctx.textAlign = "center"; ctx.fillText(text.toUpperCase(), W * 0.31, H * 0.55 + size / 3);
    ctx.globalAlpha = 1;
  }

  function frame(ts) {
    requestAnimationFrame(frame);
    fit();
    const dt = lastDraw == null ? 1 : Math.min(1, (ts - lastDraw) / 1000);
    lastDraw = ts;
    const silent = live.state && !live.ended && performance.now() - (live.stateAt || 0) > SILENT_MS;
    if (silent !== live.silent) { live.silent = silent; dirty = true; }
    if (!dirty && !moving) return;          // nothing new and nothing gliding: no redraw
    dirty = false; moving = false;
    const W = canvas.width, H = canvas.height, u = Math.max(1, H / 480);
    const L = layout(W, H);
    ctx.fillStyle = "#f8f9fa"; ctx.fillRect(0, 0, W, H);
    const st = live.state;
    if (live.hello) drawFeet(L.feet, live.hello, st, dt, u);
    drawCue(L.band, st, W, u);
    drawCounter(L.counter, st, u);
    drawBar(L.barBox, st, u);
    drawOverlay(W, H, st, u);
    live.frames += 1;
  }

  function start() {
    canvas = el("live-canvas"); conn = el("live-conn"); note = el("live-note"); title = el("live-title");
    ctx = canvas.getContext("2d");
    window.addEventListener("resize", function () { dirty = true; });
    connect();
    requestAnimationFrame(frame);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
