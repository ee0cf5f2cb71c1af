"""Progress of long steps: plain lines when standard error is not a terminal, a rich bar when it is."""
import io

from trainer.ui.console import Progress


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_plain_lines_at_each_quarter_without_a_terminal():
    s = io.StringIO()
    with Progress("replaying", 100, stream=s) as p:
        for _ in range(100):
            p.advance(1)
    assert s.getvalue().splitlines() == [f"replaying: {q} %" for q in (25, 50, 75, 100)]
    assert "\x1b" not in s.getvalue()


def test_a_bar_on_a_terminal():
    s = _Tty()
    with Progress("bench", 3, stream=s) as p:
        p.advance(1, "machine")
        p.advance(2, "startup")
    assert p.done == 3 and p._bar is not None and p._bar.tasks[0].completed == 3
