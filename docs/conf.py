"""Sphinx configuration for the chipdeals documentation.

Build (from the repository root, as the README says):

    pip install ".[docs]" && sphinx-build -W -b html docs docs/_build/html

Warnings are errors. Notebooks are executed at build time (they are committed without outputs);
``{doctest}`` blocks on every page run with ``sphinx-build -b doctest``; shell examples run
through ``sphinxcontrib.programoutput`` at build time, so an example that fails fails the build.
The command-line and API reference pages are generated from the parser and from ``__all__``
(``docs/_ext/reference_pages.py``), so they cannot drift from the code.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE / "_ext"))
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("COLUMNS", "80")

project = "chipdeals"
author = "the chipdeals engineers"
copyright = "2026, the chipdeals engineers"

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.doctest",
    "sphinx.ext.intersphinx",
    "sphinxcontrib.programoutput",
    "reference_pages",
]

source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "**/.ipynb_checkpoints", "notebooks/*-solutions.ipynb", "README.md"]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# Notebooks run at build time, from a clean kernel; an error in a cell fails the build.
nb_execution_mode = "force"
nb_execution_timeout = 300
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True
# Offline, no page loads a script from a CDN (tests/test_offline_pages.py): the notebook widgets
# show their still (deals.views.still: the sliders, the verdict and the chart as HTML with no
# script) instead of the embedded widget view, whose scripts myst-nb would take from CDNs.
nb_ipywidgets_js = {}
nb_mime_priority_overrides = [(builder, "application/vnd.jupyter.widget-view+json", None)
                              for builder in ("html", "dirhtml", "singlehtml")]

autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": False}
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_preserve_defaults = True
napoleon_google_docstring = False
napoleon_numpy_docstring = True

intersphinx_mapping = {}
nitpicky = False
suppress_warnings = ["myst.header", "mystnb.unknown_mime_type", "config.cache"]

doctest_global_setup = "import numpy as np\nimport games, deals"
# Only the pages' own {doctest} blocks: the API docstrings' examples run under
# ``pytest --doctest-modules`` in their modules' namespaces.
doctest_test_doctest_blocks = ""

html_theme = "furo"
html_title = "chipdeals"
html_static_path = ["_static"]
html_css_files = ["chipdeals.css"]
