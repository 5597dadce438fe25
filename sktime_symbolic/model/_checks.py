"""Input checks of the model and its sktime and GluonTS adapters: the project's shared checks
(:mod:`sktime_symbolic._validation`), so that the same bad input gets the same message whichever
way it comes in."""

from sktime_symbolic._validation import check_positive_int, check_positive_number, check_series

__all__ = ["check_positive_int", "check_positive_number", "check_series"]
