"""Numba kernels of ABBA: compression, assignment and reconstruction.

Everything here works on flat float64 buffers with ``offsets`` so that many series of
unequal length are processed by one ``prange`` loop (threads release the GIL).
"""

import numpy as np
from numba import njit, prange


@njit(cache=True, nogil=True)
def _compress_into(x, tol2, max_len, fixed_point, out_len, out_val):
    """Compress one series into pieces written to ``out_len``/``out_val``.

    A piece from index ``s`` to ``e`` (length ``L = e - s``) is accepted while
    ``sum_{j=0..L} (x_s + d*j/L - x_{s+j})**2 <= (L - 1) * tol**2`` with ``d = x_e - x_s``.
    With ``y_j = x_{s+j} - x_s`` the error equals
    ``d**2 (L+1)(2L+1) / (6L) - 2 d/L * sum(j y_j) + sum(y_j**2)``, so two running sums make
    each step O(1) and the whole series O(n).
    Returns the number of pieces written.
    """
    n = x.shape[0]
    count = 0
    start = 0
    x_start = x[0]
    sum_yy = 0.0
    sum_jy = 0.0
    end = 1
    while end < n:
        length = end - start
        y = x[end] - x_start
        new_yy = sum_yy + y * y
        new_jy = sum_jy + length * y
        # a one-step piece is exact by construction; deciding it with floating point
        # arithmetic could reject it and stall the loop
        accept = length == 1
        if not accept and length <= max_len:
            err = y * y * (length + 1) * (2 * length + 1) / (6.0 * length) - 2.0 * y / length * new_jy + new_yy
            accept = err <= (length - 1) * tol2
        if accept:
            sum_yy = new_yy
            sum_jy = new_jy
            end += 1
        else:
            out_len[count] = end - 1 - start
            out_val[count] = x[end - 1] if fixed_point else x[end - 1] - x_start
            count += 1
            start = end - 1
            x_start = x[start]
            sum_yy = 0.0
            sum_jy = 0.0
    out_len[count] = end - 1 - start
    out_val[count] = x[end - 1] if fixed_point else x[end - 1] - x_start
    return count + 1


@njit(cache=True, parallel=True, nogil=True)
def compress_many(flat, offsets, tol, max_len, fixed_point):
    """Compress every series ``flat[offsets[i]:offsets[i+1]]`` in parallel.

    Returns ``(lengths, values, piece_offsets)``; ``values`` are increments, or absolute end
    values when ``fixed_point`` is set.
    """
    n_series = offsets.shape[0] - 1
    total = offsets[n_series] - n_series  # a series of n points has at most n - 1 pieces
    buf_len = np.empty(total, dtype=np.int64)
    buf_val = np.empty(total, dtype=np.float64)
    counts = np.empty(n_series, dtype=np.int64)
    tol2 = tol * tol
    for i in prange(n_series):
        lo = offsets[i]
        hi = offsets[i + 1]
        out_lo = lo - i
        out_hi = hi - i - 1
        counts[i] = _compress_into(
            flat[lo:hi], tol2, max_len, fixed_point, buf_len[out_lo:out_hi], buf_val[out_lo:out_hi]
        )
    piece_offsets = np.zeros(n_series + 1, dtype=np.int64)
    for i in range(n_series):
        piece_offsets[i + 1] = piece_offsets[i] + counts[i]
    lengths = np.empty(piece_offsets[n_series], dtype=np.int64)
    values = np.empty(piece_offsets[n_series], dtype=np.float64)
    for i in prange(n_series):
        src = offsets[i] - i
        dst = piece_offsets[i]
        for j in range(counts[i]):
            lengths[dst + j] = buf_len[src + j]
            values[dst + j] = buf_val[src + j]
    return lengths, values, piece_offsets


@njit(cache=True, nogil=True)
def greedy_aggregate(points, order, projection, alpha):
    """Greedy sorting-based aggregation (fABBA, Algorithm 1 of the LLM-ABBA paper).

    ``order`` sorts the points by ``projection``; as ``|proj_i - proj_j|`` never exceeds
    the Euclidean distance, the scan from a starting point stops at the first point whose
    projection is more than ``alpha`` away. Returns the group label of every point and the
    number of groups.
    """
    n = points.shape[0]
    dim = points.shape[1]
    labels = np.full(n, -1, dtype=np.int64)
    alpha2 = alpha * alpha
    n_groups = 0
    for ii in range(n):
        i = order[ii]
        if labels[i] >= 0:
            continue
        labels[i] = n_groups
        for jj in range(ii + 1, n):
            j = order[jj]
            if projection[j] - projection[i] > alpha:
                break
            if labels[j] >= 0:
                continue
            dist2 = 0.0
            for d in range(dim):
                diff = points[j, d] - points[i, d]
                dist2 += diff * diff
            if dist2 <= alpha2:
                labels[j] = n_groups
        n_groups += 1
    return labels, n_groups


@njit(cache=True, parallel=True, nogil=True)
def nearest_center(points, centers, center_order, center_projection, projection):
    """Index of the nearest centre of every point (ties go to the lower centre index).

    Centres are sorted by their projection on a direction; the search starts at the
    point's projection and widens to both sides until the projection gap alone exceeds the
    best distance found, which is exact because projections never exceed distances.
    """
    n = points.shape[0]
    k = centers.shape[0]
    dim = points.shape[1]
    out = np.empty(n, dtype=np.int64)
    for i in prange(n):
        p = projection[i]
        pos = np.searchsorted(center_projection, p)
        best = np.inf
        best_idx = k
        left = pos - 1
        right = pos
        while left >= 0 or right < k:
            gap_left = p - center_projection[left] if left >= 0 else np.inf
            gap_right = center_projection[right] - p if right < k else np.inf
            if gap_left <= gap_right:
                gap = gap_left
                c = center_order[left]
                left -= 1
            else:
                gap = gap_right
                c = center_order[right]
                right += 1
            if gap * gap > best:
                break
            dist2 = 0.0
            for d in range(dim):
                diff = points[i, d] - centers[c, d]
                dist2 += diff * diff
            if dist2 < best or (dist2 == best and c < best_idx):
                best = dist2
                best_idx = c
        out[i] = best_idx
    return out


@njit(cache=True, nogil=True)
def _reconstruct_into(lengths, values, first, n_out, fixed_point, out):
    """Polygonal chain through the pieces, sampled on ``n_out`` integer time points.

    Piece lengths are real numbers (cluster means). When ``n_out > 0`` they are stretched to
    sum to ``n_out - 1``; the boundaries are the rounded cumulative lengths, so the rounding
    error of one piece is carried into the next and never accumulates.
    """
    m = lengths.shape[0]
    total = 0.0
    for j in range(m):
        total += lengths[j]
    stretch = (n_out - 1) / total if total > 0 else 0.0
    out[0] = first
    cum = 0.0
    t_prev = 0
    v_prev = first
    for j in range(m):
        cum += lengths[j] * stretch
        t_next = int(np.floor(cum + 0.5))
        if j == m - 1:
            t_next = n_out - 1
        v_next = values[j] if fixed_point else v_prev + values[j]
        span = t_next - t_prev
        for t in range(1, span + 1):
            out[t_prev + t] = v_prev + (v_next - v_prev) * t / span
        t_prev = t_next
        v_prev = v_next
    # a symbol sequence with no pieces (or zero total length) holds the first value
    for t in range(t_prev + 1, n_out):
        out[t] = v_prev


@njit(cache=True, parallel=True, nogil=True)
def reconstruct_many(lengths, values, piece_offsets, firsts, n_points, fixed_point):
    """Reconstruct every series; series ``i`` has ``n_points[i]`` values."""
    n_series = firsts.shape[0]
    out_offsets = np.zeros(n_series + 1, dtype=np.int64)
    for i in range(n_series):
        out_offsets[i + 1] = out_offsets[i] + n_points[i]
    out = np.empty(out_offsets[n_series], dtype=np.float64)
    for i in prange(n_series):
        lo = piece_offsets[i]
        hi = piece_offsets[i + 1]
        _reconstruct_into(
            lengths[lo:hi], values[lo:hi], firsts[i], n_points[i], fixed_point,
            out[out_offsets[i]:out_offsets[i + 1]],
        )
    return out, out_offsets
