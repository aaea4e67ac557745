"""Tools for developing searchkit, not part of the installed package: evaluation metrics for the scripts under ``scripts/``.

Scripts put the repository root on ``sys.path`` and import ``devtools.evaluation``; the tests import it the same way.
"""
