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
            # the error bound multiplied through by 6L, which keeps divisions out of the loop
            err6l = y * y * (length + 1) * (2 * length + 1) - 12.0 * y * new_jy + 6.0 * length * new_yy
            accept = err6l <= 6.0 * length * (length - 1) * tol2
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
def greedy_aggregate(points, alpha):
    """Greedy aggregation (fABBA; Algorithm 1 of the LLM-ABBA paper) over a grid.

    Points are bucketed into square cells of side at least ``alpha`` (larger only where
    that keeps the grid within ``4 n`` cells) and visited in
    row-major cell order (an O(n) counting sort instead of fABBA's full sort). Each
    unassigned point starts a group and takes every unassigned point within distance
    ``alpha``; such points can only lie in the 3x3 cells around it, and assigned points
    are swapped out of their cell's list so they are never scanned again.
    Returns the group of every point and the number of groups.
    """
    n = points.shape[0]
    labels = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return labels, 0
    lo0 = points[0, 0]
    lo1 = points[0, 1]
    hi0 = lo0
    hi1 = lo1
    for i in range(1, n):
        lo0 = min(lo0, points[i, 0])
        hi0 = max(hi0, points[i, 0])
        lo1 = min(lo1, points[i, 1])
        hi1 = max(hi1, points[i, 1])
    max_cells = 4.0 * n
    cell = max(alpha, np.sqrt((hi0 - lo0) * (hi1 - lo1) / max_cells), max(hi0 - lo0, hi1 - lo1) / max_cells, 1e-300)
    nx = int((hi0 - lo0) / cell) + 1
    ny = int((hi1 - lo1) / cell) + 1
    cell_of = np.empty(n, dtype=np.int64)
    start = np.zeros(nx * ny + 1, dtype=np.int64)
    for i in range(n):
        gx = min(int((points[i, 0] - lo0) / cell), nx - 1)
        gy = min(int((points[i, 1] - lo1) / cell), ny - 1)
        cell_of[i] = gx * ny + gy
        start[cell_of[i] + 1] += 1
    for g in range(nx * ny):
        start[g + 1] += start[g]
    alive = np.zeros(nx * ny, dtype=np.int64)
    idx = np.empty(n, dtype=np.int64)
    p0 = np.empty(n)
    p1 = np.empty(n)
    for i in range(n):  # stable: within a cell, points keep their index order
        g = cell_of[i]
        s = start[g] + alive[g]
        idx[s] = i
        p0[s] = points[i, 0]
        p1[s] = points[i, 1]
        alive[g] += 1
    alpha2 = alpha * alpha
    n_groups = 0
    for g in range(nx * ny):
        gx = g // ny
        gy = g - gx * ny
        while alive[g] > 0:
            # the first alive point of the cell starts a group; remove it from the cell
            s = start[g]
            c0 = p0[s]
            c1 = p1[s]
            labels[idx[s]] = n_groups
            last = s + alive[g] - 1
            idx[s], idx[last] = idx[last], idx[s]
            p0[s], p0[last] = p0[last], p0[s]
            p1[s], p1[last] = p1[last], p1[s]
            alive[g] -= 1
            for hx in range(max(gx - 1, 0), min(gx + 2, nx)):
                for hy in range(max(gy - 1, 0), min(gy + 2, ny)):
                    h = hx * ny + hy
                    j = start[h]
                    while j < start[h] + alive[h]:
                        d0 = p0[j] - c0
                        d1 = p1[j] - c1
                        if d0 * d0 + d1 * d1 <= alpha2:
                            labels[idx[j]] = n_groups
                            last = start[h] + alive[h] - 1
                            idx[j], idx[last] = idx[last], idx[j]
                            p0[j], p0[last] = p0[last], p0[j]
                            p1[j], p1[last] = p1[last], p1[j]
                            alive[h] -= 1
                        else:
                            j += 1
            n_groups += 1
    return labels, n_groups


@njit(cache=True, nogil=True)
def kmeans_plus_plus(points, k, uniforms):
    """k-means++ seeding of 2D points with the given uniform draws (``k`` of them).

    Each new centre is drawn with probability proportional to the squared distance to
    the nearest centre chosen so far. Serial on purpose: it is ``k`` short passes, and
    starting a parallel region per pass costs more than the pass. Stops early when
    every point coincides with a centre (fewer distinct points than ``k``).
    """
    n = points.shape[0]
    centers = np.empty((k, 2))
    d2 = np.full(n, np.inf)
    pick = min(int(uniforms[0] * n), n - 1)
    for c in range(k):
        c0 = points[pick, 0]
        c1 = points[pick, 1]
        centers[c, 0] = c0
        centers[c, 1] = c1
        total = 0.0
        for i in range(n):
            a = points[i, 0] - c0
            b = points[i, 1] - c1
            d = a * a + b * b
            if d < d2[i]:
                d2[i] = d
            total += d2[i]
        if c + 1 == k:
            break
        if total <= 0.0:
            return centers[: c + 1]
        target = uniforms[c + 1] * total
        acc = 0.0
        pick = n - 1
        for i in range(n):
            acc += d2[i]
            if acc >= target and d2[i] > 0.0:
                pick = i
                break
    return centers


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
def _reconstruct_into(lengths, values, first, n_out, fixed_point, loc, scale, out):
    """Polygonal chain through the pieces, sampled on ``n_out`` integer time points.

    Piece lengths are real numbers (cluster means). When ``n_out > 0`` they are stretched to
    sum to ``n_out - 1``; the boundaries are the rounded cumulative lengths, so the rounding
    error of one piece is carried into the next and never accumulates. The output is
    un-normalised (``z * scale + loc``).
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
    for t in range(n_out):
        out[t] = out[t] * scale + loc


@njit(cache=True, parallel=True, nogil=True)
def reconstruct_many(lengths, values, piece_offsets, firsts, n_points, fixed_point, loc, scale):
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
            lengths[lo:hi], values[lo:hi], firsts[i], n_points[i], fixed_point, loc[i], scale[i],
            out[out_offsets[i]:out_offsets[i + 1]],
        )
    return out, out_offsets
