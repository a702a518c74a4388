//! Consistent fake values: the same real value always gives the same fake within one run
//! (a phone in `sellers`, `orders` and a job payload becomes one fake phone), because every
//! fake is derived from HMAC-SHA256 under a key drawn at random for the run. Without the
//! key, nobody can confirm a guess ("is +9198… in there?") by hashing a list of phones;
//! the key is never stored or printed.

use std::collections::{HashMap, HashSet};

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Fake phones are `+91 70` followed by 8 digits (see docs/staging.md).
pub const FAKE_PHONE_PREFIX: &str = "+9170";
const FAKE_PHONE_SPACE: u64 = 100_000_000;

const FIRST_NAMES: &[&str] = &[
    "Aarav",
    "Aditi",
    "Akash",
    "Ananya",
    "Arjun",
    "Bhavna",
    "Chetan",
    "Deepa",
    "Devansh",
    "Divya",
    "Farhan",
    "Gauri",
    "Harsh",
    "Isha",
    "Jaya",
    "Kabir",
    "Kavya",
    "Lakshmi",
    "Manav",
    "Meera",
    "Nikhil",
    "Neha",
    "Omkar",
    "Pooja",
    "Pranav",
    "Riya",
    "Rohan",
    "Sana",
    "Siddharth",
    "Sneha",
    "Tanvi",
    "Uday",
    "Varun",
    "Vidya",
    "Yash",
    "Zoya",
];
const LAST_NAMES: &[&str] = &[
    "Agarwal", "Bose", "Chopra", "Das", "Deshmukh", "Gill", "Iyer", "Joshi", "Kapoor", "Khan",
    "Kulkarni", "Menon", "Mishra", "Nair", "Pandey", "Patel", "Rao", "Reddy", "Saxena", "Sen",
    "Shah", "Singh", "Thakur", "Verma",
];
const STREETS: &[&str] = &[
    "Test Street",
    "Sample Road",
    "Example Lane",
    "Staging Marg",
    "Demo Nagar Road",
    "Placeholder Cross",
    "Fixture Main Road",
    "Dummy Bazaar Street",
];
const CITIES: &[&str] = &[
    "Testpur",
    "Samplenagar",
    "Exampleganj",
    "Stagingabad",
    "Demopuram",
    "Fixturepet",
];
const NOTES: &[&str] = &[
    "Please call before delivery.",
    "Leave the parcel with the security guard.",
    "Deliver after 5 pm.",
    "Ring the bell twice.",
    "Gift wrap if possible.",
    "Sample note (staging copy).",
];
const STORE_WORDS: &[&str] = &[
    "Sunrise", "Lotus", "Peacock", "Monsoon", "Saffron", "Banyan", "Marigold", "Jasmine", "Coral",
    "Indigo", "Mango", "Cardamom",
];
const STORE_KINDS: &[&str] = &[
    "Sarees",
    "Kitchen",
    "Crafts",
    "Spices",
    "Bakery",
    "Jewellery",
    "Textiles",
    "Pickles",
    "Pottery",
    "Tea House",
];
const DESCRIPTIONS: &[&str] = &[
    "A small shop with handpicked goods (staging copy).",
    "Homemade with care, delivered across the city (staging copy).",
    "Fresh stock every week (staging copy).",
];

/// Derives every fake of one run.
pub struct Faker {
    key: [u8; 32],
    /// Seller phones whose first fake collided with another seller's (`sellers.phone` is
    /// unique): real phone → the fake chosen instead. Tiny; see [`Faker::reserve_sellers`].
    phone_overrides: HashMap<String, String>,
}

impl Faker {
    pub fn new(key: [u8; 32]) -> Faker {
        Faker {
            key,
            phone_overrides: HashMap::new(),
        }
    }

    /// HMAC-SHA256(key, domain ‖ 0 ‖ value): the domain keeps a phone's digest apart from
    /// an address's with the same text.
    pub fn digest(&self, domain: &str, value: &[u8]) -> [u8; 32] {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("any key length works");
        mac.update(domain.as_bytes());
        mac.update(&[0]);
        mac.update(value);
        mac.finalize().into_bytes().into()
    }

    fn number(&self, domain: &str, value: &str) -> u64 {
        let digest = self.digest(domain, value.as_bytes());
        u64::from_be_bytes(digest[..8].try_into().expect("8 bytes"))
    }

    fn pick<'a>(&self, domain: &str, value: &str, list: &'a [&'a str]) -> &'a str {
        list[(self.number(domain, value) % list.len() as u64) as usize]
    }

    fn hex(&self, domain: &str, value: &[u8], chars: usize) -> String {
        let digest = self.digest(domain, value);
        hex::encode(digest)[..chars].to_owned()
    }

    /// Makes the fakes of `sellers.phone` (a unique column) distinct: every seller phone
    /// gets its usual fake unless another seller already has it, then the next free one.
    /// Memory is one `u64` per seller.
    pub fn reserve_sellers<'a>(&mut self, phones: impl Iterator<Item = &'a str>) {
        let mut used: HashSet<u64> = HashSet::new();
        for phone in phones {
            let mut attempt = 0u32;
            loop {
                let salted = if attempt == 0 {
                    phone.to_owned()
                } else {
                    format!("{phone}#{attempt}")
                };
                let slot = self.number("phone", &salted) % FAKE_PHONE_SPACE;
                if used.insert(slot) {
                    if attempt > 0 {
                        self.phone_overrides
                            .insert(phone.to_owned(), format_phone(slot));
                    }
                    break;
                }
                attempt += 1;
            }
        }
    }

    /// `+9170xxxxxxxx`. The real number is normalised to its digits first, so
    /// `+919812345678` and `+91 98123 45678` give one fake.
    pub fn phone(&self, real: &str) -> String {
        if let Some(fake) = self.phone_overrides.get(real) {
            return fake.clone();
        }
        let digits: String = real.chars().filter(char::is_ascii_digit).collect();
        let normalised = format!("+{digits}");
        if let Some(fake) = self.phone_overrides.get(&normalised) {
            return fake.clone();
        }
        format_phone(self.number("phone", &normalised) % FAKE_PHONE_SPACE)
    }

    pub fn person_name(&self, real: &str) -> String {
        format!(
            "{} {}",
            self.pick("first-name", real, FIRST_NAMES),
            self.pick("last-name", real, LAST_NAMES)
        )
    }

    pub fn address(&self, real: &str) -> String {
        let number = self.number("address", real);
        format!(
            "{}, {}, {} {}",
            number % 200 + 1,
            STREETS[((number >> 8) % STREETS.len() as u64) as usize],
            CITIES[((number >> 16) % CITIES.len() as u64) as usize],
            // PIN codes starting with 9 are the army's postal service: never a street.
            900_000 + (number >> 24) % 1000
        )
    }

    /// Empty stays empty (distributions of "has a note" are kept).
    pub fn note(&self, real: &str) -> String {
        if real.is_empty() {
            return String::new();
        }
        self.pick("note", real, NOTES).to_owned()
    }

    pub fn store_name(&self, real: &str) -> String {
        format!(
            "{} {}",
            self.pick("store-word", real, STORE_WORDS),
            self.pick("store-kind", real, STORE_KINDS)
        )
    }

    pub fn store_description(&self, real: &str) -> String {
        if real.is_empty() {
            return String::new();
        }
        self.pick("store-description", real, DESCRIPTIONS)
            .to_owned()
    }

    /// A valid store slug (`shop-` and 12 hex digits): unique with overwhelming
    /// probability; a collision fails the run on the unique index rather than merging.
    pub fn slug(&self, real: &str) -> String {
        format!("shop-{}", self.hex("slug", real.as_bytes(), 12))
    }

    pub fn upi_id(&self, real: &str) -> String {
        format!("staging.{}@example", self.hex("upi", real.as_bytes(), 10))
    }

    /// A GSTIN of the valid shape with a correct check character.
    pub fn gstin(&self, real: &str) -> String {
        let digest = self.digest("gstin", real.as_bytes());
        let letter = |index: usize| char::from(b'A' + digest[index] % 26);
        let digit = |index: usize| char::from(b'0' + digest[index] % 10);
        let body: String = [
            '2',
            '7',
            letter(0),
            letter(1),
            letter(2),
            letter(3),
            letter(4),
            digit(5),
            digit(6),
            digit(7),
            digit(8),
            letter(9),
            '1',
            'Z',
        ]
        .into_iter()
        .collect();
        let check = haat_domain::gstin_check_char(body.as_bytes());
        format!("{body}{}", char::from(check))
    }

    /// 32 lowercase hex digits (an order's link token).
    pub fn order_token(&self, real: &str) -> String {
        self.hex("order-token", real.as_bytes(), 32)
    }

    /// `HT` and 18 uppercase hex digits (an order's gateway reference).
    pub fn payment_ref(&self, real: &str) -> String {
        format!(
            "HT{}",
            self.hex("payment-ref", real.as_bytes(), 18)
                .to_ascii_uppercase()
        )
    }

    pub fn event_id(&self, real: &str) -> String {
        format!("evt_{}", self.hex("event-id", real.as_bytes(), 24))
    }

    pub fn idempotency_key(&self, real: &str) -> String {
        format!("key-{}", self.hex("idempotency-key", real.as_bytes(), 32))
    }

    pub fn tracking_id(&self, real: &str) -> String {
        format!(
            "TRK{}",
            self.hex("tracking", real.as_bytes(), 12)
                .to_ascii_uppercase()
        )
    }

    /// Discount codes are case-insensitive: the fake follows the upper-cased code, so
    /// `code`, `code_key` and `orders.discount_code` agree.
    pub fn discount_code(&self, real: &str) -> String {
        let key = real.to_uppercase();
        format!(
            "STG{}",
            self.hex("discount", key.as_bytes(), 8).to_ascii_uppercase()
        )
    }

    /// 32 bytes standing for a token hash, a code hash or a request fingerprint: no
    /// production token, code or request hashes to it.
    pub fn hash32(&self, domain: &str, real: &[u8]) -> Vec<u8> {
        self.digest(domain, real).to_vec()
    }

    pub fn cancel_reason(&self, real: &str) -> String {
        if real.is_empty() {
            return String::new();
        }
        self.pick(
            "cancel-reason",
            real,
            &[
                "Out of stock (staging copy).",
                "Customer asked to cancel (staging copy).",
            ],
        )
        .to_owned()
    }
}

fn format_phone(slot: u64) -> String {
    format!("{FAKE_PHONE_PREFIX}{slot:08}")
}

/// Public business text a seller wrote (product names and descriptions, category names,
/// operator error texts) is kept, minus what looks like contact data: every word with an
/// `@` (emails, UPI ids) and every run of 7 or more digits (with `+`, spaces, `-`, `.`,
/// brackets between them: phone numbers, IPv4 addresses, account numbers) is replaced.
pub fn scrub(text: &str) -> String {
    let without_emails: Vec<String> = text
        .split(' ')
        .map(|word| {
            if word.contains('@') {
                "[email removed]".to_owned()
            } else {
                word.to_owned()
            }
        })
        .collect();
    redact_digit_runs(&without_emails.join(" "))
}

fn redact_digit_runs(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut index = 0;
    while index < chars.len() {
        let starts_number = chars[index].is_ascii_digit()
            || (chars[index] == '+' && chars.get(index + 1).is_some_and(char::is_ascii_digit));
        if !starts_number {
            out.push(chars[index]);
            index += 1;
            continue;
        }
        // Extend over digits and separators; the run ends at its last digit.
        let mut end = index;
        let mut last_digit = index;
        let mut digits = 0;
        while end < chars.len()
            && (chars[end].is_ascii_digit()
                || matches!(chars[end], '+' | ' ' | '-' | '.' | '(' | ')'))
        {
            if chars[end].is_ascii_digit() {
                digits += 1;
                last_digit = end;
            }
            end += 1;
        }
        if digits >= 7 {
            out.push_str("[number removed]");
        } else {
            out.extend(&chars[index..=last_digit]);
        }
        index = last_digit + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use haat_domain::{Gstin, OrderToken, PaymentRef, Phone, StoreSlug, UpiId};

    fn faker() -> Faker {
        Faker::new([7; 32])
    }

    #[test]
    fn fakes_are_consistent_and_valid_for_the_app() {
        let faker = faker();
        let phone = faker.phone("+919812345678");
        assert_eq!(phone, faker.phone("+91 98123 45678"));
        assert!(phone.starts_with(FAKE_PHONE_PREFIX) && phone.len() == 13);
        for real in ["+919812345678", "+14155550100", "+447700900123"] {
            assert!(Phone::parse(&faker.phone(real)).is_ok(), "{real}");
        }
        assert!(StoreSlug::parse(&faker.slug("zubeida-sarees")).is_ok());
        assert!(UpiId::parse(&faker.upi_id("zubeida@okbank")).is_ok());
        assert!(Gstin::parse(&faker.gstin("27AAPFU0939F1ZV")).is_ok());
        assert!(OrderToken::parse(&faker.order_token("x")).is_ok());
        assert!(PaymentRef::parse(&faker.payment_ref("HT123")).is_ok());
        assert_eq!(
            faker.discount_code("Diwali10"),
            faker.discount_code("DIWALI10")
        );
        assert_ne!(faker.person_name("A"), "");
        assert_eq!(faker.note(""), "");
    }

    #[test]
    fn a_different_key_gives_different_fakes() {
        assert_ne!(
            faker().phone("+919812345678"),
            Faker::new([8; 32]).phone("+919812345678")
        );
    }

    #[test]
    fn colliding_seller_phones_get_distinct_fakes() {
        let mut faker = faker();
        let phones: Vec<String> = (0..20_000).map(|n| format!("+9198{n:08}")).collect();
        faker.reserve_sellers(phones.iter().map(String::as_str));
        let fakes: HashSet<String> = phones.iter().map(|p| faker.phone(p)).collect();
        assert_eq!(fakes.len(), phones.len());
    }

    #[test]
    fn scrub_removes_contact_data_and_keeps_the_rest() {
        let check = |input: &str, expected: &str| assert_eq!(scrub(input), expected, "{input}");
        check("Cotton saree, 5.5 m", "Cotton saree, 5.5 m");
        check("Call +91 98123 45678 now", "Call [number removed] now");
        check("call 9812345678.", "call [number removed].");
        check(
            "mail zubeida@example.com today",
            "mail [email removed] today",
        );
        check("from 203.0.113.77", "from [number removed]");
        check("Pack of 12, ₹450", "Pack of 12, ₹450");
    }
}
