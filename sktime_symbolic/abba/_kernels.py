"""Numba kernels of ABBA: compression, assignment and reconstruction.

Everything here works on flat float64 buffers with ``offsets`` so that many series of
unequal length are processed by one ``prange`` loop (threads release the GIL).
"""

import math

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
def _mean_std(x, peak):
    """Mean and standard deviation of ``x``, whose largest magnitude is ``peak``.

    Computed on ``x`` times a power of two that brings ``peak`` near 1: scaling by a power
    of two is exact, so the result is the plain formula's wherever that does not overflow
    or underflow, and finite for any finite ``x`` (squares of 1e154 would overflow).
    """
    # the exponent is clamped so that the factor and its inverse are normal numbers
    e = min(max(math.frexp(peak)[1], -1000), 1000) if peak > 0.0 else 0
    inv = math.ldexp(1.0, -e)
    mean = 0.0
    for v in x:
        mean += v * inv
    mean /= x.shape[0]
    var = 0.0
    for v in x:
        d = v * inv - mean
        var += d * d
    return math.ldexp(mean, e), math.ldexp(np.sqrt(var / x.shape[0]), e)


@njit(cache=True, parallel=True, nogil=True)
def compress_many(flat, offsets, tol, max_len, fixed_point, normalize, std_floor, n_blocks):
    """Compress every series ``flat[offsets[i]:offsets[i+1]]``, ``n_blocks`` blocks of
    consecutive series in parallel.

    With ``normalize`` each series is z-normalised first; a series whose standard
    deviation is at most ``std_floor`` times its largest magnitude counts as constant and is
    only centred (a relative floor: the decision does not change when the series is
    multiplied by any factor). Returns ``(lengths, values, piece_offsets, loc, scale,
    moments, bad, peak)``;
    ``values`` are increments, or absolute end values (normalised) when ``fixed_point`` is
    set; ``moments`` are the sums of length, length**2, value and value**2 over all pieces
    (summed per series, then in series order, so they do not depend on ``n_blocks``);
    ``bad[i]`` is the position of the first NaN or inf of series ``i``, or -1; ``peak[i]``
    its largest magnitude (up to its first NaN or inf).

    Each block writes its pieces one after another from the start of its share of the
    output (a series of n points has at most n - 1 pieces), then the blocks slide down
    next to each other: fresh memory is touched only where pieces land, which matters as
    first-touch page faults cost more than the compression itself.
    """
    n_series = offsets.shape[0] - 1
    capacity = offsets[n_series] - n_series
    lengths = np.empty(capacity, dtype=np.int64)
    values = np.empty(capacity, dtype=np.float64)
    counts = np.empty(n_series, dtype=np.int64)
    loc = np.zeros(n_series)
    scale = np.ones(n_series)
    bad = np.full(n_series, -1, dtype=np.int64)
    peak = np.zeros(n_series)
    per_series = np.zeros((n_series, 4))
    tol2 = tol * tol
    # blocks hold about equal numbers of points
    n_blocks = max(1, min(n_blocks, n_series))
    first = np.empty(n_blocks + 1, dtype=np.int64)
    for b in range(n_blocks + 1):
        first[b] = np.searchsorted(offsets[:-1], offsets[n_series] * b // n_blocks)
    first[n_blocks] = n_series
    for b in prange(n_blocks):
        cursor = offsets[first[b]] - first[b]
        for i in range(first[b], first[b + 1]):
            lo = offsets[i]
            hi = offsets[i + 1]
            for t in range(lo, hi):
                if not np.isfinite(flat[t]):
                    bad[i] = t - lo
                    break
                peak[i] = max(peak[i], abs(flat[t]))
            if normalize:
                mean, std = _mean_std(flat[lo:hi], peak[i])
                loc[i] = mean
                if std > std_floor * peak[i]:
                    scale[i] = std
            count = _compress_into(
                flat[lo:hi], loc[i], scale[i], tol2, max_len, fixed_point,
                lengths[cursor : cursor + hi - lo - 1], values[cursor : cursor + hi - lo - 1],
            )
            counts[i] = count
            for j in range(cursor, cursor + count):
                per_series[i, 0] += lengths[j]
                per_series[i, 1] += lengths[j] * lengths[j]
                per_series[i, 2] += values[j]
                per_series[i, 3] += values[j] * values[j]
            cursor += count
    piece_offsets = np.zeros(n_series + 1, dtype=np.int64)
    for i in range(n_series):
        piece_offsets[i + 1] = piece_offsets[i] + counts[i]
    for b in range(1, n_blocks):
        src = offsets[first[b]] - first[b]
        dst = piece_offsets[first[b]]
        for j in range(piece_offsets[first[b + 1]] - dst):  # dst <= src: a forward copy is safe
            lengths[dst + j] = lengths[src + j]
            values[dst + j] = values[src + j]
    moments = np.zeros(4)
    for i in range(n_series):
        for m in range(4):
            moments[m] += per_series[i, m]
    total = piece_offsets[n_series]
    return lengths[:total], values[:total], piece_offsets, loc, scale, moments, bad, peak


@njit(cache=True, nogil=True)
def bounding_box(points):
    """``(min x, max x, min y, max y)`` of non-empty 2D points."""
    lo0 = points[0, 0]
    lo1 = points[0, 1]
    hi0 = lo0
    hi1 = lo1
    for i in range(1, points.shape[0]):
        lo0 = min(lo0, points[i, 0])
        hi0 = max(hi0, points[i, 0])
        lo1 = min(lo1, points[i, 1])
        hi1 = max(hi1, points[i, 1])
    return lo0, hi0, lo1, hi1


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
def greedy_aggregate(points, alpha, n_stripes, n_chunks):
    """Greedy aggregation (fABBA; Algorithm 1 of the LLM-ABBA paper) over a grid.

    Points are bucketed into square cells of side at least ``alpha`` (larger only where
    that keeps the grid within ``n`` cells): a point within ``alpha`` of a starting
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
    # ``n_chunks`` contiguous chunks of points (one per thread): the stable counting sort
    # below gives the same order for any number of chunks
    n_chunks = max(1, min(n_chunks, n // 10_000))
    size = (n + n_chunks - 1) // n_chunks
    boxes = np.empty((n_chunks, 4))
    for c in prange(n_chunks):
        b = bounding_box(points[c * size : min(n, (c + 1) * size)])
        boxes[c, 0] = b[0]
        boxes[c, 1] = b[1]
        boxes[c, 2] = b[2]
        boxes[c, 3] = b[3]
    lo0 = boxes[:, 0].min()
    hi0 = boxes[:, 1].max()
    lo1 = boxes[:, 2].min()
    hi1 = boxes[:, 3].max()
    max_cells = 1.0 * n
    cell = max(alpha, np.sqrt((hi0 - lo0) * (hi1 - lo1) / max_cells), max(hi0 - lo0, hi1 - lo1) / max_cells, 1e-300)
    nx = int((hi0 - lo0) / cell) + 1
    ny = int((hi1 - lo1) / cell) + 1
    n_cells = nx * ny
    cell_of = np.empty(n, dtype=np.int64)
    counts = np.zeros((n_chunks, n_cells), dtype=np.int64)
    for c in prange(n_chunks):
        for i in range(c * size, min(n, (c + 1) * size)):
            gx = min(int((points[i, 0] - lo0) / cell), nx - 1)
            gy = min(int((points[i, 1] - lo1) / cell), ny - 1)
            cell_of[i] = gy * nx + gx
            counts[c, cell_of[i]] += 1
    start = np.empty(n_cells + 1, dtype=np.int64)
    running = 0
    for g in range(n_cells):
        start[g] = running
        for c in range(n_chunks):
            count = counts[c, g]
            counts[c, g] = running  # becomes the chunk's write position in the cell
            running += count
    start[n_cells] = running
    alive = np.empty(n_cells, dtype=np.int64)
    for g in range(n_cells):
        alive[g] = start[g + 1] - start[g]
    idx = np.empty(n, dtype=np.int64)
    p0 = np.empty(n)
    p1 = np.empty(n)
    for c in prange(n_chunks):
        for i in range(c * size, min(n, (c + 1) * size)):
            s = counts[c, cell_of[i]]
            idx[s] = i
            p0[s] = points[i, 0]
            p1[s] = points[i, 1]
            counts[c, cell_of[i]] = s + 1
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


@njit(cache=True, parallel=True, nogil=True)
def group_means(a, b, labels, n_groups):
    """Per-group means of two coordinates ``a`` and ``b`` (shape (n_groups, 2)) and group
    sizes, in one pass.

    Contiguous chunks are summed in parallel and their sums added in chunk order; the
    number of chunks depends on the sizes only, so the result does not depend on the
    number of threads. Chunks are capped so their partial sums take no more memory than
    the labels."""
    n = labels.shape[0]
    n_chunks = max(1, min(8, n // 50_000, n // max(n_groups, 1)))
    size = (n + n_chunks - 1) // n_chunks
    partial = np.zeros((n_chunks, n_groups, 3))
    for c in prange(n_chunks):
        for i in range(c * size, min(n, (c + 1) * size)):
            g = labels[i]
            partial[c, g, 0] += a[i]
            partial[c, g, 1] += b[i]
            partial[c, g, 2] += 1.0
    sums = np.zeros((n_groups, 2))
    counts = np.zeros(n_groups)
    for g in prange(n_groups):
        for c in range(n_chunks):
            sums[g, 0] += partial[c, g, 0]
            sums[g, 1] += partial[c, g, 1]
            counts[g] += partial[c, g, 2]
        if counts[g] > 0:
            sums[g, 0] /= counts[g]
            sums[g, 1] /= counts[g]
    return sums, counts


@njit(cache=True, parallel=True, nogil=True)
def scale_points(lengths, values, length_factor, value_factor):
    """Pieces as 2D points ``(length * length_factor, value * value_factor)``."""
    n = lengths.shape[0]
    points = np.empty((n, 2))
    for i in prange(n):
        points[i, 0] = lengths[i] * length_factor
        points[i, 1] = values[i] * value_factor
    return points


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
    lo0, hi0, lo1, hi1 = bounding_box(points)
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
def _grid_cell_of(x, y, origin, cell, shape):
    """Cell index of a 2D point in a grid (points outside go to the nearest edge cell)."""
    gx = min(max(int((x - origin[0]) / cell), 0), shape[0] - 1)
    gy = min(max(int((y - origin[1]) / cell), 0), shape[1] - 1)
    return gx * shape[1] + gy


@njit(cache=True, nogil=True)
def build_grid(centers, origin, cell, shape):
    """Bucket 2D centres into a regular grid (CSR layout: ``starts``, ``members``)."""
    k = centers.shape[0]
    n_cells = shape[0] * shape[1]
    cell_of = np.empty(k, dtype=np.int64)
    counts = np.zeros(n_cells + 1, dtype=np.int64)
    for c in range(k):
        cell_of[c] = _grid_cell_of(centers[c, 0], centers[c, 1], origin, cell, shape)
        counts[cell_of[c] + 1] += 1
    starts = np.cumsum(counts)
    fill = starts[:-1].copy()
    members = np.empty(k, dtype=np.int64)
    for c in range(k):  # in index order, so members of a cell are sorted by index
        members[fill[cell_of[c]]] = c
        fill[cell_of[c]] += 1
    return starts, members


@njit(cache=True, nogil=True)
def centers_per_query_cell(centers, queries, origin, cell, shape):
    """Mean number of centres sharing a grid cell with a query point."""
    per_cell = np.zeros(shape[0] * shape[1], dtype=np.int64)
    for c in range(centers.shape[0]):
        per_cell[_grid_cell_of(centers[c, 0], centers[c, 1], origin, cell, shape)] += 1
    total = 0
    for i in range(queries.shape[0]):
        total += per_cell[_grid_cell_of(queries[i, 0], queries[i, 1], origin, cell, shape)]
    return total / max(queries.shape[0], 1)


@njit(cache=True, parallel=True, nogil=True)
def take(table, index):
    """``table[index]`` for a 1D table, in parallel."""
    out = np.empty(index.shape[0], dtype=table.dtype)
    for i in prange(index.shape[0]):
        out[i] = table[index[i]]
    return out


@njit(cache=True, parallel=True, nogil=True)
def nearest_center(points, centers, origin, cell, shape, starts, members, hint, half_gap2, skip_self):
    """Nearest centre of every 2D point (ties go to the lower index) and its squared distance.

    Rings of grid cells around the point's cell are searched outwards; after ring ``r``
    every unvisited centre is farther than ``r * cell``, so the search stops once the best
    distance is below that. ``hint`` (empty, or a guess per point such as the previous
    label in Lloyd's iterations) seeds the best distance; with ``half_gap2`` (a quarter
    of each centre's squared distance to its nearest other centre) a point strictly closer
    to its hinted centre than that is settled at once, by the triangle inequality. Both
    only prune the search: the result is exact either way. With ``skip_self`` the points
    are the centres themselves and each one's own index is left out.
    """
    n = points.shape[0]
    out = np.empty(n, dtype=np.int64)
    out_dist = np.empty(n)
    nx = shape[0]
    ny = shape[1]
    for i in prange(n):
        px = points[i, 0]
        py = points[i, 1]
        best = np.inf
        best_idx = -1
        if hint.shape[0] > 0:
            best_idx = hint[i]
            d0 = px - centers[best_idx, 0]
            d1 = py - centers[best_idx, 1]
            best = d0 * d0 + d1 * d1
            # a safety margin keeps rounding from settling a near-tie
            if half_gap2.shape[0] > 0 and best < half_gap2[best_idx] * (1.0 - 1e-9):
                out[i] = best_idx
                out_dist[i] = best
                continue
        gx = min(max(int((px - origin[0]) / cell), 0), nx - 1)
        gy = min(max(int((py - origin[1]) / cell), 0), ny - 1)
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
                            if skip_self and c == i:
                                continue
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
        out_dist[i] = best
    return out, out_dist


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
