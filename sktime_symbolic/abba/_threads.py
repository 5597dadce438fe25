"""How many threads numba's parallel loops may use for a given amount of work."""

from contextlib import contextmanager

import numba

# points (pieces) below which a second thread costs more than it saves
MIN_POINTS_PER_THREAD = 20_000


@contextmanager
def numba_threads(n_jobs, work, min_work_per_thread):
    """Run numba's parallel loops on up to ``n_jobs`` threads (None or -1: all cores),
    one thread per ``min_work_per_thread`` units of ``work``: waking idle threads costs
    more than small jobs take, especially on a busy machine."""
    previous = numba.get_num_threads()
    limit = numba.config.NUMBA_NUM_THREADS if n_jobs in (None, -1) else min(n_jobs, numba.config.NUMBA_NUM_THREADS)
    numba.set_num_threads(max(1, min(limit, int(work // min_work_per_thread))))
    try:
        yield
    finally:
        numba.set_num_threads(previous)
