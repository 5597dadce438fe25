"""ABBA / fABBA / JABBA symbolic approximation; framework-free (numba, numpy, scikit-learn)."""

from sktime_symbolic.abba.digitization import auto_alpha
from sktime_symbolic.abba.jabba import ABBA, JABBA, Pieces, SymbolicRepresentation, compress
from sktime_symbolic.abba.plotting import plot_abba
from sktime_symbolic.abba.symbols import default_alphabet

__all__ = [
    "ABBA",
    "JABBA",
    "Pieces",
    "SymbolicRepresentation",
    "auto_alpha",
    "compress",
    "default_alphabet",
    "plot_abba",
]
