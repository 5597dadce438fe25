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
def _aggregate_rows(row_lo, row_hi, nx, ny, start, alive, idx, p0, p1, alpha2, local, owner, stripe):
    """Greedy aggregation of the alive points in grid rows ``row_lo .. row_hi - 1``.

    Cells are visited in row-major order; the first alive point of a cell starts a group
    and takes every alive point within ``sqrt(alpha2)`` from the 3x3 cells around it
    (which may lie one row outside the stripe). Taken points are swapped out of their
    cell's alive range. Returns the number of groups started.
    """
    n_groups = 0
    for g in range(row_lo * nx, row_hi * nx):
        gy = g // nx
        gx = g - gy * nx
        while alive[g] > 0:
            s = start[g]
            c0 = p0[s]
            c1 = p1[s]
            local[idx[s]] = n_groups
            owner[idx[s]] = stripe
            last = s + alive[g] - 1
            idx[s], idx[last] = idx[last], idx[s]
            p0[s], p0[last] = p0[last], p0[s]
            p1[s], p1[last] = p1[last], p1[s]
            alive[g] -= 1
            for hy in range(max(gy - 1, 0), min(gy + 2, ny)):
                for hx in range(max(gx - 1, 0), min(gx + 2, nx)):
                    h = hy * nx + hx
                    j = start[h]
                    while j < start[h] + alive[h]:
                        d0 = p0[j] - c0
                        d1 = p1[j] - c1
                        if d0 * d0 + d1 * d1 <= alpha2:
                            local[idx[j]] = n_groups
                            owner[idx[j]] = stripe
                            last = start[h] + alive[h] - 1
                            idx[j], idx[last] = idx[last], idx[j]
                            p0[j], p0[last] = p0[last], p0[j]
                            p1[j], p1[last] = p1[last], p1[j]
                            alive[h] -= 1
                        else:
                            j += 1
            n_groups += 1
    return n_groups


@njit(cache=True, parallel=True, nogil=True)
def greedy_aggregate(points, alpha, n_stripes):
    """Greedy aggregation (fABBA; Algorithm 1 of the LLM-ABBA paper) over a grid.

    Points are bucketed into square cells of side at least ``alpha`` (larger only where
    that keeps the grid within ``4 n`` cells): a point within ``alpha`` of a starting
    point lies in the 3x3 cells around it, and an O(n) counting sort replaces fABBA's
    full sort. The grid's rows (value axis) are cut into ``n_stripes`` stripes of at
    least two rows holding about equal numbers of points; even stripes are aggregated in
    parallel, then odd ones. Two stripes of one phase are at least two rows apart, so
    they never touch the same cell. The result depends on ``n_stripes`` only, not on
    the number of threads. Returns the group of every point and the number of groups.
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
        cell_of[i] = gy * nx + gx
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
    # stripe boundaries: equal shares of points, at least two rows per stripe
    n_stripes = max(1, min(n_stripes, ny // 2))
    bounds = np.zeros(n_stripes + 1, dtype=np.int64)
    bounds[n_stripes] = ny
    row = 0
    for b in range(1, n_stripes):
        target = n * b // n_stripes
        row = max(row + 2, bounds[b - 1] + 2)
        while row < ny and start[row * nx] < target:
            row += 1
        bounds[b] = min(row, ny - 2 * (n_stripes - b))
    local = np.empty(n, dtype=np.int64)
    owner = np.empty(n, dtype=np.int64)
    groups = np.zeros(n_stripes, dtype=np.int64)
    alpha2 = alpha * alpha
    for phase in range(2):
        for b in prange((n_stripes - phase + 1) // 2):
            stripe = 2 * b + phase
            groups[stripe] = _aggregate_rows(
                bounds[stripe], bounds[stripe + 1], nx, ny, start, alive, idx, p0, p1, alpha2, local, owner, stripe
            )
    # number the groups phase by phase, stripe by stripe
    offset = np.zeros(n_stripes, dtype=np.int64)
    total = 0
    for phase in range(2):
        for stripe in range(phase, n_stripes, 2):
            offset[stripe] = total
            total += groups[stripe]
    for i in prange(n):
        labels[i] = offset[owner[i]] + local[i]
    return labels, total


@njit(cache=True, nogil=True)
def _update_cell(c0, c1, lo, hi, q0, q1, d2, cell, cmax, csum):
    """Lower the squared distances of a cell's points to a new centre; refresh its max/sum."""
    m = 0.0
    t = 0.0
    for i in range(lo, hi):
        a = q0[i] - c0
        b = q1[i] - c1
        d = a * a + b * b
        if d < d2[i]:
            d2[i] = d
        m = max(m, d2[i])
        t += d2[i]
    cmax[cell] = m
    csum[cell] = t


@njit(cache=True, nogil=True)
def kmeans_plus_plus(points, k, uniforms):
    """k-means++ seeding of 2D points with the given uniform draws (``k`` of them).

    Each new centre is drawn with probability proportional to the squared distance to
    the nearest centre chosen so far. Points are bucketed into a grid of about 32 points
    a cell that keeps each cell's largest and summed squared distance: a new centre only
    visits the cells it can improve (searching outwards until the ring's distance exceeds
    the largest squared distance left), and the draw walks the cell sums, then one cell.
    Returns the centres (fewer than ``k`` when every point already is a centre).
    """
    n = points.shape[0]
    lo0 = points[0, 0]
    lo1 = points[0, 1]
    hi0 = lo0
    hi1 = lo1
    for i in range(1, n):
        lo0 = min(lo0, points[i, 0])
        hi0 = max(hi0, points[i, 0])
        lo1 = min(lo1, points[i, 1])
        hi1 = max(hi1, points[i, 1])
    target_cells = max(1.0, n / 32.0)
    h = max(np.sqrt((hi0 - lo0) * (hi1 - lo1) / target_cells), max(hi0 - lo0, hi1 - lo1) / target_cells, 1e-300)
    nx = int((hi0 - lo0) / h) + 1
    ny = int((hi1 - lo1) / h) + 1
    n_cells = nx * ny
    cell_of = np.empty(n, dtype=np.int64)
    start = np.zeros(n_cells + 1, dtype=np.int64)
    for i in range(n):
        gx = min(int((points[i, 0] - lo0) / h), nx - 1)
        gy = min(int((points[i, 1] - lo1) / h), ny - 1)
        cell_of[i] = gx * ny + gy
        start[cell_of[i] + 1] += 1
    for g in range(n_cells):
        start[g + 1] += start[g]
    fill = start[:-1].copy()
    q0 = np.empty(n)
    q1 = np.empty(n)
    for i in range(n):
        s = fill[cell_of[i]]
        q0[s] = points[i, 0]
        q1[s] = points[i, 1]
        fill[cell_of[i]] += 1
    d2 = np.full(n, np.inf)
    cmax = np.full(n_cells, np.inf)
    csum = np.zeros(n_cells)
    centers = np.empty((k, 2))
    pick = min(int(uniforms[0] * n), n - 1)
    for c in range(k):
        c0 = q0[pick]
        c1 = q1[pick]
        centers[c, 0] = c0
        centers[c, 1] = c1
        if c == 0:
            for g in range(n_cells):
                _update_cell(c0, c1, start[g], start[g + 1], q0, q1, d2, g, cmax, csum)
        else:
            gmax = 0.0
            for g in range(n_cells):
                if start[g + 1] > start[g]:
                    gmax = max(gmax, cmax[g])
            gx = min(int((c0 - lo0) / h), nx - 1)
            gy = min(int((c1 - lo1) / h), ny - 1)
            r = 0
            while True:
                for ix in range(max(gx - r, 0), min(gx + r, nx - 1) + 1):
                    edge = ix == gx - r or ix == gx + r
                    iy = gy - r
                    while iy <= gy + r:
                        if 0 <= iy < ny:
                            g = ix * ny + iy
                            if start[g + 1] > start[g]:
                                # distance from the centre to the cell's rectangle
                                dx = max(lo0 + ix * h - c0, c0 - (lo0 + (ix + 1) * h), 0.0)
                                dy = max(lo1 + iy * h - c1, c1 - (lo1 + (iy + 1) * h), 0.0)
                                if dx * dx + dy * dy < cmax[g]:
                                    _update_cell(c0, c1, start[g], start[g + 1], q0, q1, d2, g, cmax, csum)
                        iy += 1 if edge else 2 * r
                if (r * h) * (r * h) >= gmax or (r > nx and r > ny):
                    break
                r += 1
        if c + 1 == k:
            break
        total = 0.0
        for g in range(n_cells):
            total += csum[g]
        if total <= 0.0:
            return centers[: c + 1]
        goal = uniforms[c + 1] * total
        acc = 0.0
        chosen = -1
        for g in range(n_cells):
            if csum[g] > 0.0:
                chosen = g
                if acc + csum[g] >= goal:
                    break
                acc += csum[g]
        pick = start[chosen + 1] - 1
        for i in range(start[chosen], start[chosen + 1]):
            if d2[i] > 0.0:
                acc += d2[i]
                pick = i
                if acc >= goal:
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
def nearest_center(points, centers, origin, cell, shape, starts, members, hint):
    """Index of the nearest centre of every 2D point (ties go to the lower index).

    Rings of grid cells around the point's cell are searched outwards; after ring ``r``
    every unvisited centre is farther than ``r * cell``, so the search stops once the best
    distance is below that. ``hint`` (empty, or a guess per point such as the previous
    label in Lloyd's iterations) seeds the best distance, which only prunes the search:
    the result is exact either way.
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
        if hint.shape[0] > 0:
            best_idx = hint[i]
            d0 = px - centers[best_idx, 0]
            d1 = py - centers[best_idx, 1]
            best = d0 * d0 + d1 * d1
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
