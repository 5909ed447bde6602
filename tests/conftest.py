"""Shared settings and checks: repeatable property tests; where a figure's text lands once
matplotlib has laid it out."""

from __future__ import annotations

import itertools
import os
import signal
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings
from matplotlib.text import Text

# Property tests draw the same examples on every run, so whether a change lands does not depend
# on luck; `HYPOTHESIS_PROFILE=explore` draws new ones (run it before a release and keep each
# case it finds as an @example).
settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

# Compiled expressions are cached on disk between runs (games.expression_cache); the tests keep
# theirs in a folder of their own, not in the user's cache.
os.environ.setdefault("CHIPDEALS_CACHE_DIR", os.path.join(
    tempfile.gettempdir(), f"chipdeals-test-cache-{os.getuid() if hasattr(os, 'getuid') else 0}"))


#: Tests measured at a second or more (tests/slow_tests.txt): marked slow, so the development
#: loop (-m "not slow") stays near a minute; CI runs every test.
SLOW_TESTS = Path(__file__).with_name("slow_tests.txt")


def slow_entries() -> set[str]:
    """The entries of tests/slow_tests.txt: test functions and whole modules, by node id."""
    lines = (line.split("#", 1)[0].strip() for line in SLOW_TESTS.read_text().splitlines())
    return {line for line in lines if line}


def pytest_collection_modifyitems(config, items):
    entries = slow_entries()
    for item in items:
        if item.nodeid.split("[", 1)[0] in entries or item.nodeid.split("::", 1)[0] in entries:
            item.add_marker(pytest.mark.slow)


class TextLayout:
    """Window extents (pixels) of an Axes' texts after a draw, and checks on them."""

    def __init__(self, ax):
        self.ax = ax
        fig = ax.figure
        fig.canvas.draw()
        self.renderer = fig.canvas.get_renderer()

    def extent(self, text):
        """The drawn box of a text: its bbox patch where it has one, else the glyphs."""
        patch = text.get_bbox_patch()
        box = patch.get_window_extent(self.renderer) if patch is not None else None
        glyphs = Text.get_window_extent(text, self.renderer)  # an annotation's words only
        return glyphs if box is None else box.union([box, glyphs])

    def texts(self, ticks: bool = True):
        found = [t for t in self.ax.texts if t.get_visible() and t.get_text().strip()]
        if ticks:
            found += [t for t in self.ax.get_xticklabels() + self.ax.get_yticklabels()
                      if t.get_visible() and t.get_text().strip()]
        return found

    def overlapping(self, texts=None, pad: float = 0.0):
        """Pairs of texts whose drawn boxes overlap (by more than ``pad`` pixels)."""
        texts = self.texts() if texts is None else texts
        boxes = [self.extent(t).expanded(1, 1).padded(-pad) for t in texts]
        return [(a.get_text(), b.get_text()) for (a, ba), (b, bb) in
                itertools.combinations(zip(texts, boxes), 2) if ba.overlaps(bb)]

    def inside_axes(self, text) -> bool:
        ax_box = self.ax.get_window_extent(self.renderer)
        box = self.extent(text)
        return (box.x0 >= ax_box.x0 - 0.5 and box.x1 <= ax_box.x1 + 0.5
                and box.y0 >= ax_box.y0 - 0.5 and box.y1 <= ax_box.y1 + 0.5)


@pytest.fixture
def layout():
    """``layout(ax)``: a :class:`TextLayout` of the drawn Axes."""
    return TextLayout


@pytest.fixture
def interrupt():
    """Ctrl-C to a command started with ``subprocess.Popen``: ``interrupt(child, ready)`` waits
    for ``ready()`` to return, sends SIGINT and gives the command's (returncode, stderr). The
    command is killed at the end of the test if it is still running, whether it passed or not."""
    started = []

    def send(child, ready):
        started.append(child)
        ready()
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=120)
        return child.returncode, err

    yield send
    for child in started:
        if child.poll() is None:
            child.kill()
            child.wait()
