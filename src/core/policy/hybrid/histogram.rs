//! The per-function idle-time histogram with incrementally tracked percentiles, and the ring of
//! recent idle times the forecast reads.

use crate::core::time::Span;

/// A percentile of one histogram, tracked as idle times arrive: the bin holding the idle time of
/// its rank, and how many idle times lie in the bins below it.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Quantile {
    pub(super) bin: u32,
    pub(super) below: u64,
}

/// One function's idle-time histogram. Laid out in one cache line (the counts in one
/// allocation behind it, occupied-bin bitmap first), because a decision touches it for a
/// function picked at random among thousands.
#[derive(Clone, Debug)]
#[repr(C, align(64))]
pub(super) struct Histogram {
    /// Idle times within the range.
    pub(super) n: u64,
    /// Sum of squared bin counts, for the bin counts' coefficient of variation.
    pub(super) sum_sq: u64,
    /// Idle times beyond the range.
    pub(super) oob: u64,
    pub(super) head_below: u64,
    pub(super) tail_below: u64,
    pub(super) head_bin: u32,
    pub(super) tail_bin: u32,
    /// The number of bitmap words `w`, then `w` u32 words of bitmap (bit `b` set when bin `b`
    /// holds an idle time; bins never empty again), then one count per bin.
    pub(super) cells: Box<[u32]>,
}

/// The smallest `k` with `k >= x`, for `0 <= x < 2^53` (what `f64::ceil` gives, without a libm
/// call; through `i64`, whose conversions are single instructions).
#[inline]
pub(super) fn ceil_u64(x: f64) -> u64 {
    let t = x as i64;
    (if (t as f64) < x { t + 1 } else { t }) as u64
}

impl Histogram {
    pub(super) fn new(bins: usize) -> Self {
        let words = bins.div_ceil(32);
        let mut cells = vec![0; 1 + words + bins].into_boxed_slice();
        cells[0] = words as u32;
        Histogram {
            n: 0,
            sum_sq: 0,
            oob: 0,
            head_below: 0,
            tail_below: 0,
            head_bin: 0,
            tail_bin: 0,
            cells,
        }
    }

    /// Where the counts start in `cells`.
    #[inline]
    pub(super) fn counts_at(&self) -> usize {
        1 + self.cells[0] as usize
    }

    #[inline]
    pub(super) fn bins(&self) -> usize {
        self.cells.len() - self.counts_at()
    }

    #[inline]
    pub(super) fn count(&self, bin: usize) -> u64 {
        self.cells[self.counts_at() + bin] as u64
    }

    #[cfg(test)]
    pub(super) fn counts(&self) -> &[u32] {
        &self.cells[self.counts_at()..]
    }

    pub(super) fn head(&self) -> Quantile {
        Quantile {
            bin: self.head_bin,
            below: self.head_below,
        }
    }

    pub(super) fn tail(&self) -> Quantile {
        Quantile {
            bin: self.tail_bin,
            below: self.tail_below,
        }
    }

    /// Rank (1-based) of percentile `frac` (a fraction) among the `n` idle times in range.
    #[inline]
    pub(super) fn rank(&self, frac: f64) -> u64 {
        ceil_u64(frac * self.n as i64 as f64).clamp(1, self.n)
    }

    /// Adds an idle time in bin `bin`, moving the two percentiles to their new bins.
    #[inline]
    pub(super) fn add(&mut self, bin: usize, head: f64, tail: f64) {
        let at = self.counts_at();
        let c = self.cells[at + bin] as u64;
        self.sum_sq += 2 * c + 1;
        self.cells[at + bin] += 1;
        self.cells[1 + bin / 32] |= 1 << (bin % 32);
        self.n += 1;
        let (rh, rt) = (self.rank(head), self.rank(tail));
        let mut q = self.head();
        self.follow(&mut q, bin, rh);
        (self.head_bin, self.head_below) = (q.bin, q.below);
        let mut q = self.tail();
        self.follow(&mut q, bin, rt);
        (self.tail_bin, self.tail_below) = (q.bin, q.below);
    }

    /// Restores `q` (the bin of rank `rank`) after an idle time was added to bin `added`. The
    /// rank and the count below move by at most one, so `q` moves to a neighbouring occupied
    /// bin at most (the loops run once or not at all).
    #[inline]
    pub(super) fn follow(&self, q: &mut Quantile, added: usize, rank: u64) {
        if self.n == 1 {
            *q = Quantile {
                bin: added as u32,
                below: 0,
            };
            return;
        }
        if added < q.bin as usize {
            q.below += 1;
        }
        while q.below >= rank {
            let b = self.prev_occupied(q.bin as usize);
            q.bin = b as u32;
            q.below -= self.count(b);
        }
        while q.below + self.count(q.bin as usize) < rank {
            q.below += self.count(q.bin as usize);
            q.bin = self.next_occupied(q.bin as usize) as u32;
        }
    }

    /// The nearest occupied bin below `b` (one exists when the loop above asks).
    pub(super) fn prev_occupied(&self, b: usize) -> usize {
        let (mut w, bit) = (b / 32, b % 32);
        let mut word = self.cells[1 + w] & ((1u32 << bit) - 1);
        while word == 0 {
            w -= 1;
            word = self.cells[1 + w];
        }
        w * 32 + 31 - word.leading_zeros() as usize
    }

    /// The nearest occupied bin above `b` (one exists when the loop above asks).
    pub(super) fn next_occupied(&self, b: usize) -> usize {
        let (mut w, bit) = ((b + 1) / 32, (b + 1) % 32);
        let mut word = self.cells[1 + w] & (u32::MAX << bit);
        while word == 0 {
            w += 1;
            word = self.cells[1 + w];
        }
        w * 32 + word.trailing_zeros() as usize
    }

    /// Coefficient of variation of the bin counts.
    pub(super) fn cv(&self) -> f64 {
        // Counts convert through i64 (one instruction; exact below 2^53, like u64's).
        let bins = self.bins() as f64;
        let mean = self.n as i64 as f64 / bins;
        if mean == 0.0 {
            return 0.0;
        }
        let var = (self.sum_sq as i64 as f64 / bins - mean * mean).max(0.0);
        var.sqrt() / mean
    }
}

/// One function's most recent idle times, for the forecast: a ring buffer allocated
/// (`arima_window` long) at the function's first idle time beyond the range, since only such
/// functions forecast.
#[derive(Clone, Debug, Default)]
pub(super) struct Recent {
    pub(super) ring: Vec<u64>,
    /// Idle times ever pushed (the next slot is `pushed % len`).
    pub(super) pushed: u64,
}

impl Recent {
    #[inline]
    pub(super) fn remember(&mut self, idle: Span, window: usize) {
        if self.ring.is_empty() {
            if window == 0 {
                return;
            }
            self.ring = vec![0; window];
        }
        let len = self.ring.len() as u64;
        self.ring[(self.pushed % len) as usize] = idle.ns();
        self.pushed += 1;
    }

    pub(super) fn len(&self) -> usize {
        self.pushed.min(self.ring.len() as u64) as usize
    }

    /// The remembered idle times, oldest first, in seconds.
    pub(super) fn secs(&self) -> impl Iterator<Item = f64> + Clone + '_ {
        let len = (self.ring.len() as u64).max(1);
        let first = self.pushed - self.len() as u64;
        (first..self.pushed).map(move |i| self.ring[(i % len) as usize] as f64 / 1e9)
    }
}
