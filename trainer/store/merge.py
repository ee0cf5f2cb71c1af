"""How a mat and the clinic agree on people, levels and caps (pure functions, no I/O).

`footmat sync` calls :func:`merge_people` with the mat's people, the clinic's people, and the
*base*: the people as both sides agreed at this mat's last sync. The rules, in words:

* **One person is one ``person_id``.** People are matched by their stable id, never by name. A
  person the mat does not have is added; a person the clinic does not have is sent.
* **A name clash is reported, never merged.** Two different ids with one name (say a "Ann"
  created on two mats) stay two people: the newcomer is not written on this mat (the file name is
  taken), and the clash is returned in ``clashes`` for the command to print. A person renamed on
  one side follows their id.
* **A person removed on the mat** (``footmat person remove``) since the last sync is not made
  again from the clinic's copy; the clinic keeps them (their history is the audit trail).
* **Profile fields** (weight, height, feet, reach, language, ...): a three-way merge against the
  base. A side that did not change a field since the last sync takes the other side's value;
  when both changed it, the later change wins (the side's ``changed_at``); without both times,
  or on a tie, the clinic's value wins.
* **Levels** (drill -> level): per drill, the later decision wins. A side that did not change
  the level since the base takes the other side's (so a level raised by training on a mat is not
  undone by the clinic's older copy, and a level set at the clinic reaches the mat). When both
  changed it, the decision times decide: on the mat, when the person's file last changed; at the
  clinic, the ``levels_at`` it sends. Without both times, or on a tie, the clinic's wins.
* **Caps** (``{"max_level": {drill: n}, "exclude": [drill]}``) are a clinician's, and a
  clinician's cap always wins over a level: per drill, a cap changed on one side since the base
  wins; changed on both, the later wins (without both times or on a tie: the clinic's). The merged level of a capped
  drill is then lowered to its cap, whoever decided it and whenever.
"""
from __future__ import annotations

from dataclasses import dataclass, field

LEVEL_KEYS = ("levels", "caps", "levels_at", "caps_at", "changed_at")
#: Fields that identify a person's records rather than describe them.
ID_KEYS = ("person_id",)


@dataclass
class Clash:
    """Two different people with one name: ``local_id`` on this mat, ``remote_id`` at the clinic."""

    name: str
    local_id: str
    remote_id: str

    def text(self) -> str:
        return (f"name clash: {self.name!r} is person {self.local_id[:8]} on this mat and a different "
                f"person {self.remote_id[:8]} at the clinic; not merged (rename one: footmat person add "
                f"with another name, or ask the clinic)")


@dataclass
class Merged:
    """The outcome of :func:`merge_people`."""

    people: dict = field(default_factory=dict)     # person_id -> merged person dict (both sides' new truth)
    to_mat: dict = field(default_factory=dict)     # person_id -> person dict the mat must write
    to_clinic: dict = field(default_factory=dict)  # person_id -> person dict the clinic must receive
    clashes: list = field(default_factory=list)    # [Clash]
    notes: list = field(default_factory=list)      # what changed and why, one line each


def _later(a: str | None, b: str | None) -> int:
    """-1 when ``a`` is later, 1 when ``b`` is later, 0 on a tie or when either is unknown
    (ISO 8601 UTC strings sort)."""
    if not a or not b:
        return 0
    return -1 if a > b else 1 if b > a else 0


def merge_levels(local: dict, local_at: dict, remote: dict, remote_at: dict,
                 base: dict | None = None) -> tuple[dict, dict]:
    """Per drill, three-way against ``base`` (the levels agreed at the last sync): a side that
    did not change a drill's level takes the other side's; when both changed it, the later
    decision wins (both times known; otherwise, or on a tie, the clinic's). Returns (levels, at)."""
    base = base or {}
    levels, at = {}, {}
    for drill in sorted(set(local) | set(remote)):
        lv, rv, bv = local.get(drill), remote.get(drill), base.get(drill)
        if rv is None or (lv is not None and rv == bv and lv != bv):
            pick = "local"
        elif lv is None or lv == bv or lv == rv:
            pick = "remote"
        else:
            pick = "local" if _later(local_at.get(drill), remote_at.get(drill)) < 0 else "remote"
        src, src_at = (local, local_at) if pick == "local" else (remote, remote_at)
        levels[drill] = src[drill]
        if src_at.get(drill):
            at[drill] = src_at[drill]
    return levels, at


def _cap_items(caps: dict | None) -> dict:
    """Caps as one flat dict: ("max", drill) -> n and ("exclude", drill) -> True."""
    caps = caps or {}
    items = {("max", d): n for d, n in (caps.get("max_level") or {}).items()}
    items.update({("exclude", d): True for d in (caps.get("exclude") or [])})
    return items


def _caps_from(items: dict) -> dict:
    return {"max_level": {d: n for (k, d), n in sorted(items.items()) if k == "max"},
            "exclude": sorted(d for (k, d) in items if k == "exclude")}


def merge_caps(local: dict | None, local_at: str | None, remote: dict | None, remote_at: str | None,
               base: dict | None) -> dict:
    """Three-way merge of caps, per drill: a side that changed a cap since ``base`` wins; both
    changed it, the later (a tie: the clinic)."""
    lo, re_, ba = _cap_items(local), _cap_items(remote), _cap_items(base)
    out = {}
    for key in set(lo) | set(re_) | set(ba):
        lv, rv, bv = lo.get(key), re_.get(key), ba.get(key)
        if lv == rv:
            v = lv
        elif lv == bv:
            v = rv
        elif rv == bv:
            v = lv
        else:
            v = lv if _later(local_at, remote_at) < 0 else rv
        if v is not None:
            out[key] = v
    return _caps_from(out)


def apply_caps(levels: dict, caps: dict | None) -> tuple[dict, list]:
    """Levels lowered to their caps (a clinician's cap always wins); returns (levels, notes)."""
    out, notes = dict(levels), []
    for drill, n in ((caps or {}).get("max_level") or {}).items():
        if drill in out and isinstance(out[drill], int) and out[drill] > n:
            notes.append(f"{drill} level {out[drill]} lowered to the clinician's cap {n}")
            out[drill] = n
    return out, notes


def merge_person(local: dict | None, remote: dict | None, base: dict | None) -> tuple[dict, list]:
    """One person (same ``person_id`` on both sides, either may be missing) → (merged, notes).

    The dicts are person files (``Person.to_dict()``) plus the sync's times: ``levels_at``
    (drill -> ISO time of the level's decision), ``caps_at`` (when the caps last changed) and
    ``changed_at`` (when the profile last changed).
    """
    if local is None and remote is None:
        raise ValueError("merge_person needs at least one side")
    if local is None:
        return dict(remote), []
    if remote is None:
        return dict(local), []
    base = base or {}
    notes: list[str] = []
    merged: dict = {}
    lt, rt = local.get("changed_at"), remote.get("changed_at")
    for key in sorted((set(local) | set(remote)) - set(LEVEL_KEYS)):
        lv, rv, bv = local.get(key), remote.get(key), base.get(key)
        if lv == rv or rv is None and key not in remote:
            merged[key] = lv
        elif lv is None and key not in local:
            merged[key] = rv
        elif lv == bv:
            merged[key] = rv
        elif rv == bv:
            merged[key] = lv
        else:
            win = "mat" if _later(lt, rt) < 0 else "clinic"
            merged[key] = lv if win == "mat" else rv
            notes.append(f"{key}: changed on the mat and at the clinic; the {win}'s later change kept")
    merged["changed_at"] = max(lt or "", rt or "") or None
    caps = merge_caps(local.get("caps"), local.get("caps_at"), remote.get("caps"), remote.get("caps_at"),
                      base.get("caps"))
    levels, at = merge_levels(local.get("levels") or {}, local.get("levels_at") or {},
                              remote.get("levels") or {}, remote.get("levels_at") or {},
                              base.get("levels") or {})
    levels, capped = apply_caps(levels, caps)
    notes += capped
    merged["levels"], merged["levels_at"], merged["caps"] = levels, at, caps
    merged["caps_at"] = max(local.get("caps_at") or "", remote.get("caps_at") or "") or None
    return merged, notes


def _strip(d: dict) -> dict:
    """A person's content, for "do both sides hold the same?": no times, no empty values."""
    d = {k: v for k, v in d.items() if k not in ("changed_at", "levels_at", "caps_at")}
    caps = d.get("caps")
    if caps is not None and not (caps.get("max_level") or caps.get("exclude")):
        d["caps"] = None
    return {k: v for k, v in d.items() if v not in (None, {}, [])}


def same_person(a: dict, b: dict) -> bool:
    """Whether two person dicts hold the same content (times and empty values aside)."""
    return _strip(a) == _strip(b)


def merge_people(local: dict, remote: dict, base: dict) -> Merged:
    """All people: ``local``, ``remote`` and ``base`` map person_id -> person dict.

    Returns the merged people, what each side must write (only what differs from what it has),
    the name clashes (never merged) and notes.
    """
    out = Merged()
    names_here = {}
    for pid, p in local.items():
        names_here.setdefault(p.get("name"), pid)
    for pid in sorted(set(local) | set(remote)):
        lo, re_ = local.get(pid), remote.get(pid)
        if lo is None and pid in base:       # removed on this mat since the last sync: not made again
            out.people[pid] = re_
            out.notes.append(f"{re_.get('name')}: removed on this mat, kept at the clinic")
            continue
        if lo is None:                       # new to this mat: a clash when the name is someone else's
            other = names_here.get(re_.get("name"))
            if other is not None and other != pid:
                out.clashes.append(Clash(re_.get("name"), other, pid))
                continue
            names_here[re_.get("name")] = pid
        merged, notes = merge_person(lo, re_, base.get(pid))
        if lo is not None and re_ is not None and merged.get("name") != lo.get("name"):
            other = names_here.get(merged.get("name"))
            if other is not None and other != pid:   # renamed at the clinic onto a name taken here
                out.clashes.append(Clash(merged.get("name"), other, pid))
                merged["name"] = lo.get("name")
        out.people[pid] = merged
        out.notes += [f"{merged.get('name')}: {n}" for n in notes]
        if lo is None or _strip(merged) != _strip(lo):
            out.to_mat[pid] = merged
        if re_ is None or _strip(merged) != _strip(re_):
            out.to_clinic[pid] = merged
    return out
