"""Sphinx configuration for the reviewkit site.

Build with ``sphinx-build -n -W --keep-going -c . docs build/html`` (or
``nox -s docs``). Everything here works with no network.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "docs" / "_ext"))

from reviewkit_sphinx import source_hash, write_inventories  # noqa: E402

import reviewkit  # noqa: E402

project = "reviewkit"
author = "The reviewkit team"
copyright = "2026, the reviewkit team"
release = reviewkit.__version__

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx_autodoc_typehints",
    "sphinx_copybutton",
    "sphinx_design",
    "sphinx-mathjax-offline",
    "sphinxcontrib.bibtex",
    "reviewkit_sphinx",
    "reviewkit_icons",  # only the icons the site uses, not all of Font Awesome
    "reviewkit_a11y",  # names the sidebar's fold toggles for screen readers
    "beam_stepper",  # the in-browser beam-search stepper (docs/_ext)
    "reviewkit_questions",  # questions, self-checks and verdicts from docs/_questions
]

exclude_patterns = ["_ext", "_questions", "inventories", "**.ipynb_checkpoints"]
templates_path = ["docs/_templates"]
nitpicky = True
suppress_warnings: list[str] = []

# -- MyST and notebook execution ---------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

# The execution cache lives next to the output folder, in a subfolder named
# after a hash of reviewkit's code (docs/_ext/reviewkit_sphinx.py sets it), so
# editing the library re-executes every page: myst-nb alone keys its cache on
# cell source only. The same hash as a config value makes Sphinx re-read pages.
reviewkit_source_hash = source_hash(ROOT)
nb_execution_mode = "cache"
nb_execution_timeout = 600
nb_execution_raise_on_error = True  # a cell that raises fails the build
nb_execution_show_tb = True
nb_output_stderr = "warn"  # stray warnings in a cell fail the -W build
nb_merge_streams = True
nb_ipywidgets_js: dict[str, dict[str, str]] = {}  # no CDN scripts in the site
# No default alt text: every figure describes itself (cell metadata
# mystnb.image.alt or a caption), and tests/browser/test_accessibility.py fails
# on a figure without one, which then shows its file name instead.

# -- Citations (sphinxcontrib-bibtex): {footcite:t}`key` / {footcite:p}`key` in
# the prose, a ```{footbibliography}``` block under "## References" per page.
bibtex_bibfiles = ["docs/references.bib"]  # relative to this file (the conf dir)
bibtex_default_style = "plain"
bibtex_reference_style = "author_year"
bibtex_foot_reference_style = "foot"  # numbered footnotes, listed per page

# -- API reference -----------------------------------------------------------
autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_class_signature = "separated"
autodoc_inherit_docstrings = False
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
typehints_use_signature = False
typehints_use_signature_return = False
typehints_document_rtype = True
always_document_param_types = True
typehints_defaults = "comma"

# Intersphinx from small local inventories (docs/inventories/*.txt): no fetches.
_INVENTORY_URLS = {
    "python": "https://docs.python.org/3/",
    "torch": "https://docs.pytorch.org/docs/stable/",
    "numpy": "https://numpy.org/doc/stable/",
    "matplotlib": "https://matplotlib.org/stable/",
    "sklearn": "https://scikit-learn.org/stable/",
}
_inventories = write_inventories(
    ROOT / "docs" / "inventories", ROOT / "build" / "inventories"
)
intersphinx_mapping = {
    name: (_INVENTORY_URLS[name], str(path)) for name, path in _inventories.items()
}
intersphinx_timeout = 1

# -- Copy buttons: code only, never prompts or outputs -----------------------
copybutton_selector = (
    "div.cell_input div.highlight pre, div.highlight-python div.highlight pre, "
    "div.highlight-bash div.highlight pre, div.highlight-console div.highlight pre"
)
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = False

# -- HTML --------------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_title = "reviewkit"
html_favicon = "docs/_static/favicon.svg"
html_static_path = ["docs/_static"]
html_css_files = ["reviewkit.css"]
html_js_files: list[str] = []
html_last_updated_fmt = None
html_show_sourcelink = True
# An empty mode makes the theme log a console error on first load.
html_context = {"default_mode": "auto"}
html_theme_options = {
    "use_download_button": True,
    "use_fullscreen_button": False,
    "use_source_button": False,
    "show_toc_level": 2,
    "navigation_with_keys": False,
}
