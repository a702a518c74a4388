//! The relevance suite's catalog: six stores of one node, generated deterministically
//! from a fixed seed. Each store has hand-written *anchor* products (the ones the cases
//! name) among hundreds of generated distractors that share their brands, words,
//! categories and descriptions, so that finding the anchors is a matter of ranking.

use std::collections::{HashMap, HashSet};

use haat_search::ProductDoc;
use uuid::Uuid;

/// The catalog's seed: change it and every distractor changes (the anchors do not).
const SEED: u64 = 0x4841_4154_5345_4152; // "HAATSEAR"
/// Products are created over the year before this moment (Unix seconds).
const NOW: i64 = 1_735_689_600; // 2025-01-01
const YEAR: i64 = 365 * 24 * 3600;

pub use haat_staging::generate::rng::SplitMix64 as Rng;

/// The stores of the node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Store {
    /// Stride Footwear: shoes, sandals, slippers, shoe care.
    Shoes,
    /// Sharma Kirana: groceries, staples, snacks, household.
    Kirana,
    /// FreshMart: another grocer, selling many of the same products (isolation).
    Mart,
    /// Desi Threads: western and ethnic apparel.
    Apparel,
    /// Gupta Mobiles & Electronics: phones, accessories, appliances.
    Electronics,
    /// Spice Route Kitchen: a restaurant's menu.
    Restaurant,
}

impl Store {
    pub const ALL: [Store; 6] = [
        Store::Shoes,
        Store::Kirana,
        Store::Mart,
        Store::Apparel,
        Store::Electronics,
        Store::Restaurant,
    ];

    pub fn id(self) -> Uuid {
        Uuid::from_u128(0x5700_0000_0000_0000_0000_0000_0000_0000 + self as u128 + 1)
    }

    pub fn key(self) -> &'static str {
        match self {
            Store::Shoes => "shoes",
            Store::Kirana => "kirana",
            Store::Mart => "mart",
            Store::Apparel => "apparel",
            Store::Electronics => "electronics",
            Store::Restaurant => "restaurant",
        }
    }

    pub fn parse(key: &str) -> Option<Store> {
        Store::ALL.into_iter().find(|store| store.key() == key)
    }
}

pub struct Catalog {
    pub products: Vec<ProductDoc>,
    /// Product id → its store.
    pub store_of: HashMap<Uuid, Store>,
}

impl Catalog {
    pub fn in_store(&self, store: Store) -> impl Iterator<Item = &ProductDoc> {
        let id = store.id();
        self.products.iter().filter(move |p| p.store_id == id)
    }

    pub fn find(&self, store: Store, name: &str) -> Option<&ProductDoc> {
        self.in_store(store).find(|p| p.name == name)
    }
}

struct Builder {
    rng: Rng,
    products: Vec<ProductDoc>,
    names: HashSet<(Store, String)>,
    categories: HashMap<(Store, String), Uuid>,
    next_id: u128,
}

/// A hand-written product: (category, name, description, price in rupees, in stock,
/// orders in the last 30 days).
type Anchor = (&'static str, &'static str, &'static str, u64, bool, u64);

impl Builder {
    fn category(&mut self, store: Store, name: &str) -> Uuid {
        let next = self.categories.len() as u128 + 1;
        *self
            .categories
            .entry((store, name.to_owned()))
            .or_insert_with(|| Uuid::from_u128(0xCA7E_0000_0000_0000_0000_0000_0000_0000 + next))
    }

    /// Adds a product unless the store already has one of that name.
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        store: Store,
        category: &str,
        name: &str,
        description: &str,
        rupees: u64,
        in_stock: bool,
        popularity: u64,
        created: i64,
    ) {
        if !self.names.insert((store, name.to_lowercase())) {
            return;
        }
        self.next_id += 1;
        let category_id = self.category(store, category);
        self.products.push(ProductDoc {
            id: Uuid::from_u128(0x9000_0000_0000_0000_0000_0000_0000_0000 + self.next_id),
            store_id: store.id(),
            name: name.to_owned(),
            description: description.to_owned(),
            category_id: Some(category_id),
            category: Some(category.to_owned()),
            price_minor: rupees * 100,
            in_stock,
            popularity,
            created,
        });
    }

    fn anchors(&mut self, store: Store, anchors: &[Anchor]) {
        for (i, &(category, name, description, rupees, in_stock, popularity)) in
            anchors.iter().enumerate()
        {
            // Anchors are a few months old, a day apart.
            let created = NOW - YEAR / 3 + i as i64 * 86_400;
            self.add(
                store,
                category,
                name,
                description,
                rupees,
                in_stock,
                popularity,
                created,
            );
        }
    }

    /// A generated product: mostly in stock, popularity skewed towards few orders,
    /// created some time in the last year.
    fn distractor(
        &mut self,
        store: Store,
        category: &str,
        name: &str,
        description: &str,
        rupees: u64,
    ) {
        let in_stock = !self.rng.chance(0.08);
        let u = self.rng.unit();
        let popularity = (u * u * u * 250.0) as u64;
        let created = NOW - (self.rng.unit() * YEAR as f64) as i64;
        self.add(
            store,
            category,
            name,
            description,
            rupees,
            in_stock,
            popularity,
            created,
        );
    }

    /// A price near `base` rupees, ending in 9.
    fn price(&mut self, base: u64) -> u64 {
        let spread = base / 4 + 1;
        let value = base - base / 8 + self.rng.below(spread as usize) as u64;
        (value / 10) * 10 + 9
    }
}

pub fn generate() -> Catalog {
    let mut b = Builder {
        rng: Rng::new(SEED),
        products: Vec::new(),
        names: HashSet::new(),
        categories: HashMap::new(),
        next_id: 0,
    };
    // Anchors first, so a generated product never takes an anchor's name.
    b.anchors(Store::Shoes, SHOE_ANCHORS);
    b.anchors(Store::Kirana, KIRANA_ANCHORS);
    b.anchors(Store::Mart, MART_ANCHORS);
    b.anchors(Store::Apparel, APPAREL_ANCHORS);
    b.anchors(Store::Electronics, ELECTRONICS_ANCHORS);
    b.anchors(Store::Restaurant, RESTAURANT_ANCHORS);
    // Each store draws from its own stream, so changing one store's range leaves the
    // others' products as they are.
    let stream = |store: Store| Rng::new(SEED ^ (store as u64 + 1).wrapping_mul(0x9E37_79B9));
    b.rng = stream(Store::Shoes);
    shoes(&mut b);
    b.rng = stream(Store::Kirana);
    groceries(&mut b, Store::Kirana, 0.9, 1.0);
    b.rng = stream(Store::Mart);
    groceries(&mut b, Store::Mart, 0.6, 0.8);
    b.rng = stream(Store::Apparel);
    apparel(&mut b);
    b.rng = stream(Store::Electronics);
    electronics(&mut b);
    b.rng = stream(Store::Restaurant);
    restaurant(&mut b);
    let store_of = b
        .products
        .iter()
        .map(|p| {
            let store = Store::ALL
                .into_iter()
                .find(|s| s.id() == p.store_id)
                .expect("a known store");
            (p.id, store)
        })
        .collect();
    Catalog {
        products: b.products,
        store_of,
    }
}

// ---------------------------------------------------------------------------------
// Shoes

#[rustfmt::skip]
const SHOE_ANCHORS: &[Anchor] = &[
    ("Running Shoes", "Nike Pegasus 40 Running Shoes", "Responsive React foam and a breathable mesh upper: the everyday road running shoe.", 11_895, true, 180),
    ("Running Shoes", "Nike Pegasus Trail 4 Running Shoes", "Trail version of the Pegasus with a grippy outsole for dirt and gravel runs.", 12_795, true, 60),
    ("Running Shoes", "Adidas Ultraboost Light Running Shoes", "Lightest Ultraboost ever, Boost midsole, Primeknit upper.", 17_999, true, 25),
    ("Running Shoes", "Adidas Ultraboost 22 Running Shoes", "Boost midsole and Continental rubber outsole for long runs.", 15_999, false, 400),
    ("Running Shoes", "Asics Gel Kayano 30 Running Shoes", "Stability running shoe with Gel cushioning for overpronation.", 15_999, true, 70),
    ("Running Shoes", "Asics Gel Nimbus 25 Running Shoes", "Maximum Gel cushioning for long-distance comfort.", 14_999, true, 55),
    ("Sneakers", "Puma Smash v2 Sneakers White", "Classic tennis-inspired low-top sneakers with a leather upper.", 3_499, true, 95),
    ("Sneakers", "Converse Chuck Taylor All Star High Top Sneakers", "The iconic canvas high-top with a rubber toe cap.", 4_999, true, 130),
    ("Sandals & Floaters", "Crocs Classic Clog Navy", "Lightweight Croslite foam clog, water-friendly and easy to clean.", 3_995, true, 85),
    ("Formal Shoes", "Bata Oxford Leather Formal Shoes Black", "Genuine leather lace-up oxfords for office and occasions.", 2_499, true, 45),
    ("Boots", "Woodland Leather Trekking Boots Brown", "Nubuck leather hiking boots with a lugged rubber sole.", 5_995, true, 38),
    ("Sports Shoes", "Skechers Go Walk 6 Walking Shoes", "Ultra Go cushioning and a slip-on fit for all-day walking.", 5_999, true, 66),
    ("Slippers & Flip Flops", "Kolhapuri Leather Chappal Tan", "Handcrafted leather Kolhapuri chappals from Maharashtra.", 899, true, 140),
    ("Sneakers", "New Balance 574 Sneakers Grey", "Suede and mesh heritage sneakers with ENCAP cushioning.", 8_999, true, 42),
    ("Casual Shoes", "Red Tape Suede Loafers Brown", "Slip-on suede loafers with a cushioned footbed.", 2_299, true, 51),
    ("Shoe Care & Accessories", "Kiwi Shoe Polish Black 40ml", "Wax polish that shines and protects leather shoes.", 95, true, 210),
    ("Shoe Care & Accessories", "Cotton Ankle Socks Pack of 3", "Breathable cotton ankle-length socks for everyday wear.", 299, true, 160),
    ("Shoe Care & Accessories", "Gel Insoles for Heel Pain", "Shock-absorbing gel insoles that fit any shoe.", 499, true, 30),
    ("Shoe Care & Accessories", "Flat Shoe Laces 120cm White", "Replacement flat laces for sneakers and sports shoes.", 149, true, 75),
    ("Slippers & Flip Flops", "Paragon Stimulus Flip Flops Blue", "Soft rubber flip flops for home and the beach.", 249, true, 190),
    ("Sandals & Floaters", "Sparx Floaters SS-119 Black", "Velcro-strap sandals with a cushioned sole for daily wear.", 899, true, 58),
    ("Kids' Shoes", "Bata Kids School Shoes Black", "Black school shoes with a velcro strap, polishable upper.", 699, true, 120),
];

struct ShoeModel {
    brand: &'static str,
    model: &'static str,
    kind: &'static str,
    category: &'static str,
}

const fn m(
    brand: &'static str,
    model: &'static str,
    kind: &'static str,
    category: &'static str,
) -> ShoeModel {
    ShoeModel {
        brand,
        model,
        kind,
        category,
    }
}

const RUN: &str = "Running Shoes";
const SNK: &str = "Sneakers";
const CAS: &str = "Casual Shoes";
const FRM: &str = "Formal Shoes";
const SAN: &str = "Sandals & Floaters";
const SLP: &str = "Slippers & Flip Flops";
const SPT: &str = "Sports Shoes";
const BTS: &str = "Boots";

#[rustfmt::skip]
const SHOE_MODELS: &[ShoeModel] = &[
    m("Nike", "Revolution 6", "Running Shoes", RUN),
    m("Nike", "Downshifter 12", "Running Shoes", RUN),
    m("Nike", "Quest 5", "Running Shoes", RUN),
    m("Nike", "Air Max SC", "Sneakers", SNK),
    m("Nike", "Court Vision Low", "Sneakers", SNK),
    m("Nike", "Air Force 1 07", "Sneakers", SNK),
    m("Nike", "Victori One", "Slides", SLP),
    m("Adidas", "Galaxy 6", "Running Shoes", RUN),
    m("Adidas", "Duramo SL", "Running Shoes", RUN),
    m("Adidas", "Runfalcon 3", "Running Shoes", RUN),
    m("Adidas", "Grand Court 2.0", "Sneakers", SNK),
    m("Adidas", "Advantage", "Sneakers", SNK),
    m("Adidas", "Adilette Aqua", "Slides", SLP),
    m("Adidas", "Lite Racer Adapt", "Casual Shoes", CAS),
    m("Puma", "Softride Enzo", "Running Shoes", RUN),
    m("Puma", "Velocity Nitro 2", "Running Shoes", RUN),
    m("Puma", "Caven 2.0", "Sneakers", SNK),
    m("Puma", "Rebound Joy", "Sneakers", SNK),
    m("Puma", "Carina 2.0", "Sneakers", SNK),
    m("Puma", "Leadcat 2.0", "Slides", SLP),
    m("Reebok", "Energen Lite", "Running Shoes", RUN),
    m("Reebok", "Lite Plus 3", "Running Shoes", RUN),
    m("Reebok", "Club C 85", "Sneakers", SNK),
    m("Reebok", "Royal Glide", "Sneakers", SNK),
    m("Asics", "Jolt 4", "Running Shoes", RUN),
    m("Asics", "Patriot 12", "Running Shoes", RUN),
    m("Asics", "Versablast 3", "Running Shoes", RUN),
    m("Asics", "Court Slide 3", "Tennis Shoes", SPT),
    m("New Balance", "Fresh Foam 680", "Running Shoes", RUN),
    m("New Balance", "327", "Sneakers", SNK),
    m("New Balance", "480", "Sneakers", SNK),
    m("Skechers", "Arch Fit", "Walking Shoes", SPT),
    m("Skechers", "Summits", "Walking Shoes", SPT),
    m("Skechers", "Max Cushioning", "Walking Shoes", SPT),
    m("Skechers", "D'Lites", "Sneakers", SNK),
    m("Bata", "Comfit", "Formal Shoes", FRM),
    m("Bata", "Ambassador", "Derby Shoes", FRM),
    m("Bata", "North Star", "Sneakers", SNK),
    m("Bata", "Power", "Sports Shoes", SPT),
    m("Woodland", "Camel", "Casual Shoes", CAS),
    m("Woodland", "Nubuck", "Sandals", SAN),
    m("Red Tape", "Walking", "Sports Shoes", SPT),
    m("Red Tape", "Classic", "Derby Shoes", FRM),
    m("Red Chief", "Genuine Leather", "Formal Shoes", FRM),
    m("Red Chief", "Chukka", "Boots", BTS),
    m("Campus", "North Plus", "Running Shoes", RUN),
    m("Campus", "Maxico", "Running Shoes", RUN),
    m("Campus", "OG-01", "Sneakers", SNK),
    m("Campus", "Camp Crysta", "Sneakers", SNK),
    m("Sparx", "SM-648", "Running Shoes", RUN),
    m("Sparx", "SS-502", "Sandals", SAN),
    m("Liberty", "Force 10", "Sports Shoes", SPT),
    m("Liberty", "Gliders", "Casual Shoes", CAS),
    m("Relaxo", "Bahamas", "Flip Flops", SLP),
    m("Relaxo", "Flite", "Slippers", SLP),
    m("Paragon", "Solea", "Slippers", SLP),
    m("Crocs", "Baya", "Clog", SAN),
    m("Crocs", "Literide 360", "Clog", SAN),
    m("Crocs", "Classic", "Sandals", SAN),
    m("Hush Puppies", "Elvin", "Formal Shoes", FRM),
    m("Hush Puppies", "Bruce", "Derby Shoes", FRM),
    m("Clarks", "Un Costa", "Casual Shoes", CAS),
    m("Clarks", "Tilden", "Formal Shoes", FRM),
    m("Metro", "Ethnic", "Juttis", CAS),
    m("Mochi", "Block Heel", "Sandals", SAN),
    m("Mochi", "Pointed Toe", "Bellies", CAS),
    m("Lancer", "Indus", "Running Shoes", RUN),
    m("Action", "Athleo", "Sports Shoes", SPT),
    m("Columbia", "Peakfreak", "Hiking Boots", BTS),
    m("Timberland", "Premium 6 Inch", "Boots", BTS),
    m("Converse", "Run Star Motion", "Sneakers", SNK),
    m("Vans", "Old Skool", "Sneakers", SNK),
    m("Vans", "Authentic", "Sneakers", SNK),
];

#[rustfmt::skip]
const SHOE_COLOURS: &[&str] = &[
    "Black", "White", "Navy", "Grey", "Blue", "Red", "Olive", "Brown", "Tan", "Beige", "Maroon",
    "Green", "Black White", "Triple White",
];

fn shoe_description(category: &str) -> &'static str {
    match category {
        RUN => "Breathable mesh upper, cushioned midsole and a grippy rubber outsole for daily runs and gym sessions.",
        SNK => "Everyday low-top sneakers with a padded collar and a durable rubber cupsole.",
        CAS => "Comfortable casual shoes for college, travel and weekends.",
        FRM => "Polished leather shoes with a cushioned insole for the office and weddings.",
        SAN => "Easy-wear sandals with adjustable straps and a soft footbed.",
        SLP => "Soft, lightweight slippers for home and short walks.",
        SPT => "Lightweight sports shoes with good grip for walking, training and court games.",
        BTS => "Rugged leather boots with a lugged sole for outdoor trails.",
        _ => "Comfortable footwear.",
    }
}

fn shoes(b: &mut Builder) {
    for model in SHOE_MODELS {
        let colours = 3 + b.rng.below(6);
        for colour in b.rng.some(SHOE_COLOURS, colours) {
            for audience in ["", "Men's ", "Women's "] {
                if !audience.is_empty() && b.rng.chance(0.45) {
                    continue;
                }
                let name = format!(
                    "{} {} {audience}{} {colour}",
                    model.brand, model.model, model.kind
                );
                let price = b.rng.pick(&[499, 999, 1_999, 2_999, 4_999, 7_999]);
                let price = b.price(*price);
                b.distractor(
                    Store::Shoes,
                    model.category,
                    &name,
                    shoe_description(model.category),
                    price,
                );
            }
        }
    }
    // Kids' shoes and accessories.
    for brand in ["Bata", "Liberty", "Campus", "Sparx", "Kittens", "Lilliput"] {
        for kind in [
            "Kids Velcro Sneakers",
            "Kids LED Light Shoes",
            "Kids Sandals",
            "Kids Sports Shoes",
        ] {
            for colour in b.rng.some(SHOE_COLOURS, 2) {
                let name = format!("{brand} {kind} {colour}");
                let price = b.price(799);
                b.distractor(
                    Store::Shoes,
                    "Kids' Shoes",
                    &name,
                    "Light, flexible shoes for growing feet, easy to put on.",
                    price,
                );
            }
        }
    }
    for (name, description) in [
        (
            "Cherry Blossom Liquid Shoe Polish Brown",
            "Quick shine liquid polish with applicator.",
        ),
        (
            "Kiwi Shoe Polish Brown 40ml",
            "Wax polish that shines and protects leather shoes.",
        ),
        (
            "Crep Protect Sneaker Cleaner Kit",
            "Cleaning kit for white sneakers and suede.",
        ),
        (
            "Shoe Horn Steel 30cm",
            "Helps slip on formal shoes without damaging the heel.",
        ),
        (
            "Sports Socks Pack of 5",
            "Cushioned sports socks for running and gym.",
        ),
        ("Woollen Socks Pack of 2", "Warm woollen socks for winter."),
        (
            "Shoe Deodorant Spray 150ml",
            "Keeps shoes fresh and odour-free.",
        ),
        (
            "Round Shoe Laces 100cm Black",
            "Replacement round laces for boots and sports shoes.",
        ),
    ] {
        let price = b.price(199);
        b.distractor(
            Store::Shoes,
            "Shoe Care & Accessories",
            name,
            description,
            price,
        );
    }
}

// ---------------------------------------------------------------------------------
// Groceries (two stores share the generated range; only Sharma Kirana has its anchors)

#[rustfmt::skip]
const KIRANA_ANCHORS: &[Anchor] = &[
    ("Atta & Flours", "Aashirvaad Whole Wheat Atta 5kg", "100% whole wheat chakki atta for soft rotis.", 285, true, 300),
    ("Atta & Flours", "Aashirvaad Whole Wheat Atta 10kg", "100% whole wheat chakki atta for soft rotis, family pack.", 545, true, 150),
    ("Atta & Flours", "Pillsbury Chakki Fresh Atta 5kg", "Stone-ground whole wheat flour.", 265, true, 90),
    ("Atta & Flours", "Aashirvaad Multigrain Atta 5kg", "Whole wheat with soya, chana, oat, maize and psyllium husk.", 335, false, 250),
    ("Atta & Flours", "Pillsbury Multigrain Atta 5kg", "Atta with six grains for fibre and protein.", 315, true, 20),
    ("Atta & Flours", "Maida 1kg", "Refined wheat flour for naan, cakes and bhature.", 55, true, 70),
    ("Atta & Flours", "Rajdhani Besan 500g", "Fine chickpea flour for pakoras, kadhi and laddoo.", 65, true, 85),
    ("Atta & Flours", "Rava Sooji 500g", "Semolina for upma, halwa and rava dosa.", 42, true, 60),
    ("Rice", "India Gate Basmati Rice Classic 1kg", "Aged long-grain basmati rice for biryani and pulao.", 199, true, 140),
    ("Rice", "Daawat Rozana Basmati Rice 5kg", "Everyday basmati rice, long grains.", 449, true, 110),
    ("Rice", "Sona Masoori Rice 10kg", "Lightweight aromatic rice for daily meals.", 699, true, 95),
    ("Atta & Flours", "Rice Flour 500g", "Fine rice flour for dosa, idiyappam and crispy pakoras.", 40, true, 30),
    ("Breakfast & Cereals", "Poha Thick 500g", "Flattened rice for kanda poha.", 45, true, 55),
    ("Dals & Pulses", "Tata Sampann Toor Dal 1kg", "Unpolished arhar dal, rich in protein.", 189, true, 160),
    ("Dals & Pulses", "Moong Dal Yellow 1kg", "Split and skinned green gram.", 145, true, 90),
    ("Dals & Pulses", "Kabuli Chana 1kg", "Large white chickpeas for chole.", 159, true, 70),
    ("Dals & Pulses", "Rajma Chitra 500g", "Red kidney beans for rajma chawal.", 99, true, 65),
    ("Salt & Sugar", "Madhur Pure Sugar 1kg", "Refined sulphur-free crystal sugar.", 52, true, 180),
    ("Salt & Sugar", "Uttam Sugar 5kg", "Fine-grain white sugar, family pack.", 245, true, 60),
    ("Salt & Sugar", "Sugar Free Gold Sweetener 100 Pellets", "Low-calorie sweetener, a sugar substitute for tea and coffee.", 165, true, 40),
    ("Salt & Sugar", "Tata Salt 1kg", "Vacuum evaporated iodised salt.", 28, true, 260),
    ("Salt & Sugar", "Tata Rock Salt 1kg", "Sendha namak for fasts.", 75, true, 35),
    ("Salt & Sugar", "Organic Jaggery Powder 500g", "Chemical-free desi gur powder.", 89, true, 25),
    ("Oil & Ghee", "Fortune Sunlite Refined Sunflower Oil 1L", "Light, healthy sunflower oil for everyday cooking.", 145, true, 170),
    ("Oil & Ghee", "Fortune Kachi Ghani Mustard Oil 1L", "Pungent cold-pressed mustard oil.", 165, true, 120),
    ("Oil & Ghee", "Saffola Gold Edible Oil 1L", "Blended rice bran and sunflower oil.", 189, true, 80),
    ("Oil & Ghee", "Amul Pure Ghee 1L", "Pure cow and buffalo milk ghee with a rich aroma.", 615, true, 150),
    ("Milk", "Amul Taaza Toned Milk 500ml", "Pasteurised toned milk, 3% fat.", 27, true, 320),
    ("Milk", "Amul Gold Full Cream Milk 500ml", "Pasteurised full cream milk, 6% fat.", 33, true, 210),
    ("Milk", "Mother Dairy Toned Milk 1L", "Fresh toned milk, pasteurised and homogenised.", 54, true, 140),
    ("Curd & Paneer", "Amul Masti Dahi 400g", "Thick, fresh cup curd.", 35, true, 200),
    ("Curd & Paneer", "Mother Dairy Classic Curd 1kg", "Set curd made from toned milk.", 75, true, 90),
    ("Curd & Paneer", "Amul Fresh Paneer 200g", "Soft malai paneer for curries and tikka.", 90, true, 230),
    ("Butter & Cheese", "Amul Butter 100g", "Pasteurised salted table butter.", 56, true, 250),
    ("Butter & Cheese", "Amul Cheese Slices 200g", "Processed cheese slices for sandwiches.", 140, true, 110),
    ("Eggs", "Farm Fresh White Eggs 6 pcs", "Fresh table eggs, tray of six.", 48, true, 260),
    ("Eggs", "Brown Eggs 12 pcs", "Country brown eggs.", 120, true, 50),
    ("Masala & Spices", "Everest Turmeric Powder 100g", "Pure haldi powder with bright colour.", 35, true, 130),
    ("Masala & Spices", "Catch Cumin Seeds 100g", "Whole cumin for tadka and jeera rice.", 65, true, 95),
    ("Masala & Spices", "Everest Tikhalal Chilli Powder 100g", "Hot red chilli powder.", 45, true, 110),
    ("Masala & Spices", "MDH Kashmiri Mirch 100g", "Bright red, mild Kashmiri chilli powder.", 75, true, 70),
    ("Masala & Spices", "Catch Coriander Powder 200g", "Ground coriander seeds.", 55, true, 60),
    ("Masala & Spices", "Black Pepper Whole 50g", "Bold Malabar peppercorns.", 80, true, 40),
    ("Masala & Spices", "Everest Hing 10g", "Compounded asafoetida for dal tadka.", 72, true, 45),
    ("Masala & Spices", "Green Cardamom 50g", "Aromatic whole cardamom for chai and sweets.", 190, true, 35),
    ("Fresh Vegetables", "Onion 1kg", "Fresh red onions.", 40, true, 400),
    ("Fresh Vegetables", "Potato 1kg", "Fresh potatoes, all-purpose.", 35, true, 380),
    ("Fresh Vegetables", "Tomato Hybrid 500g", "Firm, juicy hybrid tomatoes.", 25, true, 350),
    ("Fresh Vegetables", "Ginger 100g", "Fresh ginger root.", 15, true, 200),
    ("Fresh Vegetables", "Garlic 100g", "Fresh garlic bulbs.", 20, true, 190),
    ("Fresh Vegetables", "Cauliflower 1 pc", "Fresh white cauliflower, about 500g.", 35, true, 90),
    ("Fresh Vegetables", "Lady Finger 250g", "Fresh tender okra.", 20, true, 80),
    ("Fresh Vegetables", "Brinjal Bharta 500g", "Large round brinjal for bharta.", 30, true, 45),
    ("Fresh Vegetables", "Coriander Leaves 100g", "Fresh green coriander bunch.", 10, true, 220),
    ("Fresh Vegetables", "Capsicum Green 250g", "Crunchy green capsicum.", 30, true, 70),
    ("Fresh Vegetables", "Spinach 250g", "Fresh palak leaves.", 20, true, 60),
    ("Fresh Vegetables", "Green Peas 500g", "Sweet green peas, shelled.", 60, true, 55),
    ("Fresh Vegetables", "Lemon 4 pcs", "Juicy lemons.", 20, true, 120),
    ("Fresh Vegetables", "Mint Leaves 50g", "Fresh mint for chutney and raita.", 10, true, 70),
    ("Fresh Fruits", "Banana Robusta 6 pcs", "Ripe yellow bananas.", 45, true, 240),
    ("Fresh Fruits", "Alphonso Mango 1kg", "Ratnagiri Alphonso mangoes, in season.", 499, true, 150),
    ("Fresh Fruits", "Shimla Apple 4 pcs", "Crisp red apples from Himachal.", 120, true, 110),
    ("Tea & Coffee", "Tata Tea Gold 500g", "Assam leaves with long leaf for aroma.", 285, true, 210),
    ("Tea & Coffee", "Red Label Tea 250g", "Strong CTC tea for kadak chai.", 140, true, 150),
    ("Tea & Coffee", "Nescafe Classic Instant Coffee 100g", "Pure instant coffee.", 340, true, 120),
    ("Noodles & Pasta", "Maggi 2-Minute Masala Noodles 280g", "Instant noodles with the classic masala tastemaker, pack of 4.", 56, true, 330),
    ("Biscuits & Cookies", "Parle-G Gold Biscuits 1kg", "Glucose biscuits, family pack.", 120, true, 190),
    ("Personal Care", "Dettol Original Soap 125g", "Germ protection bathing bar.", 45, true, 140),
    ("Household", "Surf Excel Easy Wash Detergent Powder 1kg", "Removes tough stains easily.", 140, true, 130),
    ("Household", "Vim Dishwash Bar 300g", "Lemon dishwash bar that cuts grease.", 30, true, 170),
];

/// The second grocer carries some of the same products under the same names.
#[rustfmt::skip]
const MART_ANCHORS: &[Anchor] = &[
    ("Atta & Flours", "Aashirvaad Whole Wheat Atta 5kg", "Whole wheat atta.", 289, true, 120),
    ("Salt & Sugar", "Madhur Pure Sugar 1kg", "Refined sugar.", 54, true, 90),
    ("Milk", "Amul Taaza Toned Milk 500ml", "Toned milk.", 27, true, 150),
    ("Curd & Paneer", "Amul Fresh Paneer 200g", "Fresh paneer.", 92, true, 100),
    ("Rice", "Kohinoor Super Silver Basmati Rice 1kg", "Aged basmati rice.", 189, true, 60),
    ("Dals & Pulses", "Tata Sampann Chana Dal 1kg", "Split Bengal gram.", 125, true, 40),
];

/// (category, brand, product lines, sizes, base price in rupees, description)
type Range = (
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    u64,
    &'static str,
);

#[rustfmt::skip]
const GROCERY_RANGE: &[Range] = &[
    ("Biscuits & Cookies", "Parle", &["Monaco Salted Crackers", "Krackjack", "Hide & Seek Chocolate Chip Cookies", "Marie", "Milano Choco Chip Cookies", "20-20 Butter Cookies", "Monaco Jeera Biscuits", "Happy Happy Choco Chip Cookies"], &["75g", "150g", "300g"], 30, "Crunchy biscuits for tea time."),
    ("Biscuits & Cookies", "Britannia", &["Good Day Cashew Cookies", "Marie Gold", "Bourbon", "NutriChoice Digestive", "Milk Bikis", "50-50 Maska Chaska", "Jim Jam", "Little Hearts", "NutriChoice Multigrain Biscuits", "Treat Croissant"], &["75g", "150g", "250g"], 35, "Baked biscuits, perfect with chai."),
    ("Biscuits & Cookies", "Sunfeast", &["Dark Fantasy Choco Fills", "Mom's Magic Cashew & Almond", "Marie Light", "Bounce Cream Biscuits", "Farmlite Oats Digestive"], &["75g", "150g", "300g"], 40, "Biscuits and cookies from Sunfeast."),
    ("Biscuits & Cookies", "Oreo", &["Chocolate Cream Biscuits", "Vanilla Creme Biscuits", "Strawberry Creme Biscuits"], &["50g", "120g", "300g"], 30, "Chocolate sandwich biscuits with creme."),
    ("Biscuits & Cookies", "McVitie's", &["Digestive Biscuits", "Marie Biscuits", "Dark Cookie"], &["100g", "250g"], 45, "Wholesome wheat biscuits."),
    ("Namkeen & Snacks", "Haldiram's", &["Aloo Bhujia", "Bhujia Sev", "Moong Dal Namkeen", "Navratan Mix", "Khatta Meetha", "Chana Jor Garam", "Panchratan Mix", "Salted Peanuts", "Soan Papdi"], &["150g", "200g", "400g", "1kg"], 60, "Crunchy traditional Indian namkeen snack."),
    ("Namkeen & Snacks", "Bikaji", &["Bikaneri Bhujia", "Ratlami Sev", "Aloo Lachha", "Tana Tan Mix", "Chatpata Moong"], &["200g", "400g", "1kg"], 60, "Authentic Bikaner namkeen."),
    ("Namkeen & Snacks", "Lay's", &["Classic Salted Potato Chips", "India's Magic Masala Potato Chips", "American Style Cream & Onion Potato Chips", "Spanish Tomato Tango Potato Chips", "Chile Limon Potato Chips"], &["27g", "52g", "90g"], 20, "Thin and crispy potato chips."),
    ("Namkeen & Snacks", "Kurkure", &["Masala Munch", "Chilli Chatka", "Green Chutney Style", "Solid Masti Twisteez", "Puffcorn Yummy Cheese"], &["40g", "90g"], 20, "Crunchy corn puffs with masala."),
    ("Namkeen & Snacks", "Bingo", &["Mad Angles Achaari Masti", "Tedhe Medhe Masala Tadka", "Original Style Salted Chips"], &["36g", "72g"], 20, "Snacks with bold flavours."),
    ("Namkeen & Snacks", "Pringles", &["Original Chips", "Sour Cream & Onion Chips", "Pizza Flavour Chips"], &["107g"], 110, "Stackable potato crisps."),
    ("Chocolates & Sweets", "Cadbury", &["Dairy Milk Chocolate", "Dairy Milk Silk", "Dairy Milk Fruit & Nut", "5 Star", "Perk", "Gems", "Fuse", "Bournville Dark Chocolate", "Celebrations Gift Pack"], &["13g", "50g", "150g"], 40, "Smooth, creamy milk chocolate."),
    ("Chocolates & Sweets", "Nestle", &["KitKat", "Munch", "Milkybar", "Polo Mint"], &["18g", "37g", "120g"], 20, "Chocolates and confectionery."),
    ("Chocolates & Sweets", "Amul", &["Dark Chocolate 55%", "Milk Chocolate", "Fruit & Nut Chocolate"], &["40g", "150g"], 50, "Chocolate from Amul."),
    ("Chocolates & Sweets", "Haldiram's", &["Rasgulla Tin", "Gulab Jamun Tin", "Kaju Katli"], &["500g", "1kg"], 180, "Traditional Indian mithai."),
    ("Beverages", "Coca-Cola", &["Original Taste Soft Drink", "Zero Sugar Soft Drink"], &["300ml", "750ml", "2.25L"], 40, "Chilled carbonated soft drink."),
    ("Beverages", "Thums Up", &["Soft Drink", "Charged Energy Drink"], &["300ml", "750ml", "2.25L"], 40, "Strong fizzy cola."),
    ("Beverages", "Sprite", &["Lime Soft Drink"], &["300ml", "750ml", "2.25L"], 40, "Clear lemon-lime drink."),
    ("Beverages", "Frooti", &["Mango Drink"], &["160ml", "600ml", "1.2L"], 30, "Fresh mango drink."),
    ("Beverages", "Maaza", &["Mango Drink"], &["250ml", "600ml", "1.2L"], 35, "Thick mango drink."),
    ("Beverages", "Real", &["Mixed Fruit Juice", "Orange Juice", "Guava Juice", "Litchi Juice", "Pomegranate Juice"], &["180ml", "1L"], 110, "Fruit juice with no added preservatives."),
    ("Beverages", "Paper Boat", &["Aam Panna", "Jaljeera", "Kokum", "Anar Juice"], &["200ml", "600ml"], 40, "Traditional Indian drinks."),
    ("Beverages", "Red Bull", &["Energy Drink"], &["250ml", "350ml"], 125, "Energy drink with caffeine."),
    ("Tea & Coffee", "Tata Tea", &["Premium", "Agni", "Tulsi Green Tea Bags"], &["250g", "500g", "1kg"], 140, "Tea for a refreshing cup."),
    ("Tea & Coffee", "Wagh Bakri", &["Premium Leaf Tea", "Masala Chai"], &["250g", "500g", "1kg"], 150, "Strong Gujarati-style tea."),
    ("Tea & Coffee", "Taj Mahal", &["Tea", "Masala Chai Tea Bags"], &["250g", "500g"], 170, "Premium tea leaves."),
    ("Tea & Coffee", "Lipton", &["Green Tea Honey Lemon", "Darjeeling Tea"], &["25 bags", "100 bags"], 150, "Light refreshing tea."),
    ("Tea & Coffee", "Bru", &["Instant Coffee", "Gold Coffee", "Filter Coffee"], &["50g", "100g", "200g"], 160, "Coffee with chicory."),
    ("Noodles & Pasta", "Maggi", &["Atta Noodles", "Cuppa Mania Masala Yo", "Chicken Noodles", "Special Masala Noodles", "Hot Heads Chilli Chicken Noodles"], &["70g", "280g"], 30, "Instant noodles, ready in two minutes."),
    ("Noodles & Pasta", "Yippee", &["Magic Masala Noodles", "Mood Masala Noodles", "Classic Masala Noodles"], &["70g", "280g"], 30, "Long, non-sticky instant noodles."),
    ("Noodles & Pasta", "Ching's Secret", &["Hakka Noodles", "Schezwan Instant Noodles", "Manchurian Instant Noodles"], &["60g", "150g"], 30, "Desi Chinese noodles."),
    ("Noodles & Pasta", "Knorr", &["Classic Tomato Soup", "Sweet Corn Veg Soup", "Hot & Sour Veg Soup", "Mixed Vegetable Soup"], &["53g", "4 pack"], 60, "Instant soup, ready in minutes."),
    ("Sauces & Spreads", "Kissan", &["Fresh Tomato Ketchup", "Mixed Fruit Jam", "Peanut Butter Crunchy"], &["200g", "500g", "950g"], 90, "Sauces and spreads."),
    ("Sauces & Spreads", "Maggi", &["Hot & Sweet Tomato Chilli Sauce", "Rich Tomato Ketchup"], &["200g", "500g"], 80, "Tangy sauce."),
    ("Sauces & Spreads", "Ching's Secret", &["Schezwan Chutney", "Dark Soy Sauce", "Green Chilli Sauce"], &["90g", "250g"], 60, "Chinese sauces."),
    ("Sauces & Spreads", "Veeba", &["Eggless Mayonnaise", "Sandwich Spread", "Pizza Pasta Sauce"], &["250g", "875g"], 100, "Dips and sauces."),
    ("Sauces & Spreads", "Mother's Recipe", &["Mango Pickle", "Lime Pickle", "Mixed Pickle", "Garlic Pickle"], &["300g", "500g"], 90, "Homestyle Indian achaar."),
    ("Sauces & Spreads", "Dabur", &["Honey", "Chyawanprash"], &["250g", "500g", "1kg"], 150, "From Dabur."),
    ("Breakfast & Cereals", "Kellogg's", &["Corn Flakes Original", "Chocos", "Muesli Fruit & Nut", "Oats"], &["250g", "475g", "1kg"], 150, "Breakfast cereal, serve with cold milk."),
    ("Breakfast & Cereals", "Quaker", &["Oats", "Multigrain Oats"], &["500g", "1kg"], 120, "Rolled oats, high in fibre."),
    ("Breakfast & Cereals", "Saffola", &["Masala Oats Classic", "Masala Oats Peppy Tomato"], &["38g", "500g"], 30, "Savoury instant oats."),
    ("Breakfast & Cereals", "MTR", &["Rava Idli Mix", "Dosa Mix", "Gulab Jamun Mix", "Upma Mix", "Badam Drink Mix"], &["200g", "500g"], 70, "Instant breakfast mixes."),
    ("Ready to Eat", "MTR", &["Palak Paneer", "Dal Makhani", "Rajma Masala", "Paneer Butter Masala", "Pongal"], &["300g"], 110, "Ready-to-eat meal, heat and serve."),
    ("Ready to Eat", "Haldiram's", &["Dal Makhani", "Pav Bhaji", "Chole", "Veg Pulao"], &["300g"], 100, "Ready meals from Haldiram's."),
    ("Ready to Eat", "McCain", &["French Fries", "Aloo Tikki", "Smiles", "Veggie Fingers", "Chilli Garlic Potato Bites"], &["400g", "750g"], 120, "Frozen potato snacks, just fry or bake."),
    ("Bakery", "Britannia", &["Whole Wheat Bread", "White Bread", "Brown Bread", "Milk Rusk", "Fruit Cake", "Pav"], &["200g", "400g"], 40, "Fresh bakery."),
    ("Bakery", "Harvest Gold", &["White Bread", "Multigrain Bread", "Burger Buns", "Garlic Bread"], &["350g", "450g"], 45, "Fresh from the oven."),
    ("Dry Fruits", "Happilo", &["Premium Californian Almonds", "Whole Cashews", "Seedless Raisins", "Walnut Kernels", "Roasted Salted Pistachios", "Dried Figs", "Medjoul Dates"], &["100g", "200g", "500g"], 250, "Premium dry fruits, hand-sorted."),
    ("Dry Fruits", "Tulsi", &["Almonds", "Cashews", "Black Raisins"], &["200g", "500g"], 230, "Dry fruits for snacking and sweets."),
    ("Masala & Spices", "Everest", &["Garam Masala", "Chaat Masala", "Kitchen King Masala", "Chole Masala", "Pav Bhaji Masala", "Sambhar Masala", "Biryani Masala", "Meat Masala", "Chicken Masala", "Kasuri Methi", "Shahi Paneer Masala"], &["50g", "100g"], 60, "Blend of coriander, cumin, turmeric, chilli and other spices."),
    ("Masala & Spices", "MDH", &["Deggi Mirch", "Chana Masala", "Rajmah Masala", "Kitchen King", "Kasoori Methi", "Shahi Paneer Masala", "Chunky Chat Masala"], &["50g", "100g"], 65, "Traditional masala blend."),
    ("Masala & Spices", "Catch", &["Chat Masala", "Black Salt", "Garam Masala", "Sprinklers Oregano", "Pepper Sprinkler"], &["50g", "100g"], 55, "Spices and seasonings."),
    ("Masala & Spices", "Tata Sampann", &["Coriander Powder", "Chilli Powder", "Turmeric Powder"], &["100g", "200g"], 50, "Spices with natural oils."),
    ("Oil & Ghee", "Parachute", &["Coconut Oil", "Advansed Aloe Vera Hair Oil"], &["100ml", "250ml", "500ml"], 80, "Pure coconut oil for hair and skin."),
    ("Oil & Ghee", "Dabur", &["Amla Hair Oil", "Almond Hair Oil"], &["90ml", "180ml"], 90, "Hair oil for strong hair."),
    ("Oil & Ghee", "Figaro", &["Olive Oil"], &["200ml", "500ml", "1L"], 300, "Extra light olive oil."),
    ("Personal Care", "Dove", &["Cream Beauty Bathing Bar", "Intense Repair Shampoo", "Body Lotion"], &["100g", "180ml", "400ml"], 80, "Gentle care."),
    ("Personal Care", "Lux", &["Soft Glow Rose Soap", "Velvet Touch Soap"], &["100g", "3x150g"], 40, "Fragrant beauty soap."),
    ("Personal Care", "Lifebuoy", &["Total 10 Soap", "Handwash Refill"], &["125g", "750ml"], 35, "Germ protection."),
    ("Personal Care", "Santoor", &["Sandal & Turmeric Soap"], &["100g", "4x100g"], 40, "Soap with sandal and turmeric."),
    ("Personal Care", "Colgate", &["Strong Teeth Toothpaste", "MaxFresh Gel Toothpaste", "Zig Zag Toothbrush"], &["100g", "200g", "pack of 4"], 60, "Oral care for the family."),
    ("Personal Care", "Sensodyne", &["Fresh Mint Toothpaste", "Repair & Protect Toothpaste"], &["70g", "100g"], 150, "For sensitive teeth."),
    ("Personal Care", "Clinic Plus", &["Strength & Shine Shampoo"], &["80ml", "175ml", "340ml"], 60, "Shampoo with milk proteins."),
    ("Personal Care", "Head & Shoulders", &["Anti Dandruff Shampoo"], &["180ml", "340ml"], 180, "Anti-dandruff shampoo."),
    ("Personal Care", "Nivea", &["Soft Light Moisturising Cream", "Men Face Wash"], &["50ml", "100ml"], 150, "Skin care."),
    ("Personal Care", "Gillette", &["Guard Razor", "Shaving Foam"], &["1 pc", "200g"], 70, "Shaving."),
    ("Household", "Surf Excel", &["Matic Front Load Liquid", "Quick Wash Powder", "Bar"], &["250g", "1kg", "2L"], 120, "Tough on stains."),
    ("Household", "Ariel", &["Matic Top Load Powder", "Liquid Detergent"], &["1kg", "2kg", "1L"], 200, "Brilliant cleaning."),
    ("Household", "Rin", &["Detergent Bar", "Advanced Powder"], &["250g", "1kg"], 30, "Whiteness for clothes."),
    ("Household", "Vim", &["Lemon Dishwash Gel", "Dishwash Liquid Refill"], &["250ml", "750ml"], 90, "Cuts grease."),
    ("Household", "Lizol", &["Citrus Floor Cleaner", "Lavender Floor Cleaner"], &["500ml", "975ml", "2L"], 110, "Kills 99.9% germs."),
    ("Household", "Harpic", &["Power Plus Toilet Cleaner"], &["500ml", "1L"], 100, "Toilet cleaner."),
    ("Household", "Good Knight", &["Gold Flash Refill", "Fast Card"], &["45ml", "10 cards"], 80, "Mosquito repellent."),
    ("Household", "Cycle", &["Three in One Agarbatti", "Lia Incense Sticks"], &["pack of 3", "100 sticks"], 50, "Fragrant incense sticks for puja."),
    ("Household", "Mangaldeep", &["Sandal Agarbatti", "Camphor Tablets", "Cotton Wicks"], &["50g", "100g"], 40, "Puja essentials."),
    ("Household", "Odonil", &["Room Freshener Lavender", "Bathroom Freshener Jasmine"], &["50g", "4x50g"], 60, "Long-lasting fragrance."),
    ("Household", "Scotch-Brite", &["Scrub Pad", "Sponge Wipe", "Floor Wiper"], &["pack of 3", "1 pc"], 50, "Cleaning tools."),
    ("Household", "Ezee", &["Garbage Bags Medium", "Garbage Bags Large"], &["30 bags", "60 bags"], 90, "Leak-proof garbage bags."),
    ("Household", "Hit", &["Mosquito and Fly Spray", "Cockroach Spray"], &["200ml", "400ml"], 150, "Kills insects fast."),
    ("Baby Care", "Pampers", &["Baby Dry Pants Medium", "Baby Dry Pants Large", "Premium Care Pants Small"], &["pack of 20", "pack of 56"], 450, "Diaper pants for up to 12 hours of dryness."),
    ("Baby Care", "Huggies", &["Wonder Pants Medium", "Wonder Pants Large"], &["pack of 20", "pack of 56"], 420, "Soft diaper pants."),
    ("Baby Care", "Johnson's", &["Baby Powder", "Baby Soap", "Baby Shampoo", "Baby Oil"], &["100g", "200ml"], 120, "Gentle baby care."),
    ("Baby Care", "Cerelac", &["Wheat Apple", "Rice", "Multigrain Dal Veg"], &["300g"], 250, "Baby cereal with milk."),
    ("Pet Care", "Pedigree", &["Adult Dry Dog Food Chicken & Vegetables", "Puppy Dry Dog Food Chicken & Milk"], &["1.2kg", "3kg"], 350, "Complete nutrition for dogs."),
    ("Pet Care", "Whiskas", &["Adult Dry Cat Food Ocean Fish", "Kitten Wet Food Tuna"], &["480g", "85g"], 200, "Complete nutrition for cats."),
    ("Stationery", "Classmate", &["Long Notebook 172 Pages", "Spiral Notebook A4", "Geometry Box"], &["1 pc", "pack of 6"], 60, "School and office stationery."),
    ("Stationery", "Reynolds", &["Trimax Gel Pen Blue", "045 Ball Pen Blue"], &["1 pc", "pack of 10"], 30, "Smooth writing pens."),
    ("Stationery", "Fevicol", &["MR Glue", "Fevistick"], &["30g", "8g"], 20, "Adhesive for crafts and school."),
    ("Health Drinks", "Bournvita", &["Chocolate Health Drink", "Pro-Health Refill"], &["500g", "1kg"], 230, "Mix in milk for strength and energy."),
    ("Health Drinks", "Horlicks", &["Classic Malt", "Women's Plus", "Junior"], &["500g", "1kg"], 250, "Nourishing malted milk drink."),
    ("Health Drinks", "Complan", &["Royale Chocolate", "Kesar Badam"], &["500g"], 280, "Growth drink for children."),
    ("Frozen & Ice Cream", "Amul", &["Vanilla Ice Cream", "Butterscotch Ice Cream", "Kesar Pista Ice Cream", "Chocolate Ice Cream", "Malai Kulfi Stick"], &["125ml", "1L", "2L"], 90, "Creamy frozen dessert made with milk."),
    ("Frozen & Ice Cream", "Kwality Wall's", &["Cornetto Double Chocolate", "Feast Chocolate Stick", "Magnum Almond"], &["1 pc", "pack of 4"], 60, "Frozen dessert."),
    ("Frozen & Ice Cream", "Sumeru", &["Green Peas", "Sweet Corn", "Mixed Vegetables"], &["500g", "1kg"], 100, "Frozen vegetables, ready to cook."),
    ("Frozen & Ice Cream", "Prasuma", &["Chicken Momos", "Veg Momos", "Chicken Seekh Kebab"], &["240g", "500g"], 250, "Frozen snacks, steam or fry."),
];

/// Generated fresh produce: more variety around the anchors.
#[rustfmt::skip]
const PRODUCE: &[(&str, &str, u64)] = &[
    ("Fresh Vegetables", "Carrot 500g", 30),
    ("Fresh Vegetables", "Cucumber 500g", 25),
    ("Fresh Vegetables", "Bottle Gourd 1 pc", 35),
    ("Fresh Vegetables", "Bitter Gourd 250g", 30),
    ("Fresh Vegetables", "Cabbage 1 pc", 30),
    ("Fresh Vegetables", "Green Chilli 100g", 10),
    ("Fresh Vegetables", "Sweet Potato 500g", 40),
    ("Fresh Vegetables", "Baby Potato 500g", 35),
    ("Fresh Vegetables", "Mushroom Button 200g", 55),
    ("Fresh Vegetables", "Sweet Corn 2 pcs", 40),
    ("Fresh Vegetables", "Beetroot 500g", 30),
    ("Fresh Vegetables", "Spring Onion 100g", 20),
    ("Fresh Fruits", "Papaya 1 pc", 60),
    ("Fresh Fruits", "Pomegranate 500g", 120),
    ("Fresh Fruits", "Watermelon 1 pc", 80),
    ("Fresh Fruits", "Orange Nagpur 1kg", 90),
    ("Fresh Fruits", "Green Grapes 500g", 70),
    ("Fresh Fruits", "Kiwi 3 pcs", 90),
    ("Fresh Fruits", "Guava 500g", 50),
    ("Fresh Fruits", "Pineapple 1 pc", 70),
    ("Fresh Fruits", "Raw Banana 500g", 30),
    ("Milk", "Amul Slim & Trim Skimmed Milk 500ml", 26),
    ("Milk", "Amul Kool Kesar Flavoured Milk 180ml", 25),
    ("Milk", "Nestle a+ Slim Milk 1L", 80),
    ("Curd & Paneer", "Amul Mishti Doi 100g", 20),
    ("Curd & Paneer", "Epigamia Greek Yogurt Strawberry 90g", 50),
    ("Curd & Paneer", "Amul Masti Spiced Buttermilk 200ml", 15),
    ("Butter & Cheese", "Amul Cheese Cubes 200g", 130),
    ("Butter & Cheese", "Amul Garlic & Herbs Butter 100g", 60),
    ("Butter & Cheese", "Amul Fresh Cream 250ml", 70),
    ("Dals & Pulses", "Urad Dal Black Whole 500g", 85),
    ("Dals & Pulses", "Masoor Dal 1kg", 110),
    ("Dals & Pulses", "Chana Dal 1kg", 95),
    ("Dals & Pulses", "Green Moong Whole 500g", 75),
    ("Dals & Pulses", "Black Chana 1kg", 95),
    ("Atta & Flours", "Ragi Flour 500g", 55),
    ("Atta & Flours", "Corn Flour 500g", 45),
    ("Atta & Flours", "Bajra Flour 1kg", 60),
    ("Rice", "Idli Rice 5kg", 299),
    ("Rice", "Brown Rice 1kg", 150),
    ("Masala & Spices", "Whole Cloves 50g", 90),
    ("Masala & Spices", "Cinnamon Sticks 50g", 60),
    ("Masala & Spices", "Mustard Seeds 100g", 25),
    ("Masala & Spices", "Fennel Seeds 100g", 40),
    ("Masala & Spices", "Ajwain 100g", 45),
    ("Masala & Spices", "Tamarind 200g", 45),
    ("Masala & Spices", "Bay Leaves 25g", 20),
];

/// `share` of the packaged range and `fresh` of the produce.
fn groceries(b: &mut Builder, store: Store, share: f64, fresh: f64) {
    for &(category, brand, lines, sizes, base, description) in GROCERY_RANGE {
        for line in lines {
            if !b.rng.chance(share) {
                continue;
            }
            for size in sizes {
                if sizes.len() > 2 && b.rng.chance(0.15) {
                    continue;
                }
                let name = format!("{brand} {line} {size}");
                let price = b.price(base);
                b.distractor(store, category, &name, description, price);
            }
        }
    }
    for &(category, name, base) in PRODUCE {
        if b.rng.chance(fresh) {
            let price = b.price(base);
            b.distractor(store, category, name, "Fresh and handpicked.", price);
        }
    }
}

// ---------------------------------------------------------------------------------
// Apparel

#[rustfmt::skip]
const APPAREL_ANCHORS: &[Anchor] = &[
    ("Jeans", "Levi's 511 Slim Fit Jeans Indigo", "Stretch denim, slim through the hip and thigh.", 3_299, true, 140),
    ("Jeans", "Levi's 511 Slim Fit Jeans Black", "Stretch denim, slim through the hip and thigh.", 3_299, false, 300),
    ("Jeans", "Levi's 501 Original Fit Jeans Stonewash", "The original straight-leg button-fly jeans.", 3_999, true, 70),
    ("T-Shirts", "Bewakoof Oversized Graphic Tee Black", "Drop-shoulder oversized cotton tee with a front print.", 599, true, 160),
    ("T-Shirts", "Jockey Round Neck Cotton T-Shirt White", "Super combed cotton crew-neck tee for everyday wear.", 499, true, 210),
    ("Shirts", "Allen Solly Slim Fit Formal Shirt Sky Blue", "Cotton-rich formal shirt with a spread collar.", 1_699, true, 90),
    ("Kurtas", "FabIndia Cotton Kurta Indigo", "Hand-block printed straight cotton kurta.", 1_490, true, 80),
    ("Kurtas", "Biba Anarkali Kurti Maroon", "Flared anarkali kurti with gota detailing.", 1_899, true, 110),
    ("Sarees", "Banarasi Silk Saree Red with Zari Border", "Handwoven Banarasi silk saree with unstitched blouse piece.", 4_999, true, 75),
    ("Sarees", "Kanjeevaram Silk Saree Gold", "Pure silk Kanjeevaram with temple border.", 8_999, true, 40),
    ("Dupattas", "Phulkari Dupatta Multicolour", "Embroidered Punjabi phulkari dupatta.", 899, true, 65),
    ("Lehengas", "Bridal Lehenga Choli Red", "Embroidered bridal lehenga with choli and net dupatta.", 14_999, true, 20),
    ("Hoodies & Sweatshirts", "Puma Essentials Hoodie Grey", "Fleece-lined pullover hoodie with kangaroo pocket.", 2_299, true, 85),
    ("Trousers", "Peter England Slim Fit Chinos Khaki", "Stretch cotton chinos for work and weekends.", 1_599, true, 60),
    ("Jackets", "Wrangler Denim Jacket Blue", "Classic trucker jacket in rigid denim.", 2_999, true, 45),
    ("Track Pants", "Adidas Essentials Track Pants Black", "Tapered track pants with three stripes.", 2_199, true, 95),
    ("Ethnic Sets", "Manyavar Silk Kurta Pyjama Set Cream", "Art silk kurta with churidar pyjama for festivals.", 3_499, true, 55),
    ("Innerwear", "Jockey Cotton Vest Pack of 2 White", "Round-neck cotton vests.", 399, true, 150),
    ("Ethnic Sets", "Cotton Salwar Suit Set Peach", "Printed kurta, salwar and dupatta set.", 1_299, true, 45),
    ("Jackets", "Nehru Jacket Navy", "Textured bandhgala Nehru jacket for kurta sets.", 1_999, true, 35),
];

#[rustfmt::skip]
const APPAREL_BRANDS: &[(&str, &[&str])] = &[
    ("Roadster", &["T-Shirt", "Casual Shirt", "Jeans", "Denim Jacket", "Hoodie", "Joggers"]),
    ("HRX", &["Dri-Fit T-Shirt", "Track Pants", "Running Shorts", "Training Jacket"]),
    ("Levi's", &["Graphic T-Shirt", "Trucker Jacket", "Casual Shirt", "Jeans"]),
    ("Wrangler", &["Jeans", "Casual Shirt", "Polo T-Shirt"]),
    ("Pepe Jeans", &["Jeans", "Printed T-Shirt", "Sweatshirt"]),
    ("Allen Solly", &["Polo T-Shirt", "Casual Shirt", "Trousers", "Blazer"]),
    ("Van Heusen", &["Formal Shirt", "Formal Trousers", "Blazer", "Polo T-Shirt"]),
    ("Peter England", &["Formal Shirt", "Formal Trousers", "Casual Shirt"]),
    ("Louis Philippe", &["Formal Shirt", "Formal Trousers", "Suit"]),
    ("U.S. Polo Assn.", &["Polo T-Shirt", "Casual Shirt", "Jeans", "Sweatshirt"]),
    ("Jockey", &["Briefs Pack of 3", "Boxer Shorts", "Track Pants", "Sports Bra", "Leggings"]),
    ("Puma", &["Graphic T-Shirt", "Track Pants", "Sweatshirt", "Running Shorts"]),
    ("Adidas", &["Training T-Shirt", "Tracksuit", "Running Shorts", "Sweatshirt"]),
    ("H&M", &["Regular Fit T-Shirt", "Linen Shirt", "Cargo Trousers", "Knit Sweater"]),
    ("Bewakoof", &["Printed T-Shirt", "Joggers", "Sweatshirt", "Boxer Shorts"]),
    ("The Souled Store", &["Marvel T-Shirt", "Oversized T-Shirt", "Hoodie"]),
    ("Biba", &["Straight Kurta", "Palazzo Pants", "Kurta Set"]),
    ("W", &["A-Line Kurta", "Tunic", "Trousers"]),
    ("Aurelia", &["Printed Kurta", "Churidar", "Kurta Palazzo Set"]),
    ("FabIndia", &["Cotton Shirt", "Nehru Jacket", "Linen Kurta", "Stole"]),
    ("Manyavar", &["Sherwani", "Kurta Jacket Set", "Indo Western"]),
    ("Libas", &["Kurta Set", "Anarkali Kurta", "Printed Dupatta"]),
    ("Meena Bazaar", &["Chiffon Saree", "Georgette Saree", "Cotton Saree"]),
    ("Sareemall", &["Printed Saree", "Kota Doria Saree", "Chanderi Saree"]),
    ("Global Desi", &["Maxi Dress", "Kurta", "Skirt"]),
    ("Max", &["Kids T-Shirt", "Kids Shorts", "Kids Frock", "Kids Pyjama Set"]),
    ("Zara", &["Blazer", "Wide Leg Trousers", "Satin Shirt", "Midi Dress"]),
];

/// Brands that make only women's clothing.
const WOMENSWEAR: &[&str] = &["Biba", "W", "Aurelia", "Libas", "Global Desi"];
#[rustfmt::skip]
const FITS: &[&str] = &[
    "", "Slim Fit ", "Regular Fit ", "Relaxed Fit ", "Cotton ", "Printed ", "Solid ",
];
const AUDIENCES: &[&str] = &["", "Men ", "Women "];
#[rustfmt::skip]
const APPAREL_COLOURS: &[&str] = &[
    "Black", "White", "Navy", "Grey Melange", "Olive", "Maroon", "Mustard", "Sky Blue",
    "Bottle Green", "Beige", "Pink", "Lavender", "Charcoal", "Rust", "Light Blue", "Dark Blue",
    "Off White", "Teal",
];

fn apparel_category(kind: &str) -> &'static str {
    let kind = kind.to_lowercase();
    let has = |word: &str| kind.contains(word);
    if has("saree") {
        "Sarees"
    } else if has("kurta")
        || has("kurti")
        || has("tunic")
        || has("sherwani")
        || has("indo western")
        || has("churidar")
    {
        "Kurtas"
    } else if has("dupatta") || has("stole") {
        "Dupattas"
    } else if has("jeans") {
        "Jeans"
    } else if has("t-shirt") {
        "T-Shirts"
    } else if has("shirt") && !has("sweat") {
        "Shirts"
    } else if has("hoodie") || has("sweat") || has("sweater") {
        "Hoodies & Sweatshirts"
    } else if has("jacket") || has("blazer") || has("suit") {
        "Jackets"
    } else if has("track") || has("jogger") {
        "Track Pants"
    } else if has("shorts") || has("briefs") || has("bra") || has("leggings") {
        "Innerwear"
    } else if has("dress") || has("skirt") || has("frock") {
        "Dresses"
    } else {
        "Trousers"
    }
}

fn apparel_description(category: &str) -> &'static str {
    match category {
        "Sarees" => "Six yards of elegance with an unstitched blouse piece.",
        "Kurtas" => "Comfortable ethnic wear for festivals and office days.",
        "Jeans" => "Mid-rise stretch denim jeans with five pockets.",
        "T-Shirts" => "Soft cotton t-shirt, machine washable.",
        "Shirts" => "Cotton shirt with a button-down collar and full sleeves.",
        "Hoodies & Sweatshirts" => "Warm fleece for winter mornings.",
        "Jackets" => "Layer up in style.",
        "Track Pants" => "Comfortable for workouts, running and lounging.",
        _ => "Everyday clothing, true to size.",
    }
}

fn apparel(b: &mut Builder) {
    for &(brand, kinds) in APPAREL_BRANDS {
        for kind in kinds {
            let category = apparel_category(kind);
            let variants = 8 + b.rng.below(8);
            for _ in 0..variants {
                let drapes = matches!(category, "Sarees" | "Dupattas");
                let fit = if drapes {
                    b.rng.pick(&["", "Printed ", "Solid "])
                } else {
                    b.rng.pick(FITS)
                };
                let fit = if !fit.is_empty() && kind.contains(fit.trim()) {
                    ""
                } else {
                    fit
                };
                let audience = if drapes || kind.starts_with("Kids") {
                    ""
                } else if WOMENSWEAR.contains(&brand) {
                    b.rng.pick(&["", "Women "])
                } else {
                    b.rng.pick(AUDIENCES)
                };
                let colour = b.rng.pick(APPAREL_COLOURS);
                let name = format!("{brand} {audience}{fit}{kind} {colour}");
                let price = b.rng.pick(&[399, 799, 1_299, 1_999, 2_999]);
                let price = b.price(*price);
                b.distractor(
                    Store::Apparel,
                    category,
                    &name,
                    apparel_description(category),
                    price,
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------
// Electronics

#[rustfmt::skip]
const ELECTRONICS_ANCHORS: &[Anchor] = &[
    ("Mobile Phones", "Samsung Galaxy M14 5G 6GB 128GB Icy Silver", "6000mAh battery, 50MP triple camera, Exynos 1330, 90Hz display.", 13_490, true, 150),
    ("Mobile Phones", "Samsung Galaxy M14 5G 4GB 128GB Smoky Teal", "6000mAh battery, 50MP triple camera, Exynos 1330, 90Hz display.", 12_490, true, 80),
    ("Mobile Phones", "Samsung Galaxy M34 5G 6GB 128GB Midnight Blue", "Super AMOLED 120Hz display, 6000mAh battery, 50MP OIS camera.", 16_999, true, 60),
    ("Mobile Phones", "Redmi Note 13 Pro 5G 8GB 256GB Arctic White", "200MP camera, 1.5K AMOLED display, 67W turbo charging.", 25_999, true, 120),
    ("Mobile Phones", "Apple iPhone 15 128GB Black", "Dynamic Island, 48MP camera, USB-C.", 69_900, true, 90),
    ("Mobile Phones", "Apple iPhone 13 128GB Midnight", "A15 Bionic chip, dual camera.", 52_999, false, 350),
    ("Mobile Phones", "OnePlus Nord CE 3 Lite 5G 8GB 128GB Pastel Lime", "108MP camera, 67W SUPERVOOC charging.", 19_999, true, 70),
    ("Mobile Phones", "Nokia 105 Keypad Phone Black", "Basic feature phone with long battery life and FM radio.", 1_299, true, 110),
    ("Earphones & Headphones", "boAt Airdopes 141 TWS Earbuds Black", "True wireless earbuds with 42 hours playback and ENx noise cancellation for calls.", 1_299, true, 260),
    ("Earphones & Headphones", "boAt Rockerz 450 Bluetooth Headphones Blue", "On-ear wireless headphones with 15 hours playback.", 1_499, true, 120),
    ("Earphones & Headphones", "Sony WH-1000XM5 Wireless Noise Cancelling Headphones Black", "Industry-leading noise cancellation, 30 hours battery.", 29_990, true, 25),
    ("Speakers", "JBL Go 3 Bluetooth Speaker Blue", "Portable waterproof speaker with JBL Pro Sound.", 2_999, true, 75),
    ("Power Banks", "Mi 20000mAh Power Bank 3i Black", "18W fast charging power bank with dual output.", 2_199, true, 140),
    ("Chargers & Cables", "Samsung 25W USB-C Fast Charger White", "Super fast charging travel adapter, cable not included.", 1_299, true, 100),
    ("Televisions", "Mi 43 inch 4K Ultra HD Smart LED TV", "4K HDR, Dolby Audio, PatchWall with Android TV.", 24_999, true, 50),
    ("Refrigerators", "LG 260L 3 Star Double Door Refrigerator Shiny Steel", "Frost-free smart inverter compressor fridge.", 26_990, true, 30),
    ("Air Conditioners", "Voltas 1.5 Ton 3 Star Inverter Split AC", "Copper condenser, 4-in-1 adjustable cooling.", 34_990, true, 40),
    ("Laptops", "HP 15s Laptop Intel Core i5 16GB 512GB SSD", "15.6 inch FHD thin and light laptop with Windows 11.", 54_990, true, 35),
    ("Kitchen Appliances", "Prestige Iris 750W Mixer Grinder 3 Jars", "Mixer grinder with 3 stainless steel jars and a juicer jar.", 3_299, true, 90),
    ("Kitchen Appliances", "Bajaj Majesty Electric Kettle 1.5L", "Stainless steel electric kettle with auto shut-off.", 899, true, 85),
    ("Fans", "Havells Efficiencia Neo Ceiling Fan 1200mm", "Energy efficient BLDC ceiling fan with remote.", 3_999, true, 45),
    ("Memory Cards & Pen Drives", "SanDisk Ultra 64GB microSD Card", "Class 10 UHS-I memory card for phones and cameras.", 549, true, 130),
    ("Smart Watches", "Noise ColorFit Pulse 3 Smart Watch Jet Black", "1.96 inch display, Bluetooth calling, SpO2 monitoring.", 1_799, true, 95),
];

/// (brand, model, configurations, colours)
type Phone = (
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
);

#[rustfmt::skip]
const PHONES: &[Phone] = &[
    ("Samsung", "Galaxy A15 5G", &["8GB 128GB", "8GB 256GB"], &["Blue Black", "Light Blue", "Butter Yellow"]),
    ("Samsung", "Galaxy A25 5G", &["8GB 128GB", "8GB 256GB"], &["Blue Black", "Personality Yellow"]),
    ("Samsung", "Galaxy S23 FE", &["8GB 128GB", "8GB 256GB"], &["Mint", "Graphite", "Purple"]),
    ("Samsung", "Galaxy F15 5G", &["4GB 128GB", "6GB 128GB"], &["Jazzy Green", "Groovy Violet"]),
    ("Samsung", "Galaxy Z Flip5", &["8GB 256GB"], &["Mint", "Graphite"]),
    ("Redmi", "13C 5G", &["4GB 128GB", "6GB 128GB"], &["Startrail Black", "Starlight Black"]),
    ("Redmi", "Note 13 5G", &["6GB 128GB", "8GB 256GB"], &["Arctic White", "Prism Gold"]),
    ("Redmi", "12 5G", &["4GB 128GB", "8GB 256GB"], &["Jade Black", "Moonstone Silver"]),
    ("Realme", "Narzo 60x 5G", &["4GB 128GB", "6GB 128GB"], &["Stellar Green", "Nebula Purple"]),
    ("Realme", "11 Pro 5G", &["8GB 128GB", "8GB 256GB"], &["Sunrise Beige", "Astral Black"]),
    ("Realme", "C53", &["4GB 128GB", "6GB 128GB"], &["Champion Gold", "Mighty Black"]),
    ("OnePlus", "12R", &["8GB 128GB", "16GB 256GB"], &["Cool Blue", "Iron Gray"]),
    ("OnePlus", "Nord 3 5G", &["8GB 128GB", "16GB 256GB"], &["Tempest Gray", "Misty Green"]),
    ("Apple", "iPhone 14", &["128GB", "256GB"], &["Blue", "Midnight", "Starlight"]),
    ("Apple", "iPhone 15 Plus", &["128GB", "256GB"], &["Pink", "Green", "Blue"]),
    ("Vivo", "T2x 5G", &["4GB 128GB", "8GB 128GB"], &["Aurora Gold", "Marine Blue"]),
    ("Vivo", "Y28 5G", &["4GB 128GB", "6GB 128GB"], &["Crystal Purple", "Glitter Aqua"]),
    ("Oppo", "A79 5G", &["8GB 128GB"], &["Glowing Green", "Mystery Black"]),
    ("Oppo", "Reno 11 5G", &["8GB 128GB", "8GB 256GB"], &["Wave Green", "Rock Grey"]),
    ("iQOO", "Z7s 5G", &["6GB 128GB", "8GB 128GB"], &["Norway Blue", "Pacific Night"]),
    ("Poco", "X6 5G", &["8GB 256GB", "12GB 256GB"], &["Mirror Black", "Snowstorm White"]),
    ("Poco", "M6 Pro 5G", &["4GB 64GB", "6GB 128GB"], &["Power Black", "Forest Green"]),
    ("Motorola", "G54 5G", &["8GB 128GB", "12GB 256GB"], &["Midnight Blue", "Mint Green"]),
    ("Motorola", "Edge 40 Neo", &["8GB 128GB", "12GB 256GB"], &["Black Beauty", "Caneel Bay"]),
    ("Nokia", "G42 5G", &["6GB 128GB"], &["So Grey", "So Purple"]),
    ("Lava", "Blaze 5G", &["4GB 128GB", "6GB 128GB"], &["Glass Blue", "Glass Green"]),
    ("Itel", "A70", &["4GB 64GB", "4GB 128GB"], &["Azure Blue", "Starlish Black"]),
];

/// Phones whose accessories the store sells: every generated phone and the anchors.
#[rustfmt::skip]
const ACCESSORY_MODELS: &[&str] = &[
    "Samsung Galaxy M14 5G", "Samsung Galaxy M34 5G", "Redmi Note 13 Pro 5G", "Apple iPhone 15",
    "Apple iPhone 13", "OnePlus Nord CE 3 Lite 5G",
];

#[rustfmt::skip]
const ACCESSORIES: &[(&str, &str, &str)] = &[
    ("Mobile Covers", "Silicone Back Cover for {} Black", "Soft silicone case with raised edges that protect the camera."),
    ("Mobile Covers", "Transparent Back Cover for {}", "Clear shock-proof TPU case."),
    ("Mobile Covers", "Leather Flip Cover for {} Brown", "Wallet-style flip case with card slots."),
    ("Screen Guards", "Tempered Glass Screen Guard for {}", "9H edge-to-edge tempered glass with easy installation kit."),
    ("Screen Guards", "Camera Lens Protector for {}", "Scratch-proof glass for the rear cameras."),
    ("Mobile Covers", "Matte Hard Back Cover for {} Blue", "Slim matte case with anti-fingerprint finish."),
    ("Mobile Covers", "Armor Shockproof Case for {} Black", "Rugged case with kickstand."),
    ("Screen Guards", "Privacy Screen Guard for {}", "Anti-spy tempered glass."),
];

/// (category, brand, product, variants, base price, description)
type Line = (
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    u64,
    &'static str,
);

#[rustfmt::skip]
const ELECTRONICS_LINES: &[Line] = &[
    ("Earphones & Headphones", "boAt", "Airdopes 131 TWS Earbuds", &["Black", "White", "Blue"], 999, "Wireless earbuds with 60 hours playback."),
    ("Earphones & Headphones", "boAt", "Airdopes 161 TWS Earbuds", &["Black", "Pebble Blue"], 1_099, "Wireless earbuds with ASAP charge."),
    ("Earphones & Headphones", "boAt", "Airdopes 311 Pro TWS Earbuds", &["Black", "Cream"], 1_499, "Earbuds with dual mics and ENx."),
    ("Earphones & Headphones", "boAt", "Rockerz 255 Pro+ Neckband", &["Black", "Blue", "Teal"], 1_199, "Bluetooth neckband earphones."),
    ("Earphones & Headphones", "boAt", "Rockerz 550 Headphones", &["Black", "Red"], 1_799, "Over-ear wireless headphones."),
    ("Earphones & Headphones", "boAt", "Bassheads 100 Wired Earphones", &["Black", "White", "Blue"], 399, "Wired in-ear earphones with mic."),
    ("Earphones & Headphones", "Noise", "Buds VS104 TWS Earbuds", &["Black", "White"], 1_199, "Truly wireless earbuds."),
    ("Earphones & Headphones", "JBL", "Tune 520BT Headphones", &["Black", "Blue", "White"], 4_499, "Wireless on-ear headphones with JBL Pure Bass."),
    ("Earphones & Headphones", "JBL", "Wave Beam TWS Earbuds", &["Black", "Blue"], 2_999, "Earbuds with deep bass."),
    ("Earphones & Headphones", "Sony", "WH-CH520 Wireless Headphones", &["Black", "Blue", "White"], 4_490, "Wireless on-ear headphones, 50 hours battery."),
    ("Earphones & Headphones", "Sony", "WF-C700N Earbuds", &["Black", "Lavender"], 8_990, "Compact earbuds with noise cancelling."),
    ("Earphones & Headphones", "OnePlus", "Nord Buds 2 TWS Earbuds", &["Thunder Gray", "Lightning White"], 2_999, "12.4mm drivers, ANC."),
    ("Earphones & Headphones", "OnePlus", "Bullets Z2 Neckband", &["Magico Black", "Beam Blue"], 1_999, "Bluetooth neckband."),
    ("Earphones & Headphones", "Realme", "Buds T300 Earbuds", &["Black", "White"], 2_299, "30dB ANC earbuds."),
    ("Speakers", "boAt", "Stone 350 Bluetooth Speaker", &["Black", "Blue"], 1_499, "Portable wireless speaker."),
    ("Speakers", "JBL", "Flip 6 Bluetooth Speaker", &["Black", "Blue", "Red"], 9_999, "Waterproof portable speaker."),
    ("Speakers", "JBL", "Charge 5 Bluetooth Speaker", &["Black", "Blue"], 14_999, "Speaker with built-in power bank."),
    ("Speakers", "Zebronics", "Soundbar with Subwoofer", &["Black"], 4_999, "Home theatre soundbar."),
    ("Chargers & Cables", "Samsung", "Type C to Type C Cable 1m", &["White", "Black"], 699, "Data and charging cable."),
    ("Chargers & Cables", "Mi", "33W Fast Charger with Type C Cable", &["White"], 999, "Travel charger."),
    ("Chargers & Cables", "Apple", "20W USB-C Power Adapter", &["White"], 1_900, "Fast charging for iPhone."),
    ("Chargers & Cables", "Apple", "USB-C to Lightning Cable 1m", &["White"], 1_900, "Charging cable for iPhone."),
    ("Chargers & Cables", "Portronics", "Adapto 65W GaN Charger", &["Black", "White"], 1_999, "Multi-port laptop and phone charger."),
    ("Chargers & Cables", "Ambrane", "Micro USB Cable 1.5m", &["Black", "White"], 199, "Braided charging cable."),
    ("Chargers & Cables", "boAt", "Dual Port Car Charger", &["Black"], 499, "Car charger with two USB ports."),
    ("Chargers & Cables", "Portronics", "HDMI Cable 2m", &["Black"], 399, "4K HDMI cable for TVs."),
    ("Power Banks", "Ambrane", "10000mAh Power Bank", &["Black", "Blue", "Green"], 999, "Slim power bank with 20W fast charging."),
    ("Power Banks", "Portronics", "Luxcell 20000mAh Power Bank", &["Black", "Grey"], 1_499, "High capacity power bank."),
    ("Power Banks", "boAt", "EnergyShroom PB300 10000mAh Power Bank", &["Carbon Black", "Ocean Blue"], 1_099, "Compact power bank."),
    ("Power Banks", "Anker", "PowerCore 10000mAh Power Bank", &["Black"], 2_199, "Reliable power bank."),
    ("Smart Watches", "boAt", "Wave Call Smart Watch", &["Active Black", "Deep Blue", "Mauve"], 1_499, "Bluetooth calling smartwatch."),
    ("Smart Watches", "Fire-Boltt", "Ninja Call Pro Smart Watch", &["Black", "Gold", "Pink"], 1_199, "Smartwatch with calling."),
    ("Smart Watches", "Noise", "ColorFit Icon 2 Smart Watch", &["Jet Black", "Rose Pink", "Olive Green"], 1_599, "AMOLED smartwatch."),
    ("Smart Watches", "Amazfit", "Bip 5 Smart Watch", &["Soft Black", "Pastel Pink"], 6_999, "GPS fitness watch."),
    ("Smart Watches", "Apple", "Watch SE GPS 40mm", &["Midnight", "Starlight"], 29_900, "Apple Watch with crash detection."),
    ("Televisions", "Samsung", "Crystal 4K Smart LED TV", &["43 inch", "50 inch", "55 inch"], 32_990, "Crystal processor 4K, Tizen smart TV."),
    ("Televisions", "LG", "UHD 4K Smart LED TV", &["43 inch", "55 inch", "65 inch"], 34_990, "webOS smart TV with ThinQ AI."),
    ("Televisions", "Sony", "Bravia 4K Google TV", &["50 inch", "55 inch", "65 inch"], 57_990, "4K HDR with Google TV."),
    ("Televisions", "TCL", "QLED 4K Google TV", &["43 inch", "55 inch"], 29_990, "QLED with Dolby Vision."),
    ("Televisions", "Mi", "HD Ready Smart LED TV", &["32 inch"], 13_999, "HD Ready Android TV."),
    ("Televisions", "Acer", "Full HD Smart LED TV", &["32 inch", "40 inch"], 15_999, "Smart TV with Android."),
    ("Televisions", "OnePlus", "Y1S Full HD Smart LED TV", &["32 inch", "43 inch"], 16_999, "Android TV."),
    ("Refrigerators", "Samsung", "Single Door Refrigerator", &["192L", "215L"], 17_490, "Direct cool single door fridge."),
    ("Refrigerators", "Whirlpool", "Frost Free Double Door Refrigerator", &["265L", "292L"], 25_990, "Intellifresh technology."),
    ("Refrigerators", "Godrej", "Single Door Refrigerator", &["180L", "190L"], 14_990, "Direct cool fridge with toughened glass shelves."),
    ("Refrigerators", "Haier", "Side by Side Refrigerator", &["570L", "630L"], 64_990, "Large capacity convertible fridge."),
    ("Refrigerators", "LG", "Single Door Refrigerator", &["185L", "201L"], 16_490, "Smart inverter single door."),
    ("Air Conditioners", "LG", "Dual Inverter Split AC", &["1 Ton 3 Star", "1.5 Ton 5 Star", "2 Ton 3 Star"], 39_990, "AI convertible cooling."),
    ("Air Conditioners", "Daikin", "Inverter Split AC", &["1 Ton 3 Star", "1.5 Ton 5 Star"], 37_990, "PM 2.5 filter, copper condenser."),
    ("Air Conditioners", "Blue Star", "Inverter Split AC", &["1.5 Ton 3 Star", "2 Ton 3 Star"], 36_990, "Convertible cooling."),
    ("Air Conditioners", "Lloyd", "Window AC", &["1 Ton 3 Star", "1.5 Ton 3 Star"], 27_990, "Window air conditioner."),
    ("Air Conditioners", "Voltas", "Window AC", &["1.5 Ton 3 Star"], 29_990, "Window air conditioner with copper coil."),
    ("Laptops", "HP", "Pavilion 14 Laptop", &["Intel Core i5 16GB 512GB SSD", "Intel Core i7 16GB 1TB SSD"], 69_990, "Thin and light laptop."),
    ("Laptops", "Dell", "Inspiron 3520 Laptop", &["Intel Core i3 8GB 512GB SSD", "Intel Core i5 16GB 512GB SSD"], 44_990, "15.6 inch FHD laptop."),
    ("Laptops", "Lenovo", "IdeaPad Slim 3 Laptop", &["AMD Ryzen 5 8GB 512GB SSD", "Intel Core i5 16GB 512GB SSD"], 47_990, "Everyday laptop."),
    ("Laptops", "Asus", "Vivobook 15 Laptop", &["Intel Core i3 8GB 512GB SSD", "AMD Ryzen 7 16GB 512GB SSD"], 39_990, "Thin laptop with FHD display."),
    ("Laptops", "Asus", "TUF Gaming F15 Laptop", &["Intel Core i5 16GB 512GB SSD RTX 3050"], 64_990, "Gaming laptop with RTX graphics."),
    ("Laptops", "Apple", "MacBook Air M2", &["8GB 256GB", "16GB 512GB"], 99_900, "13.6 inch Liquid Retina laptop."),
    ("Laptops", "Portronics", "Laptop Stand", &["Silver"], 999, "Adjustable aluminium stand for laptops."),
    ("Laptops", "HP", "Laptop Backpack 15.6 inch", &["Black", "Grey"], 1_299, "Water-resistant laptop bag."),
    ("Kitchen Appliances", "Bajaj", "Rex 500W Mixer Grinder 3 Jars", &["White"], 2_199, "Mixer grinder for daily grinding."),
    ("Kitchen Appliances", "Philips", "HL7756 750W Mixer Grinder", &["Black"], 3_999, "Turbo motor mixer grinder."),
    ("Kitchen Appliances", "Butterfly", "Jet Elite 750W Mixer Grinder 4 Jars", &["White"], 3_499, "Mixer grinder with 4 jars."),
    ("Kitchen Appliances", "Prestige", "PIC 20 Induction Cooktop", &["Black"], 2_399, "1600W induction cooktop."),
    ("Kitchen Appliances", "Philips", "Air Fryer HD9200", &["Black"], 7_999, "Air fryer with rapid air technology."),
    ("Kitchen Appliances", "Bajaj", "DX-6 Dry Iron", &["White"], 699, "1000W dry iron."),
    ("Kitchen Appliances", "Philips", "Pop-up Toaster", &["White"], 1_699, "2-slice pop-up toaster."),
    ("Kitchen Appliances", "Pigeon", "Electric Kettle 1.5L", &["Silver"], 599, "Stainless steel kettle."),
    ("Kitchen Appliances", "Kent", "Grand RO Water Purifier", &["White"], 15_999, "RO + UV + UF water purifier."),
    ("Fans", "Crompton", "Ceiling Fan 1200mm", &["Brown", "White", "Ivory"], 2_199, "High speed ceiling fan."),
    ("Fans", "Orient", "Table Fan 400mm", &["White", "Blue"], 1_799, "Oscillating table fan."),
    ("Fans", "Bajaj", "Pedestal Fan 400mm", &["White", "Black"], 2_499, "Pedestal fan with adjustable height."),
    ("Fans", "Usha", "Exhaust Fan 150mm", &["White"], 999, "Ventilation fan for kitchens and bathrooms."),
    ("Fans", "Havells", "Table Fan 400mm", &["White", "Brown"], 2_299, "Table fan with three speeds."),
    ("Memory Cards & Pen Drives", "SanDisk", "Ultra Dual Drive Pen Drive", &["32GB", "64GB", "128GB"], 599, "USB Type-C and USB-A pen drive."),
    ("Memory Cards & Pen Drives", "Samsung", "EVO Plus microSD Card", &["64GB", "128GB", "256GB"], 899, "Memory card with adapter."),
    ("Memory Cards & Pen Drives", "HP", "v236w Pen Drive", &["32GB", "64GB"], 399, "Metal USB 2.0 pen drive."),
    ("Memory Cards & Pen Drives", "Kingston", "Canvas Select microSD Card", &["32GB", "64GB"], 399, "Memory card for phones."),
];

fn electronics(b: &mut Builder) {
    let store = Store::Electronics;
    let mut models: Vec<String> = ACCESSORY_MODELS.iter().map(|m| m.to_string()).collect();
    for &(brand, model, configs, colours) in PHONES {
        for config in configs {
            for colour in colours {
                let name = format!("{brand} {model} {config} {colour}");
                let price = b.rng.pick(&[9_999, 14_999, 19_999, 29_999]);
                let price = b.price(*price);
                b.distractor(
                    store,
                    "Mobile Phones",
                    &name,
                    "5G smartphone with a big battery, fast charging and a high-resolution camera.",
                    price,
                );
            }
        }
        models.push(format!("{brand} {model}"));
    }
    for model in &models {
        for &(category, pattern, description) in ACCESSORIES {
            if b.rng.chance(0.2) {
                continue;
            }
            let name = pattern.replace("{}", model);
            let price = b.price(299);
            b.distractor(store, category, &name, description, price);
        }
    }
    for &(category, brand, product, variants, base, description) in ELECTRONICS_LINES {
        for variant in variants {
            let name = format!("{brand} {product} {variant}");
            let price = b.price(base);
            b.distractor(store, category, &name, description, price);
        }
    }
}

// ---------------------------------------------------------------------------------
// Restaurant menu

#[rustfmt::skip]
const RESTAURANT_ANCHORS: &[Anchor] = &[
    ("Biryani", "Hyderabadi Chicken Dum Biryani", "Long-grain basmati rice and chicken slow-cooked in dum with saffron and fried onions, served with raita and salan.", 329, true, 280),
    ("Biryani", "Hyderabadi Mutton Dum Biryani", "Tender mutton and basmati rice cooked in dum, served with raita.", 429, true, 140),
    ("Biryani", "Lucknowi Mutton Biryani", "Awadhi-style fragrant mutton biryani.", 449, false, 320),
    ("Main Course", "Paneer Butter Masala", "Cottage cheese cubes in a rich, buttery tomato gravy.", 279, true, 260),
    ("Main Course", "Butter Chicken", "Tandoori chicken simmered in a creamy makhani gravy.", 329, true, 300),
    ("Main Course", "Dal Makhani", "Black lentils slow-cooked overnight with butter and cream.", 229, true, 210),
    ("Main Course", "Dal Tadka", "Yellow lentils tempered with ghee, cumin and garlic.", 189, true, 150),
    ("Main Course", "Mutton Rogan Josh", "Kashmiri-style mutton curry with red chilli.", 399, true, 70),
    ("Main Course", "Egg Curry", "Boiled eggs in an onion-tomato masala.", 199, true, 65),
    ("Main Course", "Palak Paneer", "Paneer in a smooth spinach gravy.", 249, true, 120),
    ("Breads", "Butter Naan", "Soft tandoor-baked naan brushed with butter.", 60, true, 290),
    ("Breads", "Garlic Naan", "Naan topped with garlic and coriander.", 70, true, 180),
    ("Breads", "Tandoori Roti", "Whole wheat flatbread baked in the tandoor.", 30, true, 240),
    ("Breads", "Aloo Paratha with Curd", "Whole wheat paratha stuffed with spiced potato, with curd and pickle.", 129, true, 160),
    ("South Indian", "Masala Dosa", "Crisp rice and lentil crepe with potato masala, sambar and chutney.", 149, true, 220),
    ("South Indian", "Mysore Masala Dosa", "Dosa with spicy red chutney and potato masala.", 169, true, 110),
    ("South Indian", "Idli Sambar 2 pcs", "Steamed rice cakes with sambar and coconut chutney.", 89, true, 130),
    ("Pizza", "Margherita Pizza Medium", "Tomato sauce, mozzarella and basil on a hand-tossed base.", 299, true, 150),
    ("Starters", "Paneer Tikka", "Tandoor-grilled paneer marinated in spiced yogurt.", 259, true, 190),
    ("Starters", "Chilli Paneer Dry", "Indo-Chinese paneer tossed with peppers, onion and soy.", 239, true, 140),
    ("Starters", "Tandoori Chicken Half", "Half chicken marinated overnight and roasted in the tandoor.", 289, true, 170),
    ("Starters", "Chicken 65", "Spicy deep-fried chicken with curry leaves.", 259, true, 125),
    ("Starters", "Chicken Seekh Kebab", "Minced chicken skewers from the tandoor.", 279, true, 90),
    ("Chinese", "Veg Hakka Noodles", "Wok-tossed noodles with vegetables.", 179, true, 160),
    ("Chinese", "Veg Manchurian Gravy", "Vegetable dumplings in a soy-garlic gravy.", 199, true, 100),
    ("Rice", "Jeera Rice", "Basmati rice tempered with cumin seeds.", 149, true, 130),
    ("Desserts", "Gulab Jamun 2 pcs", "Soft milk dumplings in rose-cardamom syrup.", 79, true, 200),
    ("Desserts", "Rasmalai 2 pcs", "Cottage cheese discs in saffron milk.", 99, true, 95),
    ("Desserts", "Kulfi Falooda", "Malai kulfi with falooda noodles and rose syrup.", 149, true, 70),
    ("Beverages", "Masala Chai", "Kadak tea brewed with ginger and cardamom.", 40, true, 260),
    ("Beverages", "Mango Lassi", "Thick yogurt drink blended with Alphonso mango.", 99, true, 150),
    ("Beverages", "Cold Coffee with Ice Cream", "Chilled coffee blended with a scoop of vanilla ice cream.", 129, true, 120),
    ("Thali", "Veg Thali", "Dal, two sabzis, rice, three rotis, raita, salad and a sweet.", 249, true, 180),
    ("Rolls & Wraps", "Chicken Shawarma Roll", "Grilled chicken with garlic toum in a rumali wrap.", 169, true, 150),
    ("Rolls & Wraps", "Paneer Kathi Roll", "Paneer tikka, onions and mint chutney in a paratha wrap.", 149, true, 110),
];

/// Dishes the kitchen makes with several proteins: (category, pattern, description).
#[rustfmt::skip]
const DISHES: &[(&str, &str, &str)] = &[
    ("Biryani", "{} Biryani", "Fragrant basmati rice layered with masala and slow-cooked."),
    ("Biryani", "Kolkata {} Biryani", "Kolkata-style biryani with potato and egg."),
    ("Biryani", "Ambur {} Biryani", "Seeraga samba rice biryani from Tamil Nadu."),
    ("Main Course", "{} Tikka Masala", "Grilled tikka in a spiced onion-tomato gravy."),
    ("Main Course", "Kadai {}", "Cooked in a kadai with capsicum and freshly ground spices."),
    ("Main Course", "{} Korma", "Mild, creamy cashew-based curry."),
    ("Main Course", "{} Do Pyaza", "Curry with twice the onions."),
    ("Main Course", "{} Curry Home Style", "Simple home-style curry with rice or roti."),
    ("Starters", "{} 65", "Crispy fried with curry leaves and chillies."),
    ("Starters", "{} Pakora", "Batter-fried fritters with mint chutney."),
    ("Starters", "Crispy {} Salt and Pepper", "Tossed with black pepper, garlic and spring onion."),
    ("Chinese", "{} Fried Rice", "Wok-fried rice with vegetables and soy."),
    ("Chinese", "{} Schezwan Noodles", "Spicy schezwan sauce noodles."),
    ("Chinese", "Chilli {} Gravy", "Indo-Chinese chilli gravy with peppers."),
    ("Rolls & Wraps", "{} Tikka Roll", "Tikka wrapped in a flaky paratha with onions."),
    ("Rolls & Wraps", "{} Wrap", "Grilled wrap with salad and sauces."),
    ("Pizza", "{} Tikka Pizza Regular", "Tikka, onion and capsicum on a tandoori sauce base."),
    ("Burgers", "Crispy {} Burger", "Crispy patty with lettuce and mayo in a toasted bun."),
    ("Thali", "{} Thali", "A full meal with curry, dal, rice, rotis and a sweet."),
];

#[rustfmt::skip]
const PROTEINS: &[&str] = &[
    "Chicken", "Mutton", "Paneer", "Veg", "Egg", "Fish", "Prawn", "Mushroom", "Soya Chaap",
    "Gobi",
];

const PORTIONS: &[&str] = &["", " Half", " Full", " Family Pack"];

#[rustfmt::skip]
const SIDES: &[(&str, &str, u64)] = &[
    ("Breads", "Plain Naan", 50),
    ("Breads", "Cheese Garlic Naan", 110),
    ("Breads", "Laccha Paratha", 60),
    ("Breads", "Missi Roti", 45),
    ("Breads", "Rumali Roti", 40),
    ("Breads", "Tawa Roti", 20),
    ("Breads", "Pudina Paratha", 60),
    ("Breads", "Kulcha Amritsari", 99),
    ("Rice", "Steamed Rice", 119),
    ("Rice", "Veg Pulao", 169),
    ("Rice", "Curd Rice", 129),
    ("Rice", "Lemon Rice", 129),
    ("South Indian", "Plain Dosa", 99),
    ("South Indian", "Onion Uttapam", 139),
    ("South Indian", "Medu Vada 2 pcs", 89),
    ("South Indian", "Rava Dosa", 149),
    ("South Indian", "Ghee Roast Dosa", 159),
    ("Pizza", "Farmhouse Pizza Medium", 399),
    ("Pizza", "Peppy Paneer Pizza Medium", 399),
    ("Pizza", "Double Cheese Pizza Regular", 249),
    ("Pizza", "Veggie Supreme Pizza Large", 549),
    ("Pizza", "Garlic Bread Sticks", 129),
    ("Burgers", "Aloo Tikki Burger", 99),
    ("Burgers", "Maharaja Veg Burger", 179),
    ("Desserts", "Chocolate Brownie with Ice Cream", 169),
    ("Desserts", "Moong Dal Halwa", 129),
    ("Desserts", "Gajar Ka Halwa", 119),
    ("Desserts", "Vanilla Ice Cream 2 Scoops", 99),
    ("Desserts", "Shahi Tukda", 129),
    ("Desserts", "Phirni", 89),
    ("Beverages", "Sweet Lassi", 89),
    ("Beverages", "Salted Lassi", 79),
    ("Beverages", "Fresh Lime Soda", 79),
    ("Beverages", "Filter Coffee", 60),
    ("Beverages", "Virgin Mojito", 149),
    ("Beverages", "Chocolate Shake", 149),
    ("Beverages", "Iced Tea Lemon", 99),
    ("Beverages", "Mineral Water 1L", 20),
    ("Main Course", "Chole Masala", 199),
    ("Main Course", "Rajma Masala", 199),
    ("Main Course", "Aloo Gobi", 189),
    ("Main Course", "Bhindi Masala", 199),
    ("Main Course", "Baingan Bharta", 199),
    ("Main Course", "Shahi Paneer", 269),
    ("Main Course", "Matar Paneer", 239),
    ("Main Course", "Malai Kofta", 259),
    ("Main Course", "Mix Veg", 199),
    ("Main Course", "Chicken Chettinad", 329),
    ("Main Course", "Fish Curry Goan", 349),
    ("Starters", "Hara Bhara Kebab", 199),
    ("Starters", "Veg Spring Rolls", 169),
    ("Starters", "Chicken Lollipop", 269),
    ("Starters", "Paneer Malai Tikka", 279),
    ("Starters", "Afghani Chicken Tikka", 299),
    ("Starters", "Masala Papad", 49),
    ("Starters", "French Fries", 99),
];

fn restaurant(b: &mut Builder) {
    let store = Store::Restaurant;
    for &(category, pattern, description) in DISHES {
        for protein in PROTEINS {
            if b.rng.chance(0.3) {
                continue;
            }
            let dish = pattern.replace("{}", protein);
            for portion in PORTIONS {
                if !portion.is_empty() && b.rng.chance(0.6) {
                    continue;
                }
                let name = format!("{dish}{portion}");
                let price = b.price(249);
                b.distractor(store, category, &name, description, price);
            }
        }
    }
    for &(category, name, price) in SIDES {
        let price = b.price(price);
        b.distractor(store, category, name, "Made fresh to order.", price);
    }
}
