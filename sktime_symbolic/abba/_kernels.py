"""Numba kernels of ABBA: compression, assignment and reconstruction.

Everything here works on flat float64 buffers with ``offsets`` so that many series of
unequal length are processed by one ``prange`` loop (threads release the GIL).
"""

import numpy as np
from numba import njit, prange


@njit(cache=True, nogil=True)
def _compress_into(x, loc, scale, tol2, max_len, fixed_point, out_len, out_val):
    """Compress one series into pieces written to ``out_len``/``out_val``.

    A piece from index ``s`` to ``e`` (length ``L = e - s``) is accepted while
    ``sum_{j=0..L} (x_s + d*j/L - x_{s+j})**2 <= (L - 1) * tol**2`` with ``d = x_e - x_s``.
    With ``y_j = x_{s+j} - x_s`` the error equals
    ``d**2 (L+1)(2L+1) / (6L) - 2 d/L * sum(j y_j) + sum(y_j**2)``, so two running sums make
    each step O(1) and the whole series O(n).
    The series is compressed as ``(x - loc) / scale``.
    Returns the number of pieces written.
    """
    n = x.shape[0]
    inv = 1.0 / scale
    count = 0
    start = 0
    x_start = (x[0] - loc) * inv
    sum_yy = 0.0
    sum_jy = 0.0
    end = 1
    while end < n:
        length = end - start
        y = (x[end] - loc) * inv - x_start
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
            x_prev = (x[end - 1] - loc) * inv
            out_len[count] = end - 1 - start
            out_val[count] = x_prev if fixed_point else x_prev - x_start
            count += 1
            start = end - 1
            x_start = x_prev
            sum_yy = 0.0
            sum_jy = 0.0
    x_last = (x[n - 1] - loc) * inv
    out_len[count] = end - 1 - start
    out_val[count] = x_last if fixed_point else x_last - x_start
    return count + 1


@njit(cache=True, nogil=True)
def _mean_std(x):
    mean = 0.0
    for v in x:
        mean += v
    mean /= x.shape[0]
    var = 0.0
    for v in x:
        var += (v - mean) * (v - mean)
    return mean, np.sqrt(var / x.shape[0])


@njit(cache=True, parallel=True, nogil=True)
def compress_many(flat, offsets, tol, max_len, fixed_point, normalize, std_floor):
    """Compress every series ``flat[offsets[i]:offsets[i+1]]`` in parallel.

    With ``normalize`` each series is z-normalised first; a series whose standard
    deviation is below ``std_floor * max(1, |mean|)`` counts as constant and is only
    centred. Returns ``(lengths, values, piece_offsets, loc, scale)``; ``values`` are
    increments, or absolute end values (normalised) when ``fixed_point`` is set.
    """
    n_series = offsets.shape[0] - 1
    total = offsets[n_series] - n_series  # a series of n points has at most n - 1 pieces
    buf_len = np.empty(total, dtype=np.int64)
    buf_val = np.empty(total, dtype=np.float64)
    counts = np.empty(n_series, dtype=np.int64)
    loc = np.zeros(n_series)
    scale = np.ones(n_series)
    tol2 = tol * tol
    for i in prange(n_series):
        lo = offsets[i]
        hi = offsets[i + 1]
        if normalize:
            mean, std = _mean_std(flat[lo:hi])
            loc[i] = mean
            if std > std_floor * max(1.0, abs(mean)):
                scale[i] = std
        out_lo = lo - i
        out_hi = hi - i - 1
        counts[i] = _compress_into(
            flat[lo:hi], loc[i], scale[i], tol2, max_len, fixed_point,
            buf_len[out_lo:out_hi], buf_val[out_lo:out_hi],
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
    return lengths, values, piece_offsets, loc, scale


@njit(cache=True, nogil=True)
def principal_projection(points):
    """Projection of 2D points on their direction of largest variance (sign fixed)."""
    n = points.shape[0]
    m0 = 0.0
    m1 = 0.0
    for i in range(n):
        m0 += points[i, 0]
        m1 += points[i, 1]
    m0 /= n
    m1 /= n
    c00 = 0.0
    c01 = 0.0
    c11 = 0.0
    for i in range(n):
        d0 = points[i, 0] - m0
        d1 = points[i, 1] - m1
        c00 += d0 * d0
        c01 += d0 * d1
        c11 += d1 * d1
    # leading eigenvector of [[c00, c01], [c01, c11]]
    half_gap = 0.5 * (c00 - c11)
    lam = 0.5 * (c00 + c11) + np.sqrt(half_gap * half_gap + c01 * c01)
    if abs(c01) > 0.0:
        v0 = lam - c11
        v1 = c01
    elif c00 >= c11:
        v0 = 1.0
        v1 = 0.0
    else:
        v0 = 0.0
        v1 = 1.0
    norm = np.sqrt(v0 * v0 + v1 * v1)
    v0 /= norm
    v1 /= norm
    if abs(v1) > abs(v0) and v1 < 0 or abs(v0) >= abs(v1) and v0 < 0:
        v0 = -v0
        v1 = -v1
    out = np.empty(n)
    for i in range(n):
        out[i] = points[i, 0] * v0 + points[i, 1] * v1
    return out


@njit(cache=True, nogil=True)
def greedy_aggregate(points, alpha):
    """Greedy sorting-based aggregation (fABBA; Algorithm 1 of the LLM-ABBA paper).

    Points are ordered by their projection on the principal direction, bucketed in
    slabs of width ``alpha`` (an O(n) counting sort instead of a full sort). Each
    unassigned point in that order starts a group and takes every unassigned point
    within distance ``alpha``; as a projection gap never exceeds the distance, only its
    own slab and the next one can hold such points (earlier slabs are all assigned).
    Returns the group of every point and the number of groups.
    """
    n = points.shape[0]
    labels = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return labels, 0
    projection = principal_projection(points)
    lo = projection.min()
    span = projection.max() - lo
    width = max(alpha, span / n)
    if width <= 0.0:
        width = 1.0
    n_buckets = int(span / width) + 1
    reach = 1 if alpha > 0.0 else 0
    bucket = np.empty(n, dtype=np.int64)
    bucket_end = np.zeros(n_buckets + 1, dtype=np.int64)
    for i in range(n):
        bucket[i] = min(int((projection[i] - lo) / width), n_buckets - 1)
        bucket_end[bucket[i] + 1] += 1
    for b in range(n_buckets):
        bucket_end[b + 1] += bucket_end[b]
    fill = bucket_end[:-1].copy()
    order = np.empty(n, dtype=np.int64)
    for i in range(n):  # stable: ties keep index order
        order[fill[bucket[i]]] = i
        fill[bucket[i]] += 1
    sorted_pts = np.empty((n, 2))
    sorted_proj = np.empty(n)
    for s in range(n):
        sorted_pts[s, 0] = points[order[s], 0]
        sorted_pts[s, 1] = points[order[s], 1]
        sorted_proj[s] = projection[order[s]]
    sorted_labels = np.full(n, -1, dtype=np.int64)
    alpha2 = alpha * alpha
    n_groups = 0
    for i in range(n):
        if sorted_labels[i] >= 0:
            continue
        sorted_labels[i] = n_groups
        p0 = sorted_pts[i, 0]
        p1 = sorted_pts[i, 1]
        q = sorted_proj[i]
        stop = bucket_end[min(bucket[order[i]] + reach + 1, n_buckets)]
        for j in range(i + 1, stop):
            if sorted_labels[j] >= 0 or abs(sorted_proj[j] - q) > alpha:
                continue
            d0 = sorted_pts[j, 0] - p0
            d1 = sorted_pts[j, 1] - p1
            if d0 * d0 + d1 * d1 <= alpha2:
                sorted_labels[j] = n_groups
        n_groups += 1
    for s in range(n):
        labels[order[s]] = sorted_labels[s]
    return labels, n_groups


@njit(cache=True, nogil=True)
def build_grid(centers, origin, cell, shape):
    """Bucket 2D centres into a regular grid (CSR layout: ``starts``, ``members``)."""
    k = centers.shape[0]
    n_cells = shape[0] * shape[1]
    cell_of = np.empty(k, dtype=np.int64)
    counts = np.zeros(n_cells + 1, dtype=np.int64)
    for c in range(k):
        gx = min(max(int((centers[c, 0] - origin[0]) / cell), 0), shape[0] - 1)
        gy = min(max(int((centers[c, 1] - origin[1]) / cell), 0), shape[1] - 1)
        cell_of[c] = gx * shape[1] + gy
        counts[cell_of[c] + 1] += 1
    starts = np.cumsum(counts)
    fill = starts[:-1].copy()
    members = np.empty(k, dtype=np.int64)
    for c in range(k):  # in index order, so members of a cell are sorted by index
        members[fill[cell_of[c]]] = c
        fill[cell_of[c]] += 1
    return starts, members


@njit(cache=True, parallel=True, nogil=True)
def nearest_center(points, centers, origin, cell, shape, starts, members):
    """Index of the nearest centre of every 2D point (ties go to the lower index).

    Rings of grid cells around the point's cell are searched outwards; after ring ``r``
    every unvisited centre is farther than ``r * cell``, so the search stops once the best
    distance is below that.
    """
    n = points.shape[0]
    out = np.empty(n, dtype=np.int64)
    nx = shape[0]
    ny = shape[1]
    for i in prange(n):
        px = points[i, 0]
        py = points[i, 1]
        gx = min(max(int((px - origin[0]) / cell), 0), nx - 1)
        gy = min(max(int((py - origin[1]) / cell), 0), ny - 1)
        best = np.inf
        best_idx = -1
        r = 0
        while True:
            for ix in range(gx - r, gx + r + 1):
                if ix < 0 or ix >= nx:
                    continue
                on_edge_x = ix == gx - r or ix == gx + r
                step = 1 if on_edge_x else 2 * r
                iy = gy - r
                while iy <= gy + r:
                    if 0 <= iy < ny:
                        g = ix * ny + iy
                        for m in range(starts[g], starts[g + 1]):
                            c = members[m]
                            d0 = px - centers[c, 0]
                            d1 = py - centers[c, 1]
                            dist2 = d0 * d0 + d1 * d1
                            if dist2 < best or (dist2 == best and c < best_idx):
                                best = dist2
                                best_idx = c
                    iy += step
            if best_idx >= 0 and best < (r * cell) * (r * cell):
                break
            if r > nx and r > ny:
                break
            r += 1
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
