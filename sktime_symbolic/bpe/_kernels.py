"""Numba kernels of the BPE motif tokenizer: quantization, vocabulary training, encoding, decoding.

Token ids: ``PAD=0, EOS=1, MASK=2``, quantized symbols ``3 .. M+2`` and merged motifs from
``M+3`` on, in the order they were learned (merge rank ``r`` creates token ``M + 3 + r``).
Training packs a pair of adjacent tokens into one int64 key ``left << 32 | right``; the
encoder's rank table packs ``left << 16 | right`` with the rank into one int64 per slot.

Vocabulary training (:func:`train_merges`) keeps the corpus as a doubly linked list of
positions, one occurrence list per distinct pair, pair counts updated incrementally at every
replacement, and a max-heap of ``(count, pair)`` with lazy invalidation, so a merge costs
time proportional to the occurrences it touches, never a rescan of the corpus.
Encoding (:func:`encode`) replays the merges per series with a bucket queue over ranks.
"""

import numpy as np
from numba import njit, objmode, prange

N_SPECIAL = 3
PAD, EOS, MASK = 0, 1, 2
# token ids must fit 16 bits for the packed rank table of the encoder
MAX_VOCAB = 1 << 16

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)

# progress reporting from inside the training loop: the Python side sets a callable here
_PROGRESS_HOOK = [None]


def _report_progress(n_merges):
    hook = _PROGRESS_HOOK[0]
    if hook is not None:
        hook(n_merges)


# ---------------------------------------------------------------- quantization


@njit(cache=True, nogil=True)
def _bin_of(v, edges):
    """Index ``j`` with ``edges[j-1] < v <= edges[j]`` (0 below the first edge), by bisection."""
    lo = 0
    hi = edges.shape[0]
    while lo < hi:
        mid = (lo + hi) >> 1
        if edges[mid] < v:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True, nogil=True, inline="always")
def _bin_uniform(v, edges, lb, inv_width):
    """``_bin_of`` for equal-width bins: an arithmetic guess corrected against the edges,
    so the result is exactly the bisection's (no mispredicted branches of a search)."""
    n_edges = edges.shape[0]
    g = (v - lb) * inv_width
    j = 0 if g < 0.0 else (n_edges if g > n_edges else np.int64(g))
    while j > 0 and v <= edges[j - 1]:
        j -= 1
    while j < n_edges and v > edges[j]:
        j += 1
    return j


@njit(cache=True, nogil=True)
def _scale_one(x, mean_abs, floor):
    """``(loc, scale)`` of one series, ignoring NaN."""
    n = 0
    s = 0.0
    for v in x:
        if v == v:
            n += 1
            s += abs(v) if mean_abs else v
    if n == 0:
        return 0.0, 1.0
    m = s / n
    if mean_abs:
        return 0.0, max(m, floor)
    var = 0.0
    for v in x:
        if v == v:
            var += (v - m) * (v - m)
    std = np.sqrt(var / n)
    return m, max(std, floor * max(1.0, abs(m)))


@njit(cache=True, nogil=True)
def _quantize_range(flat, offsets, s0, s1, edges, lb, inv_width, mean_abs, floor, loc, scale, sym, z):
    for s in range(s0, s1):
        a = offsets[s]
        b = offsets[s + 1]
        lc, sc = _scale_one(flat[a:b], mean_abs, floor)
        loc[s] = lc
        scale[s] = sc
        inv = 1.0 / sc
        for i in range(a, b):
            v = flat[i]
            if v != v:
                sym[i] = MASK
                z[i] = np.nan
            else:
                zz = (v - lc) * inv
                z[i] = zz
                if inv_width > 0.0:
                    sym[i] = N_SPECIAL + _bin_uniform(zz, edges, lb, inv_width)
                else:
                    sym[i] = N_SPECIAL + _bin_of(zz, edges)


@njit(cache=True, nogil=True, parallel=True)
def _quantize_parallel(flat, offsets, bounds, edges, lb, inv_width, mean_abs, floor, loc, scale, sym, z):
    for c in prange(bounds.shape[0] - 1):
        _quantize_range(flat, offsets, bounds[c], bounds[c + 1], edges, lb, inv_width, mean_abs, floor, loc, scale,
                        sym, z)


def quantize(flat, offsets, edges, lb, inv_width, mean_abs, floor, n_chunks):
    """Scale every series ``flat[offsets[i]:offsets[i+1]]`` and quantize it.

    ``inv_width > 0`` declares equal-width bins starting at ``lb`` (a faster search).
    Returns ``(symbols int32, scaled values float64, loc, scale)``; NaN becomes ``MASK``.
    """
    n_series = offsets.shape[0] - 1
    loc = np.empty(n_series)
    scale = np.empty(n_series)
    sym = np.empty(flat.shape[0], dtype=np.int32)
    z = np.empty(flat.shape[0])
    bounds = chunk_bounds(offsets, n_chunks)
    if bounds.shape[0] > 2:
        _quantize_parallel(flat, offsets, bounds, edges, lb, inv_width, mean_abs, floor, loc, scale, sym, z)
    else:
        _quantize_range(flat, offsets, 0, n_series, edges, lb, inv_width, mean_abs, floor, loc, scale, sym, z)
    return sym, z, loc, scale


def chunk_bounds(offsets, n_chunks):
    """Series indices splitting the batch into at most ``n_chunks`` runs of similar total length."""
    n_series = offsets.shape[0] - 1
    total = int(offsets[-1])
    # small batches stay in one chunk: starting a parallel region costs more than it saves
    n_chunks = max(1, min(n_chunks, n_series, total // 200_000))
    targets = np.linspace(0, total, n_chunks + 1)[1:-1]
    inner = np.searchsorted(offsets, targets, side="left")
    return np.unique(np.concatenate(([0], inner, [n_series]))).astype(np.int64)


# ---------------------------------------------------------------- open-addressing hash of pairs


@njit(cache=True, nogil=True, inline="always")
def _slot(keys, key, bits):
    """Slot of ``key`` in ``keys`` (linear probing), or the empty slot where it would go."""
    mask = (1 << bits) - 1
    h = np.int64((np.uint64(key) * _GOLDEN) >> np.uint64(64 - bits))
    while True:
        k = keys[h]
        if k == key or k == -1:
            return h
        h = (h + 1) & mask


@njit(cache=True, nogil=True)
def build_rank_table(left, right):
    """Open-addressing hash ``pair -> merge rank`` of the merges ``(left[r], right[r])``.

    One int64 per slot packs the 32-bit pair ``left << 16 | right`` (ids < ``MAX_VOCAB``)
    above the rank, so a probe is a single load; -1 marks an empty slot. Returns
    ``(table, bits)``.
    """
    n = left.shape[0]
    bits = 4
    while (1 << bits) < 2 * n + 16:
        bits += 1
    table = np.full(1 << bits, -1, dtype=np.int64)
    mask = (1 << bits) - 1
    for r in range(n):
        key = (np.int64(left[r]) << 16) | np.int64(right[r])
        h = np.int64((np.uint64(key) * _GOLDEN) >> np.uint64(64 - bits))
        while table[h] != -1:
            h = (h + 1) & mask
        table[h] = (key << 32) | r
    return table, bits


# ---------------------------------------------------------------- vocabulary training


@njit(cache=True, nogil=True)
def _grow(arr, size, fill):
    out = np.full(size, fill, dtype=arr.dtype)
    out[: arr.shape[0]] = arr
    return out


@njit(cache=True, nogil=True, inline="always")
def _heap_before(c1, k1, c2, k2):
    """Heap order: higher count first, then the smaller pair key (deterministic ties)."""
    return c1 > c2 or (c1 == c2 and k1 < k2)


@njit(cache=True, nogil=True)
def _heap_push(h_cnt, h_key, h_id, size, cnt, key, pid):
    i = size
    while i > 0:
        parent = (i - 1) >> 1
        if _heap_before(cnt, key, h_cnt[parent], h_key[parent]):
            h_cnt[i] = h_cnt[parent]
            h_key[i] = h_key[parent]
            h_id[i] = h_id[parent]
            i = parent
        else:
            break
    h_cnt[i] = cnt
    h_key[i] = key
    h_id[i] = pid


@njit(cache=True, nogil=True)
def _heap_pop(h_cnt, h_key, h_id, size):
    """Remove the top entry (the caller read it); ``size`` is the size before removal."""
    size -= 1
    cnt = h_cnt[size]
    key = h_key[size]
    pid = h_id[size]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and _heap_before(h_cnt[child + 1], h_key[child + 1], h_cnt[child], h_key[child]):
            child += 1
        if _heap_before(h_cnt[child], h_key[child], cnt, key):
            h_cnt[i] = h_cnt[child]
            h_key[i] = h_key[child]
            h_id[i] = h_id[child]
            i = child
        else:
            break
    if size > 0:
        h_cnt[i] = cnt
        h_key[i] = key
        h_id[i] = pid


@njit(cache=True, nogil=True)
def link_positions(sym, offsets):
    """``(next, prev)`` links of the corpus; series ends and MASK positions break the chain."""
    n = sym.shape[0]
    nxt = np.full(n, -1, dtype=np.int32)
    prv = np.full(n, -1, dtype=np.int32)
    for s in range(offsets.shape[0] - 1):
        for i in range(offsets[s], offsets[s + 1] - 1):
            if sym[i] >= N_SPECIAL and sym[i + 1] >= N_SPECIAL:
                nxt[i] = i + 1
                prv[i + 1] = i
    return nxt, prv


@njit(cache=True, nogil=True, inline="always")
def _pair_key(a, b):
    """The int64 key ``a << 32 | b`` of the token pair ``(a, b)``."""
    return (np.int64(a) << 32) | np.int64(b)


@njit(cache=True, nogil=True)
def _grow_pairs(id_a, id_b, cnt, head, done):
    """The per-pair arrays with twice the room."""
    cap = 2 * id_a.shape[0]
    return _grow(id_a, cap, 0), _grow(id_b, cap, 0), _grow(cnt, cap, 0), _grow(head, cap, -1), _grow(done, cap, 0)


@njit(cache=True, nogil=True)
def _rehash(hkeys, hids, bits):
    """The pair hash moved into a table twice as large; returns ``(keys, ids, bits)``."""
    bits += 1
    new_keys = np.full(1 << bits, -1, dtype=np.int64)
    new_ids = np.full(1 << bits, -1, dtype=np.int32)
    for s in range(hkeys.shape[0]):
        if hkeys[s] != -1:
            h = _slot(new_keys, hkeys[s], bits)
            new_keys[h] = hkeys[s]
            new_ids[h] = hids[s]
    return new_keys, new_ids, bits


@njit(cache=True, nogil=True)
def _add_pair(key, h, hkeys, hids, bits, id_a, id_b, cnt, head, done, n_ids):
    """Register the new pair ``key`` (``h``: its empty slot) as id ``n_ids``.

    Grows the per-pair arrays when full and moves the hash into a table twice as large when
    it gets more than half full. Returns ``(id, hkeys, hids, bits, id_a, id_b, cnt, head, done)``,
    the arrays possibly new ones. Only new pairs come here, so its cost does not matter.
    """
    if n_ids == id_a.shape[0]:
        id_a, id_b, cnt, head, done = _grow_pairs(id_a, id_b, cnt, head, done)
    hkeys[h] = key
    hids[h] = n_ids
    id_a[n_ids] = np.int32(key >> 32)
    id_b[n_ids] = np.int32(key & 0xFFFFFFFF)
    if 2 * (n_ids + 1) > hkeys.shape[0]:
        hkeys, hids, bits = _rehash(hkeys, hids, bits)
    return n_ids, hkeys, hids, bits, id_a, id_b, cnt, head, done


@njit(cache=True, nogil=True)
def _grow_heap(h_cnt, h_key, h_id):
    """The heap arrays with twice the room."""
    cap = 2 * h_cnt.shape[0]
    return _grow(h_cnt, cap, 0), _grow(h_key, cap, 0), _grow(h_id, cap, 0)


@njit(cache=True, nogil=True)
def _self_pair_count(a, e, tok, nxt, prv, occ_pos, occ_nxt, free):
    """Replacements a left-to-right pass makes for the pair ``(a, a)``, whose occurrence list
    starts at entry ``e``: a run of ``L`` copies of ``a`` holds ``L // 2`` of them.

    Entries no longer at an ``(a, a)`` adjacency go to the free list. Returns
    ``(count, new list head, free list head)``.
    """
    count = 0
    keep = -1
    while e != -1:
        ne = occ_nxt[e]
        i = occ_pos[e]
        j = nxt[i]
        if tok[i] == a and j != -1 and tok[j] == a:
            occ_nxt[e] = keep
            keep = e
            p = prv[i]
            if p == -1 or tok[p] != a:  # i starts a run: count the run once
                run = 1
                k = i
                while nxt[k] != -1 and tok[nxt[k]] == a:
                    run += 1
                    k = nxt[k]
                count += run // 2
        else:
            occ_nxt[e] = free
            free = e
        e = ne
    return count, keep, free


@njit(cache=True, nogil=True)
def _take_occurrences(a, b, e, tok, nxt, occ_nxt, occ_pos, free, buf):
    """Positions of the occurrence list of ``(a, b)`` from entry ``e`` that still hold the pair,
    into ``buf``; every entry goes to the free list. Returns ``(number of positions, free)``."""
    m = 0
    while e != -1:
        ne = occ_nxt[e]
        i = occ_pos[e]
        if tok[i] == a:
            j = nxt[i]
            if j != -1 and tok[j] == b:
                buf[m] = i
                m += 1
        occ_nxt[e] = free
        free = e
        e = ne
    return m, free


@njit(cache=True, nogil=True, inline="always")
def _replace(i, j, a, b, c, pid, tok, nxt, prv, cnt, hkeys, hids, bits):
    """Replace the occurrence of pair ``pid`` at ``(i, j)`` by token ``c`` at ``i``.

    Takes the occurrence ``(a, b)`` and its neighbouring adjacencies ``(tok[p], a)`` and
    ``(b, tok[nn])`` off the pair counts and unlinks ``j``; returns the neighbours ``(p, nn)``
    (-1: none).
    """
    p = prv[i]
    nn = nxt[j]
    if p != -1:
        cnt[hids[_slot(hkeys, _pair_key(tok[p], a), bits)]] -= 1
    if nn != -1:
        cnt[hids[_slot(hkeys, _pair_key(b, tok[nn]), bits)]] -= 1
    cnt[pid] -= 1
    tok[i] = c
    tok[j] = -1
    nxt[j] = -1
    prv[j] = -1
    nxt[i] = nn
    if nn != -1:
        prv[nn] = i
    return p, nn


# no nogil: the progress callback needs the GIL
@njit(cache=True)
def train_merges(tok, nxt, prv, n_tokens0, p_min, max_merges, max_len, report_every):
    """Learn merges on the linked corpus ``tok``/``nxt``/``prv`` (modified in place).

    ``n_tokens0`` tokens exist before the first merge; merge ``r`` creates token
    ``n_tokens0 + r``. A merge of ``(a, b)`` replaces its occurrences left to right, as
    the paper's sequential replacement does, and its count is the number of replacements
    it makes (for ``a == b`` a run of ``L`` copies holds ``L // 2`` of them, not ``L - 1``).
    Stops when the best pair occurs fewer than ``p_min`` times or after ``max_merges``.
    Pairs whose motif would be longer than ``max_len`` samples are never merged.
    Returns ``(left, right, counts)`` of the merges in order.
    """
    n = tok.shape[0]
    # motif length (in samples) of every token
    tlen = np.ones(n_tokens0 + 16, dtype=np.int64)

    # pair id <- hash of the pair key, kept at most half full
    bits = 10
    while (1 << bits) < 4 * n_tokens0 * n_tokens0 + 64:
        bits += 1
    hkeys = np.full(1 << bits, -1, dtype=np.int64)
    hids = np.full(1 << bits, -1, dtype=np.int32)
    # per pair id: tokens, count (adjacent occurrences), occurrence list head, state
    cap = 1024
    id_a = np.empty(cap, dtype=np.int32)
    id_b = np.empty(cap, dtype=np.int32)
    cnt = np.zeros(cap, dtype=np.int64)
    head = np.full(cap, -1, dtype=np.int32)
    done = np.zeros(cap, dtype=np.int8)  # 1 merged, 2 banned (too long)
    n_ids = 0
    # occurrence entries: position and next entry of the same pair; freed entries are reused
    occ_pos = np.empty(n + n // 2 + 16, dtype=np.int32)
    occ_nxt = np.empty(occ_pos.shape[0], dtype=np.int32)
    occ_top = 0
    free = -1
    # heap of (count, pair key, pair id)
    h_cnt = np.empty(1024, dtype=np.int64)
    h_key = np.empty(1024, dtype=np.int64)
    h_id = np.empty(1024, dtype=np.int32)
    h_size = 0

    out_a = np.empty(max(16, min(max_merges, 4096)), dtype=np.int32)
    out_b = np.empty_like(out_a)
    out_c = np.empty(out_a.shape[0], dtype=np.int64)
    n_merges = 0
    buf = np.empty(n, dtype=np.int32)

    # initial pair counts and occurrence lists
    for i in range(n):
        j = nxt[i]
        if j == -1:
            continue
        key = _pair_key(tok[i], tok[j])
        h = _slot(hkeys, key, bits)
        if hkeys[h] != -1:
            pid = hids[h]
        else:
            pid, hkeys, hids, bits, id_a, id_b, cnt, head, done = _add_pair(
                key, h, hkeys, hids, bits, id_a, id_b, cnt, head, done, n_ids)
            n_ids += 1
        cnt[pid] += 1
        occ_pos[occ_top] = i
        occ_nxt[occ_top] = head[pid]
        head[pid] = occ_top
        occ_top += 1
    for pid in range(n_ids):
        if h_size == h_cnt.shape[0]:
            h_cnt, h_key, h_id = _grow_heap(h_cnt, h_key, h_id)
        _heap_push(h_cnt, h_key, h_id, h_size, cnt[pid], _pair_key(id_a[pid], id_b[pid]), pid)
        h_size += 1

    while n_merges < max_merges and h_size > 0:
        top_cnt = h_cnt[0]
        top_key = h_key[0]
        pid = h_id[0]
        _heap_pop(h_cnt, h_key, h_id, h_size)
        h_size -= 1
        if done[pid] != 0:
            continue
        a = id_a[pid]
        b = id_b[pid]
        if tlen[a] + tlen[b] > max_len:
            done[pid] = 2
            continue
        if a == b:
            # counts of (a, a) are upper bounds; compute the exact one (compacts the list)
            prio, head[pid], free = _self_pair_count(a, head[pid], tok, nxt, prv, occ_pos, occ_nxt, free)
        else:
            prio = cnt[pid]
        if prio < top_cnt:
            # stale entry: the pair lost occurrences since it was pushed (a pop made room)
            if prio > 0:
                _heap_push(h_cnt, h_key, h_id, h_size, prio, top_key, pid)
                h_size += 1
            continue
        if prio < p_min:
            break

        # ---- merge (a, b) -> c
        c = n_tokens0 + n_merges
        if c >= tlen.shape[0]:
            tlen = _grow(tlen, 2 * tlen.shape[0], 1)
        tlen[c] = tlen[a] + tlen[b]
        if n_merges == out_a.shape[0]:
            out_a = _grow(out_a, 2 * out_a.shape[0], 0)
            out_b = _grow(out_b, 2 * out_b.shape[0], 0)
            out_c = _grow(out_c, 2 * out_c.shape[0], 0)
        out_a[n_merges] = a
        out_b[n_merges] = b
        out_c[n_merges] = prio
        n_merges += 1
        done[pid] = 1

        m, free = _take_occurrences(a, b, head[pid], tok, nxt, occ_nxt, occ_pos, free, buf)
        head[pid] = -1
        if a == b:
            buf[:m].sort()  # overlapping occurrences: replace left to right
        first_new = n_ids
        for t in range(m):
            i = buf[t]
            if tok[i] != a:
                continue
            j = nxt[i]
            if j == -1 or tok[j] != b:
                continue
            p, nn = _replace(i, j, a, b, c, pid, tok, nxt, prv, cnt, hkeys, hids, bits)
            # the adjacencies (tok[p], c) at p and (c, tok[nn]) at i appear
            for side in range(2):
                if side == 0:
                    if p == -1:
                        continue
                    pos = p
                    key = _pair_key(tok[p], c)
                else:
                    if nn == -1:
                        continue
                    pos = i
                    key = _pair_key(c, tok[nn])
                h = _slot(hkeys, key, bits)
                if hkeys[h] != -1:
                    new_pid = hids[h]
                else:
                    new_pid, hkeys, hids, bits, id_a, id_b, cnt, head, done = _add_pair(
                        key, h, hkeys, hids, bits, id_a, id_b, cnt, head, done, n_ids)
                    n_ids += 1
                cnt[new_pid] += 1
                if free != -1:
                    slot = free
                    free = occ_nxt[free]
                else:
                    if occ_top == occ_pos.shape[0]:
                        grown = occ_top + occ_top // 2
                        occ_pos = _grow(occ_pos, grown, 0)
                        occ_nxt = _grow(occ_nxt, grown, 0)
                    slot = occ_top
                    occ_top += 1
                occ_pos[slot] = pos
                occ_nxt[slot] = head[new_pid]
                head[new_pid] = slot
        # every pair created by this merge contains c, so they are all new ids
        for q in range(first_new, n_ids):
            if cnt[q] > 0:
                if h_size == h_cnt.shape[0]:
                    h_cnt, h_key, h_id = _grow_heap(h_cnt, h_key, h_id)
                _heap_push(h_cnt, h_key, h_id, h_size, cnt[q], _pair_key(id_a[q], id_b[q]), q)
                h_size += 1
        if report_every > 0 and n_merges % report_every == 0:
            with objmode():
                _report_progress(n_merges)
    return out_a[:n_merges].copy(), out_b[:n_merges].copy(), out_c[:n_merges].copy()


# ---------------------------------------------------------------- encoding

_DEBRUIJN = np.array(
    [0, 1, 48, 2, 57, 49, 28, 3, 61, 58, 50, 42, 38, 29, 17, 4, 62, 55, 59, 36, 53, 51, 43, 22, 45, 39, 33, 30, 24,
     18, 12, 5, 63, 47, 56, 27, 60, 41, 37, 16, 54, 35, 52, 21, 44, 32, 23, 11, 46, 26, 40, 15, 34, 20, 31, 10, 25,
     14, 19, 9, 13, 8, 7, 6],
    dtype=np.int64,
)
_DEBRUIJN_MUL = np.uint64(0x03F79D71B4CB0A89)


@njit(cache=True, nogil=True, inline="always")
def _lowest_bit(w):
    lowest = w & (~w + np.uint64(1))
    return _DEBRUIJN[np.int64((lowest * _DEBRUIJN_MUL) >> np.uint64(58))]


@njit(cache=True, nogil=True, inline="always")
def _rank(base, n0, table, bits, a, b):
    """Merge rank of the pair ``(a, b)`` or -1: a dense table for symbol pairs, else the hash."""
    if a < n0 and b < n0:
        return base[a * n0 + b]
    key = (np.int64(a) << 16) | np.int64(b)
    mask = (1 << bits) - 1
    h = np.int64((np.uint64(key) * _GOLDEN) >> np.uint64(64 - bits))
    while True:
        entry = table[h]
        if entry == -1:
            return -1
        if (entry >> 32) & 0xFFFFFFFF == key:
            return np.int64(entry & 0xFFFFFFFF)
        h = (h + 1) & mask


@njit(cache=True, nogil=True, inline="always")
def _queue(e_pos, e_nxt, bucket, bitmap, n_e, r, pos):
    """Queue the adjacency at ``pos`` under merge rank ``r`` (entry ``n_e``); returns ``n_e + 1``."""
    e_pos[n_e] = pos
    e_nxt[n_e] = bucket[r]
    bucket[r] = n_e
    bitmap[r >> 6] |= np.uint64(1) << np.uint64(r & 63)
    return n_e + 1


@njit(cache=True, nogil=True)
def _encode_range(flat, offsets, s0, s1, edges, lb, inv_width, mean_abs, floor, loc, scale, base, table, bits,
                  left, right, n_tokens0, out, out_len):
    """Scale, quantize and encode series ``s0 .. s1-1``; series ``s`` writes its tokens to ``out[offsets[s]:]``.

    Bucket queue over merge ranks: a merge creates only pairs of higher rank, so the ranks
    are visited in increasing order with a monotone cursor over an occupancy bitmap.
    Within one rank, pairs of equal tokens are replaced along each run from its first
    element, as a left-to-right pass does, so the result equals applying the merges one
    after another over the whole series.
    """
    n_merges = left.shape[0]
    n_words = (n_merges + 63) // 64 + 1
    bitmap = np.zeros(n_words, dtype=np.uint64)
    bucket = np.full(max(n_merges, 1), -1, dtype=np.int32)
    max_len = 0
    for s in range(s0, s1):
        max_len = max(max_len, offsets[s + 1] - offsets[s])
    tok = np.empty(max_len, dtype=np.int32)
    nxt = np.empty(max_len, dtype=np.int32)
    prv = np.empty(max_len, dtype=np.int32)
    # entries: one per initial pair plus two per merge, and a series has fewer merges than samples
    e_cap = 3 * max_len + 4
    e_pos = np.empty(e_cap, dtype=np.int32)
    e_nxt = np.empty(e_cap, dtype=np.int32)
    for s in range(s0, s1):
        a0 = offsets[s]
        n = offsets[s + 1] - a0
        lc, sc = _scale_one(flat[a0 : a0 + n], mean_abs, floor)
        loc[s] = lc
        scale[s] = sc
        inv = 1.0 / sc
        for i in range(n):
            v = flat[a0 + i]
            if v != v:
                tok[i] = MASK
            elif inv_width > 0.0:
                tok[i] = N_SPECIAL + _bin_uniform((v - lc) * inv, edges, lb, inv_width)
            else:
                tok[i] = N_SPECIAL + _bin_of((v - lc) * inv, edges)
            nxt[i] = i + 1
            prv[i] = i - 1
        if n > 0:
            nxt[n - 1] = -1
        n_e = 0
        if n_merges > 0:
            for i in range(n - 1):
                r = _rank(base, n_tokens0, table, bits, tok[i], tok[i + 1])
                if r >= 0:
                    n_e = _queue(e_pos, e_nxt, bucket, bitmap, n_e, r, i)
            word = 0
            while word < n_words:
                w = bitmap[word]
                if w == 0:
                    word += 1
                    continue
                r = word * 64 + _lowest_bit(w)
                bitmap[word] = w & (w - np.uint64(1))
                a = left[r]
                b = right[r]
                c = n_tokens0 + r
                e = bucket[r]
                bucket[r] = -1
                # new pairs all have higher ranks, so this list does not grow while we walk it
                while e != -1:
                    i = e_pos[e]
                    e = e_nxt[e]
                    if tok[i] != a:
                        continue
                    j = nxt[i]
                    if j == -1 or tok[j] != b:
                        continue
                    if a == b:
                        # a left-to-right pass pairs a run of a's from its first element:
                        # go back to the start of the run, then replace pairs along it
                        while prv[i] != -1 and tok[prv[i]] == a:
                            i = prv[i]
                        j = nxt[i]
                    while True:
                        nn = nxt[j]
                        tok[i] = c
                        tok[j] = -1
                        nxt[i] = nn
                        if nn != -1:
                            prv[nn] = i
                            r2 = _rank(base, n_tokens0, table, bits, c, tok[nn])
                            if r2 >= 0:
                                n_e = _queue(e_pos, e_nxt, bucket, bitmap, n_e, r2, i)
                        p = prv[i]
                        if p != -1:
                            r2 = _rank(base, n_tokens0, table, bits, tok[p], c)
                            if r2 >= 0:
                                n_e = _queue(e_pos, e_nxt, bucket, bitmap, n_e, r2, p)
                        if a != b or nn == -1 or tok[nn] != a:
                            break
                        i = nn
                        j = nxt[i]
                        if j == -1 or tok[j] != a:
                            break
        k = 0
        i = 0 if n > 0 else -1
        while i != -1:
            out[a0 + k] = tok[i]
            k += 1
            i = nxt[i]
        out_len[s] = k


@njit(cache=True, nogil=True, parallel=True)
def _encode_parallel(flat, offsets, bounds, edges, lb, inv_width, mean_abs, floor, loc, scale, base, table, bits,
                     left, right, n_tokens0, out, out_len):
    for c in prange(bounds.shape[0] - 1):
        _encode_range(flat, offsets, bounds[c], bounds[c + 1], edges, lb, inv_width, mean_abs, floor, loc, scale, base,
                      table, bits, left, right, n_tokens0, out, out_len)


@njit(cache=True, nogil=True)
def _compact(out, offsets, out_len):
    n_series = offsets.shape[0] - 1
    new_off = np.empty(n_series + 1, dtype=np.int64)
    new_off[0] = 0
    for s in range(n_series):
        new_off[s + 1] = new_off[s] + out_len[s]
    tokens = np.empty(new_off[-1], dtype=np.int32)
    for s in range(n_series):
        tokens[new_off[s] : new_off[s + 1]] = out[offsets[s] : offsets[s] + out_len[s]]
    return tokens, new_off


def base_rank_table(left, right, n_tokens0):
    """Dense ``(n_tokens0 * n_tokens0)`` table of the merge ranks of symbol pairs (-1: no merge)."""
    base = np.full(n_tokens0 * n_tokens0, -1, dtype=np.int32)
    for r in range(left.shape[0] - 1, -1, -1):
        if left[r] < n_tokens0 and right[r] < n_tokens0:
            base[left[r] * n_tokens0 + right[r]] = r
    return base


def encode(flat, offsets, edges, lb, inv_width, mean_abs, floor, tables, left, right, n_tokens0, n_chunks):
    """Scale, quantize and merge every series; returns ``(tokens, token offsets, loc, scale)``."""
    base, table, bits = tables
    n_series = offsets.shape[0] - 1
    loc = np.empty(n_series)
    scale = np.empty(n_series)
    out = np.empty(flat.shape[0], dtype=np.int32)
    out_len = np.empty(n_series, dtype=np.int64)
    bounds = chunk_bounds(offsets, n_chunks)
    args = (edges, lb, inv_width, mean_abs, floor, loc, scale, base, table, bits, left, right, n_tokens0, out, out_len)
    if bounds.shape[0] > 2:
        _encode_parallel(flat, offsets, bounds, *args)
    else:
        _encode_range(flat, offsets, 0, n_series, *args)
    tokens, tok_offsets = _compact(out, offsets, out_len)
    return tokens, tok_offsets, loc, scale


# ---------------------------------------------------------------- decoding


@njit(cache=True, nogil=True)
def decode_symbols(tokens, offsets, motif_offsets, motif_symbols, n_vocab):
    """Expand tokens into quantized symbols per series: PAD is skipped, EOS ends a series.

    Returns ``(symbols, symbol offsets, bad)`` where ``bad`` is the index of the first
    token id outside ``[0, n_vocab)`` or -1.
    """
    n_series = offsets.shape[0] - 1
    lens = np.zeros(n_series, dtype=np.int64)
    for s in range(n_series):
        for t in range(offsets[s], offsets[s + 1]):
            v = tokens[t]
            if v < 0 or v >= n_vocab:
                return np.empty(0, dtype=np.int32), np.zeros(1, dtype=np.int64), t
            if v == EOS:
                break
            lens[s] += motif_offsets[v + 1] - motif_offsets[v]
    out_off = np.empty(n_series + 1, dtype=np.int64)
    out_off[0] = 0
    for s in range(n_series):
        out_off[s + 1] = out_off[s] + lens[s]
    out = np.empty(out_off[-1], dtype=np.int32)
    for s in range(n_series):
        k = out_off[s]
        for t in range(offsets[s], offsets[s + 1]):
            v = tokens[t]
            if v == EOS:
                break
            for q in range(motif_offsets[v], motif_offsets[v + 1]):
                out[k] = motif_symbols[q]
                k += 1
    return out, out_off, -1


@njit(cache=True, nogil=True)
def symbols_to_values(symbols, offsets, centres, cond, cond_known, loc, scale, use_cond):
    """Values of quantized symbols on the original scale; MASK decodes to NaN.

    With ``use_cond`` a symbol following symbol ``k`` decodes to ``cond[k, j]`` where that
    pair was seen in training, otherwise (first value, after MASK, unseen pair) to its bin centre.
    """
    out = np.empty(symbols.shape[0])
    for s in range(offsets.shape[0] - 1):
        prev = -1
        for i in range(offsets[s], offsets[s + 1]):
            j = symbols[i] - N_SPECIAL
            if j < 0:
                out[i] = np.nan
                prev = -1
                continue
            if use_cond and prev >= 0 and cond_known[prev, j]:
                v = cond[prev, j]
            else:
                v = centres[j]
            out[i] = v * scale[s] + loc[s]
            prev = j
    return out


@njit(cache=True, nogil=True)
def conditional_sums(symbols, z, offsets, n_bins):
    """Sum and count of scaled values per (previous symbol, symbol) pair within series."""
    sums = np.zeros((n_bins, n_bins))
    counts = np.zeros((n_bins, n_bins), dtype=np.int64)
    for s in range(offsets.shape[0] - 1):
        for i in range(offsets[s] + 1, offsets[s + 1]):
            k = symbols[i - 1] - N_SPECIAL
            j = symbols[i] - N_SPECIAL
            if k >= 0 and j >= 0:
                sums[k, j] += z[i]
                counts[k, j] += 1
    return sums, counts
