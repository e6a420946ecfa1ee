//! A latency histogram with log-spaced buckets, in microseconds: exact below
//! 64 µs, then 32 buckets per power of two (at most 3.2 % relative error),
//! up to days. Recording is an increment; histograms of several clients add
//! up.

const SUB_BITS: u32 = 5;
const SUB: usize = 1 << SUB_BITS; // 32
const BUCKETS: usize = 64 * SUB;

#[derive(Debug, Clone)]
pub struct Histogram {
    counts: Vec<u64>,
    total: u64,
    max: u64,
    sum: u128,
}

impl Default for Histogram {
    fn default() -> Self {
        Self { counts: vec![0; BUCKETS], total: 0, max: 0, sum: 0 }
    }
}

fn index(v: u64) -> usize {
    if v < 2 * SUB as u64 {
        return v as usize;
    }
    let e = 63 - v.leading_zeros(); // floor(log2 v) ≥ 6
    let shift = e - SUB_BITS;
    let mantissa = (v >> shift) as usize; // in [32, 64)
    (shift as usize + 1) * SUB + (mantissa - SUB)
}

/// The smallest and largest value of a bucket.
fn bounds(i: usize) -> (u64, u64) {
    if i < 2 * SUB {
        return (i as u64, i as u64);
    }
    let shift = (i / SUB - 1) as u32;
    let mantissa = (i % SUB + SUB) as u64;
    (mantissa << shift, ((mantissa + 1) << shift) - 1)
}

impl Histogram {
    pub fn record(&mut self, micros: u64) {
        let i = index(micros).min(BUCKETS - 1);
        self.counts[i] += 1;
        self.total += 1;
        self.max = self.max.max(micros);
        self.sum += u128::from(micros);
    }

    pub fn add(&mut self, other: &Histogram) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.total += other.total;
        self.max = self.max.max(other.max);
        self.sum += other.sum;
    }

    pub fn count(&self) -> u64 {
        self.total
    }

    pub fn max(&self) -> u64 {
        self.max
    }

    pub fn mean(&self) -> f64 {
        if self.total == 0 { 0.0 } else { self.sum as f64 / self.total as f64 }
    }

    /// The value at quantile `q` (0 < q ≤ 1): the middle of the bucket that
    /// holds it, never above the largest value seen.
    pub fn quantile(&self, q: f64) -> u64 {
        if self.total == 0 {
            return 0;
        }
        let rank = ((q * self.total as f64).ceil() as u64).clamp(1, self.total);
        if rank == self.total {
            // The largest sample is known exactly.
            return self.max;
        }
        let mut seen = 0;
        for (i, c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                let (lo, hi) = bounds(i);
                return (lo + (hi - lo) / 2).min(self.max);
            }
        }
        self.max
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_contiguous_and_tight() {
        let mut last = 0;
        for v in 0..200_000u64 {
            let i = index(v);
            assert!(i == last || i == last + 1, "{v}: {i} after {last}");
            let (lo, hi) = bounds(i);
            assert!(lo <= v && v <= hi, "{v} not in {lo}..={hi}");
            assert!((hi - lo) as f64 <= v as f64 / 31.0, "{v}: bucket {lo}..={hi} too wide");
            last = i;
        }
        assert!(index(u64::MAX) < BUCKETS);
    }

    #[test]
    fn quantiles() {
        let mut h = Histogram::default();
        for v in 1..=1000 {
            h.record(v);
        }
        assert_eq!(h.count(), 1000);
        assert_eq!(h.max(), 1000);
        let p50 = h.quantile(0.5) as f64;
        assert!((p50 - 500.0).abs() <= 500.0 * 0.04, "{p50}");
        let p99 = h.quantile(0.99) as f64;
        assert!((p99 - 990.0).abs() <= 990.0 * 0.04, "{p99}");
        assert_eq!(h.quantile(1.0), 1000);
        let mut g = Histogram::default();
        g.record(5000);
        h.add(&g);
        assert_eq!(h.max(), 5000);
        assert_eq!(h.count(), 1001);
    }
}
