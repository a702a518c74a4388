//! The plan of a run: which stores are in the long tail, each store's size, identity
//! and settings. Everything about store `i` is worked out from the seed and `i` alone
//! (plus the one tail draw), so any store can be produced again without the others.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

use super::rng::{Purpose, SplitMix64};
use super::vocabulary::{
    City, Kind, ACCENTS, BLESSINGS, CITIES, FIRST_NAMES, KINDS, MARKETS, SURNAMES, UPI_HANDLES,
};
use super::GenerateArgs;

/// Sellers' phone numbers: `+91 7000` followed by the store number in six digits
/// (`+917000000001` for store 1).
pub const SELLER_PHONE_PREFIX: &str = "+917000";
/// Customers' phone numbers: `+91 6000` followed by six digits.
pub const CUSTOMER_PHONE_PREFIX: &str = "+916000";
/// Six digits after the prefix: at most this many stores (and sellers).
pub const MAX_STORES: u32 = 999_999;

const DAY_MS: i64 = 86_400_000;

/// `MIN-MAX` (or one number): the inclusive range a store's product count is drawn from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SizeRange {
    pub min: u32,
    pub max: u32,
}

impl SizeRange {
    /// Log-uniform in the range: small sizes are as likely per decade as large ones, so
    /// most stores sit near the low end, as in real catalogs.
    fn draw(&self, rng: &mut SplitMix64) -> u32 {
        // Over [min + 1, max + 2), less one and rounded down: every size in range.
        let low = f64::from(self.min) + 1.0;
        let high = f64::from(self.max) + 2.0;
        let value = (low.ln() + rng.unit() * (high.ln() - low.ln())).exp() - 1.0;
        (value.floor() as u32).clamp(self.min, self.max)
    }
}

impl FromStr for SizeRange {
    type Err = String;

    fn from_str(input: &str) -> Result<SizeRange, String> {
        let number = |text: &str| {
            text.trim()
                .replace('_', "")
                .parse::<u32>()
                .map_err(|_| format!("`{input}` is not a range like 5-50 (whole numbers)"))
        };
        let (min, max) = match input.split_once('-') {
            Some((min, max)) => (number(min)?, number(max)?),
            None => {
                let only = number(input)?;
                (only, only)
            }
        };
        if min > max {
            return Err(format!(
                "`{input}`: the minimum {min} is larger than the maximum {max}"
            ));
        }
        if max > 1_000_000 {
            return Err(format!("`{input}`: at most 1000000 products per store"));
        }
        Ok(SizeRange { min, max })
    }
}

impl fmt::Display for SizeRange {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}-{}", self.min, self.max)
    }
}

/// Everything fixed for a run.
pub struct Plan {
    pub seed: u64,
    pub stores: u32,
    pub body: SizeRange,
    pub tail: SizeRange,
    /// `large[i]`: store `i` is in the long tail.
    large: Vec<bool>,
    pub orders_mean: f64,
    /// The end of the history (unix milliseconds) and its length.
    pub until_ms: i64,
    pub history_ms: i64,
}

/// One store: who owns it, what it sells, how big it is, how it takes orders.
pub struct StorePlan {
    pub index: u32,
    pub id: Uuid,
    pub seller_id: Uuid,
    pub seller_created_ms: i64,
    pub seller_phone: String,
    pub kind: &'static Kind,
    pub name: String,
    pub slug: String,
    pub description: &'static str,
    pub accent: &'static str,
    pub city: &'static City,
    pub address: String,
    pub created_ms: i64,
    pub products: u32,
    pub large: bool,
    pub whatsapp: bool,
    pub upi_id: Option<String>,
    pub delivery_fee_minor: i64,
    pub pickup_enabled: bool,
    pub gstin: Option<String>,
    pub tax_rate_bps: Option<i32>,
}

impl Plan {
    /// `--large-share` of the stores (rounded to a whole number) are drawn from
    /// `--large-products`, the others from `--products-per-store`.
    pub fn new(args: &GenerateArgs) -> Plan {
        let count = args.stores as usize;
        let large_count = ((f64::from(args.stores) * args.large_share).round() as usize).min(count);
        let mut large = vec![false; count];
        let mut rng = SplitMix64::stream(args.seed, 0, Purpose::Tail);
        for index in rng.sample(count, large_count) {
            large[index] = true;
        }
        Plan {
            seed: args.seed,
            stores: args.stores,
            body: args.products_per_store,
            tail: args.large_products,
            large,
            orders_mean: args.orders_per_store,
            until_ms: args.until.midnight().assume_utc().unix_timestamp() * 1_000,
            history_ms: i64::from(args.months) * 30 * DAY_MS,
        }
    }

    pub fn is_large(&self, index: u32) -> bool {
        self.large[index as usize]
    }

    pub fn large_stores(&self) -> u64 {
        self.large.iter().filter(|large| **large).count() as u64
    }

    /// The number of products of store `index`.
    pub fn size(&self, index: u32) -> u32 {
        let mut rng = SplitMix64::stream(self.seed, u64::from(index), Purpose::Size);
        if self.is_large(index) {
            self.tail.draw(&mut rng)
        } else {
            self.body.draw(&mut rng)
        }
    }

    pub fn store(&self, index: u32) -> StorePlan {
        let large = self.is_large(index);
        let mut rng = SplitMix64::stream(self.seed, u64::from(index), Purpose::Identity);
        let weights: Vec<u32> = KINDS
            .iter()
            .map(|kind| {
                if large {
                    kind.large_weight
                } else {
                    kind.weight
                }
            })
            .collect();
        let kind = &KINDS[rng.weighted(&weights)];
        let words = *rng.pick(kind.store_words);
        let name = match rng.below(3) {
            0 => format!("{} {words}", rng.pick(SURNAMES)),
            1 => format!("{}'s {words}", rng.pick(FIRST_NAMES)),
            _ => format!("{} {words}", rng.pick(BLESSINGS)),
        };
        let number = index + 1;
        let slug = format!("{}-{number}", slugify(&name));
        // Stores opened during the first 60% of the history, so each has months of orders.
        let opened_window = self.history_ms * 6 / 10;
        let created_ms = self.until_ms - self.history_ms + rng.between(0, opened_window);
        let id = rng.uuid_v7(created_ms);
        let seller_created_ms = created_ms - rng.between(60_000, 3_600_000);
        let seller_id = rng.uuid_v7(seller_created_ms);
        let city = rng.pick(&CITIES);
        let address = format!(
            "{}, {}, {}, {} {}",
            rng.between(1, 220),
            rng.pick(MARKETS),
            rng.pick(city.localities),
            city.name,
            city.pin + rng.between(0, 30) as u32
        );
        let upi_id = rng.chance(0.6).then(|| {
            format!(
                "{}{}@{}",
                slugify(&name).replace('-', "."),
                number,
                rng.pick(UPI_HANDLES)
            )
        });
        let delivery_fee_minor = *rng.pick(&[0, 2_000, 3_000, 4_000, 5_000]);
        let description = *rng.pick(kind.taglines);
        let accent = *rng.pick(ACCENTS);
        StorePlan {
            index,
            id,
            seller_id,
            seller_created_ms,
            seller_phone: format!("{SELLER_PHONE_PREFIX}{number:06}"),
            kind,
            name,
            slug,
            description,
            accent,
            city,
            address,
            created_ms,
            products: self.size(index),
            large,
            whatsapp: rng.chance(0.7),
            upi_id,
            delivery_fee_minor,
            pickup_enabled: delivery_fee_minor == 0 || rng.chance(0.6),
            gstin: rng.chance(0.2).then(|| gstin(&mut rng)),
            tax_rate_bps: *rng.pick(&[None, None, Some(500), Some(1_200), Some(1_800)]),
        }
    }
}

/// Lowercase words joined by `-`, letters and digits only (`Meera's Bakery` → `meeras-bakery`).
pub fn slugify(name: &str) -> String {
    let mut slug = String::with_capacity(name.len());
    for word in name.split_whitespace() {
        let word: String = word
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect();
        if word.is_empty() {
            continue;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(&word);
    }
    slug
}

/// A GSTIN of the right shape whose check character is right (as `Gstin::parse` checks).
fn gstin(rng: &mut SplitMix64) -> String {
    const LETTERS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut body = format!("{:02}", rng.between(1, 37));
    for _ in 0..5 {
        body.push(*rng.pick(LETTERS) as char);
    }
    body.push_str(&format!("{:04}", rng.between(0, 9999)));
    body.push(*rng.pick(LETTERS) as char);
    body.push('1');
    body.push('Z');
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let sum: u32 = body
        .bytes()
        .enumerate()
        .map(|(index, b)| {
            let value = ALPHABET.iter().position(|c| *c == b).unwrap_or(0) as u32;
            let product = value * if index % 2 == 0 { 1 } else { 2 };
            product / 36 + product % 36
        })
        .sum();
    body.push(ALPHABET[((36 - sum % 36) % 36) as usize] as char);
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse_and_refuse() {
        assert_eq!("5-50".parse(), Ok(SizeRange { min: 5, max: 50 }));
        assert_eq!("20".parse(), Ok(SizeRange { min: 20, max: 20 }));
        assert_eq!(
            "2_000-20_000".parse(),
            Ok(SizeRange {
                min: 2_000,
                max: 20_000
            })
        );
        assert!("50-5".parse::<SizeRange>().unwrap_err().contains("larger"));
        assert!("a-b".parse::<SizeRange>().is_err());
        assert!("-5".parse::<SizeRange>().is_err());
    }

    #[test]
    fn draws_stay_in_range() {
        let range = SizeRange { min: 5, max: 50 };
        let mut rng = SplitMix64::new(3);
        let sizes: Vec<u32> = (0..10_000).map(|_| range.draw(&mut rng)).collect();
        assert!(sizes.iter().all(|size| (5..=50).contains(size)));
        assert!(sizes.contains(&5) && sizes.contains(&50));
        let small = sizes.iter().filter(|size| **size < 20).count();
        assert!(
            small > 5_000,
            "log-uniform: most stores are small ({small})"
        );
    }

    #[test]
    fn generated_values_pass_the_domain_parsers() {
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            args: GenerateArgs,
        }
        let cli = <Cli as clap::Parser>::parse_from(["generate", "--stores", "500", "--seed", "9"]);
        let plan = Plan::new(&cli.args);
        assert_eq!(plan.large_stores(), 5);
        for index in 0..500 {
            let store = plan.store(index);
            haat_domain::StoreSlug::parse(&store.slug).unwrap();
            haat_domain::StoreName::parse(&store.name).unwrap();
            haat_domain::Phone::parse(&store.seller_phone).unwrap();
            if let Some(upi) = &store.upi_id {
                haat_domain::UpiId::parse(upi).unwrap();
            }
            if let Some(gstin) = &store.gstin {
                haat_domain::Gstin::parse(gstin).unwrap();
            }
        }
        haat_domain::Phone::parse(&format!("{CUSTOMER_PHONE_PREFIX}123456")).unwrap();
        haat_domain::Phone::parse(&format!("{SELLER_PHONE_PREFIX}{MAX_STORES}")).unwrap();
    }
}
