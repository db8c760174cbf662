"""reviewkit: models, algorithms and experiments behind the review-sheet site.

Import the module that matches the question, for example
``from reviewkit import rnn`` or ``from reviewkit.beam import beam_search``.
Nothing heavy runs at import time.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
