//! The generator's randomness: SplitMix64 streams derived from the seed, one per store
//! and purpose, so a store's rows never depend on how stores are batched or on the rows
//! of any other store.
//!
//! The one SplitMix64 of the workspace: the relevance suite's and the search benchmark's
//! generated catalogs use it too. Frozen: changing it would change every generated data
//! set and every catalog (a crate's generator may change its stream between versions).

use uuid::Uuid;

/// What a stream is for: changing the number of orders never changes a store's products.
#[derive(Clone, Copy, Debug)]
pub enum Purpose {
    /// Which stores are in the long tail (one stream for the whole run).
    Tail = 1,
    /// A store's size.
    Size = 2,
    /// A store's identity and settings: names, slug, seller, city, checkout settings.
    Identity = 3,
    /// A store's catalog: categories, photos, products.
    Catalog = 4,
    /// A store's order history.
    Orders = 5,
    /// A generated photo (numbered like stores, in a stream of its own).
    Photo = 6,
}

pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    /// The stream for `purpose` of store `store` under `seed`.
    pub fn stream(seed: u64, store: u64, purpose: Purpose) -> SplitMix64 {
        let mixed = mix(seed ^ mix(store.wrapping_add(1) ^ mix(purpose as u64)));
        SplitMix64(mixed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Uniform in `low..=high`.
    pub fn between(&mut self, low: i64, high: i64) -> i64 {
        low + (self.next_u64() % (high - low + 1) as u64) as i64
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// `count` distinct items (fewer if there are not that many), in random order.
    pub fn some<'a, T>(&mut self, items: &'a [T], count: usize) -> Vec<&'a T> {
        let mut order: Vec<usize> = (0..items.len()).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, self.below(i + 1));
        }
        order.into_iter().take(count).map(|i| &items[i]).collect()
    }

    /// An index into `weights`, each chosen in proportion to its weight.
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut target = self.below(total.max(1) as usize) as u32;
        for (index, weight) in weights.iter().enumerate() {
            if target < *weight {
                return index;
            }
            target -= weight;
        }
        weights.len() - 1
    }

    /// `count` distinct indices of `0..len` (fewer if `len` is smaller), in random order.
    pub fn sample(&mut self, len: usize, count: usize) -> Vec<usize> {
        let count = count.min(len);
        if count <= 64 && count * 8 <= len {
            // A few of many (an order's lines among a large store's products): draw and
            // redraw duplicates, without a vector of every index.
            let mut picked = Vec::with_capacity(count);
            while picked.len() < count {
                let candidate = self.below(len);
                if !picked.contains(&candidate) {
                    picked.push(candidate);
                }
            }
            return picked;
        }
        let mut order: Vec<usize> = (0..len).collect();
        for i in 0..count {
            let j = i + self.below(len - i);
            order.swap(i, j);
        }
        order.truncate(count);
        order
    }

    /// A UUIDv7 whose time is `unix_millis` and whose random bits come from this stream:
    /// ids sort in creation order, as the application's own do.
    pub fn uuid_v7(&mut self, unix_millis: i64) -> Uuid {
        let a = self.next_u64().to_le_bytes();
        let b = self.next_u64().to_le_bytes();
        let random = [a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], b[0], b[1]];
        uuid::Builder::from_unix_timestamp_millis(unix_millis.max(0) as u64, &random).into_uuid()
    }

    /// `len` lowercase hex characters (an order token is 32).
    pub fn hex(&mut self, len: usize) -> String {
        let mut text = String::with_capacity(len + 16);
        while text.len() < len {
            text.push_str(&format!("{:016x}", self.next_u64()));
        }
        text.truncate(len);
        text
    }
}

/// SplitMix64's finaliser: spreads nearby inputs (store 1, 2, 3) over the whole range.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let first = SplitMix64::stream(7, 3, Purpose::Catalog).next_u64();
        assert_eq!(first, SplitMix64::stream(7, 3, Purpose::Catalog).next_u64());
        assert_ne!(first, SplitMix64::stream(7, 4, Purpose::Catalog).next_u64());
        assert_ne!(first, SplitMix64::stream(7, 3, Purpose::Orders).next_u64());
        assert_ne!(first, SplitMix64::stream(8, 3, Purpose::Catalog).next_u64());
    }

    #[test]
    fn sample_is_distinct() {
        let mut rng = SplitMix64::new(1);
        let mut picked = rng.sample(100, 30);
        picked.sort_unstable();
        picked.dedup();
        assert_eq!(picked.len(), 30);
        assert_eq!(rng.sample(3, 10).len(), 3);
        let mut few = rng.sample(10_000, 5);
        few.sort_unstable();
        few.dedup();
        assert_eq!(few.len(), 5);
    }
}
