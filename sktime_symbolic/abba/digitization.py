"""Digitization: cluster the scaled (length, value) pieces into a codebook.

Three methods, all ending in the same nearest-centre assignment that ``transform`` uses,
so that re-encoding the training series reproduces the symbols found in fit exactly:

- ``"greedy"``: fABBA's greedy sorting-based aggregation with radius ``alpha``;
- ``"kmeans"``: k-means (k-means++ seeding) with ``k`` clusters;
- ``"sampling-kmeans"``: JABBA's sampling k-means, k-means++ on a fraction ``r`` of the
  pieces, then every piece assigned to its nearest centre.
"""

from dataclasses import dataclass

import numpy as np

from sktime_symbolic.abba._kernels import build_grid, greedy_aggregate, kmeans_plus_plus, nearest_center
from sktime_symbolic.abba._threads import MIN_POINTS_PER_THREAD, numba_threads

DIGITIZATION_METHODS = ("greedy", "kmeans", "sampling-kmeans")
# stripes of the parallel greedy aggregation: fixed, so that results do not depend on the
# number of threads
_GA_STRIPES = 16


def auto_alpha(tol, n_points, n_pieces, inc_std, eta=3.0):
    """Aggregation radius from the compression tolerance (JABBA's Brownian-bridge bound).

    Digitization replaces each increment by its centre, with a deviation of at most
    ``alpha * inc_std`` in the series' units. Summed along a series of ``N`` pieces these
    deviations form a Brownian bridge; its ``eta``-standard-deviation realisation,
    interpolated onto the ``n`` time points, has squared norm about
    ``eta**2 * sigma**2 * n * N / 6``. Asking this not to exceed the compression error
    bound ``(n - N) * tol**2`` (summed over all series) gives
    ``sigma**2 = 6 * sum(n_i - N_i) * tol**2 / (eta**2 * sum(n_i * N_i))`` and
    ``alpha = sigma / inc_std``. Unlike fABBA's formula this is in the scaled units the
    aggregation works in, so it shrinks with ``tol`` and does not blow up out of sample.
    """
    n_points = np.asarray(n_points, dtype=np.float64)
    n_pieces = np.asarray(n_pieces, dtype=np.float64)
    budget = 6.0 * float(np.sum(n_points - n_pieces)) * tol * tol
    spread = eta * eta * float(np.sum(n_points * n_pieces))
    if budget <= 0 or spread <= 0 or inc_std <= 0:
        # every piece is a single step: nothing to aggregate beyond identical pieces
        return 0.0
    return float(np.sqrt(budget / spread) / inc_std)


def _grid_cell(points, max_cells):
    """Side of square cells holding about ``len(points) / max_cells`` points each, at
    least so large that the grid over the points' bounding box has ``max_cells`` cells."""
    extent = np.ptp(points, axis=0)
    area = float(extent[0] * extent[1])
    floor = np.sqrt(area / max_cells) if area > 0 else float(extent.max()) / max_cells
    return max(floor, float(extent.max()) / max_cells, 1e-12)


@dataclass
class Codebook:
    """Cluster centres in the scaled 2D (length, value) space, bucketed into a grid for
    exact nearest-centre search.

    The grid's cell is chosen from ``density_sample`` (e.g. the training points): the
    largest of a few candidate sizes at which a point's own cell holds at most about two
    centres, so that a query visits few centres where the data are dense.
    """

    centers: np.ndarray
    density_sample: np.ndarray = None
    cell: float = None

    def __post_init__(self):
        self.centers = np.ascontiguousarray(self.centers, dtype=np.float64)
        k = self.centers.shape[0]
        lo = self.centers.min(axis=0)
        extent = self.centers.max(axis=0) - lo
        self._origin = lo
        cell = self.cell if self.cell is not None else _grid_cell(self.centers, max(k, 1))
        min_cell = _grid_cell(self.centers, 64 * max(k, 1))
        if self.cell is None and self.density_sample is not None and self.density_sample.shape[0] and k > 1:
            sample = self.density_sample[:: max(1, self.density_sample.shape[0] // 20000)]
            while cell / 2 >= min_cell and self._centers_per_query_cell(sample, cell) > 2.0:
                cell /= 2
        self.density_sample = None  # only needed to size the grid; not kept in the pickle
        self.cell = self._cell = float(cell)
        self._shape = np.floor(extent / cell).astype(np.int64) + 1
        self._starts, self._members = build_grid(self.centers, lo, self._cell, self._shape)

    def _centers_per_query_cell(self, sample, cell):
        shape = np.floor((self.centers.max(axis=0) - self._origin) / cell).astype(np.int64) + 1
        def cell_ids(p):
            g = np.clip(((p - self._origin) / cell).astype(np.int64), 0, shape - 1)
            return g[:, 0] * shape[1] + g[:, 1]
        per_cell = np.bincount(cell_ids(self.centers), minlength=shape[0] * shape[1])
        return float(per_cell[cell_ids(sample)].mean())

    def select(self, rows):
        """Codebook of the centres ``rows`` (in that order), on the same grid cell size."""
        return Codebook(self.centers[rows], cell=self._cell)

    def assign(self, points, hint=None):
        """Nearest centre of every point (ties: lower centre index); ``hint``, a guess of
        each point's centre, only speeds the search up."""
        if points.shape[0] == 0:
            return np.empty(0, dtype=np.int64)
        return nearest_center(
            np.ascontiguousarray(points, dtype=np.float64), self.centers, self._origin, self._cell,
            self._shape, self._starts, self._members,
            np.empty(0, dtype=np.int64) if hint is None else np.ascontiguousarray(hint, dtype=np.int64),
        )


def _group_means(points, labels, n_groups):
    counts = np.bincount(labels, minlength=n_groups).astype(np.float64)
    sums = np.stack(
        [np.bincount(labels, weights=points[:, d], minlength=n_groups) for d in range(points.shape[1])],
        axis=1,
    )
    return sums / counts[:, None]


def kmeans(points, k, rng, max_iter=20, n_jobs=None):
    """k-means++ seeding then Lloyd iterations until no label changes (or ``max_iter``).

    Assignments use the exact grid nearest-centre search of :class:`Codebook`, so an
    iteration costs about as much as one ``transform``. A centre left without points
    keeps its place.
    """
    centers = kmeans_plus_plus(points, k, rng.random(k))
    labels = None
    cell = None  # sized once from the data, then kept: the centres move little
    for _ in range(max_iter):
        codebook = Codebook(centers, density_sample=points, cell=cell)
        cell = codebook.cell
        with numba_threads(n_jobs, points.shape[0], MIN_POINTS_PER_THREAD):
            new_labels = codebook.assign(points, hint=labels)
        if labels is not None and np.array_equal(new_labels, labels):
            break
        labels = new_labels
        counts = np.bincount(labels, minlength=centers.shape[0])
        filled = counts > 0
        means = _group_means(points, labels, centers.shape[0])
        centers = np.where(filled[:, None], means, centers)
    return centers


def cluster(points, method, alpha=None, k=None, r=0.5, random_state=None, n_jobs=None):
    """Cluster scaled points; returns the centres (in scaled units)."""
    if method == "greedy":
        with numba_threads(n_jobs, points.shape[0], MIN_POINTS_PER_THREAD):
            labels, n_groups = greedy_aggregate(np.ascontiguousarray(points, dtype=np.float64), float(alpha), _GA_STRIPES)
        centers = _group_means(points, labels, n_groups)
    elif method in ("kmeans", "sampling-kmeans"):
        rng = np.random.default_rng(random_state)
        sample = points
        if method == "sampling-kmeans":
            size = min(points.shape[0], max(int(k), int(np.ceil(r * points.shape[0]))))
            sample = points[np.sort(rng.choice(points.shape[0], size=size, replace=False))]
        centers = kmeans(np.ascontiguousarray(sample, dtype=np.float64), int(k), rng, n_jobs=n_jobs)
    else:
        raise ValueError(f"method must be one of {DIGITIZATION_METHODS}, got {method!r}")
    return np.ascontiguousarray(centers, dtype=np.float64)
