//! Per-album aggregates of the index: what invalidation asks about an
//! album (does any track still have it, has its fingerprint changed, do its
//! tracks agree on a year) in O(1), kept up to date track by track.

/// Per album pair: how many tracks, and the album fingerprint, a wrapping
/// sum of a hash of each track's id and year (order does not matter, and a
/// track can be taken out again by subtracting). The same goes for the
/// years: their count, sum and sum of squares say, in O(1) and without
/// keeping the years, whether every dated track has the same year (n·Σy² =
/// (Σy)² exactly when they are all equal).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AlbumAgg {
    /// Tracks with this pair.
    pub tracks: u32,
    /// Fingerprint over their ids and years.
    pub fingerprint: u64,
    /// Tracks with a year.
    pub dated: u32,
    /// Sum of their years.
    pub year_sum: i64,
    /// Sum of the squares of their years.
    pub year_squares: i128,
}

impl AlbumAgg {
    /// The year every dated track carries; `None` when none has a year or
    /// they differ.
    pub fn common_year(&self) -> Option<i32> {
        let n = i128::from(self.dated);
        let sum = i128::from(self.year_sum);
        if n == 0 || sum % n != 0 || n * self.year_squares != sum * sum {
            return None;
        }
        i32::try_from(sum / n).ok()
    }

    pub(super) fn count_year(&mut self, year: Option<i32>, add: bool) {
        let Some(y) = year else { return };
        let (y, sign) = (i64::from(y), if add { 1 } else { -1 });
        self.dated = if add {
            self.dated + 1
        } else {
            self.dated.saturating_sub(1)
        };
        self.year_sum += sign * y;
        self.year_squares += i128::from(sign * y * y);
    }
}

pub(super) fn track_hash(id: &str, year: Option<i32>) -> u64 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(id.as_bytes());
    h.update(&year.map_or([0; 5], |y| {
        let mut b = [1; 5];
        b[1..].copy_from_slice(&y.to_le_bytes());
        b
    }));
    h.digest()
}
