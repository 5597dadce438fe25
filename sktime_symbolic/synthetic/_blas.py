"""Single-threaded BLAS for the generators' many small matrix products.

The products are small (1024 x r by r x n); multi-threaded OpenBLAS gains nothing on
them and slows them down several times when the cores are shared with other work
(measured 7x on the project's 2-core machine), so generation runs with one BLAS thread.
"""

from __future__ import annotations

import functools

from threadpoolctl import ThreadpoolController

__all__ = ["single_threaded_blas"]


@functools.lru_cache(maxsize=1)
def _controller() -> ThreadpoolController:
    # building the controller scans the loaded libraries (~1 ms): do it once
    return ThreadpoolController()


def single_threaded_blas():
    """Context manager limiting BLAS to one thread."""
    return _controller().limit(limits=1, user_api="blas")
