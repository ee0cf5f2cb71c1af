"""footmat template: a printable 1:1 sensor-placement template of the layout.

The output is a derived file, so an existing one is replaced (atomically): after editing a layout
you simply print its template again.
"""
from __future__ import annotations

from pathlib import Path

from firmware.errors import UsageError

from .common import add_json_option, add_layout_option, print_json, say

PAPERS = ("a4", "letter", "a3")


def add_arguments(p):
    add_layout_option(p)
    p.add_argument("--out", metavar="FILE", required=True,
                   help="F.svg (one sheet at true size) or F.pdf (pages, tiled when the mat is larger)")
    p.add_argument("--paper", choices=PAPERS, default="a4", help="PDF paper size (default a4)")
    add_json_option(p)


def run(args) -> int:
    # here, not at the top: `footmat --help` imports this module (tomllib, numpy)
    from firmware.layout import load_layout
    from trainer.maker.template import write_template

    out = Path(args.out)
    if out.suffix.lower() not in (".svg", ".pdf"):
        raise UsageError(f"--out {args.out!r} is neither .svg nor .pdf", "e.g. --out template.pdf (or template.svg)")
    if out.is_dir():
        raise UsageError(f"--out {args.out!r} is a folder", "give a file name ending in .pdf or .svg")
    layout = load_layout(args.layout)
    summary = write_template(layout, out, args.paper)
    if args.json:
        print_json(summary)
    size = f"{summary['width_mm']:.0f} x {summary['height_mm']:.0f} mm"
    if summary["format"] == "svg":
        say(f"wrote {out}: template of {layout.name}, one sheet of {size} at true size (1 unit = 1 mm)")
        if args.paper != "a4":
            say("note: --paper only applies to PDF output")
    else:
        pages = summary["pages"]
        tiling = (f"{pages} {args.paper.upper()} {summary['orientation']} sheets "
                  f"({summary['cols']} across x {summary['rows']} up)" if pages > 1
                  else f"one {args.paper.upper()} {summary['orientation']} sheet")
        say(f"wrote {out}: template of {layout.name} ({size}) on {tiling}")
        say("print at 100 % (Actual size, no 'fit to page'), then check that the scale bar"
            f"{' on sheet 1' if pages > 1 else ''} measures 100 mm")
    return 0
