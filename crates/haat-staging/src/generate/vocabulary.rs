//! The words generated stores are made of: kinds of store (what an Indian small seller
//! sells), their categories and items with price ranges in rupees, store and customer
//! names, cities and streets. Everything here is fixed: changing it changes every
//! generated data set.

/// A kind of store.
pub struct Kind {
    /// The second half of a store's name (`Kirana Store`, `Fashions`).
    pub store_words: &'static [&'static str],
    /// How often a store of the body (and of the long tail) sells this.
    pub weight: u32,
    pub large_weight: u32,
    pub taglines: &'static [&'static str],
    pub categories: &'static [Category],
    /// Colours in product names (empty for kinds whose products have none).
    pub colours: &'static [&'static str],
    /// Sentences of product descriptions.
    pub sentences: &'static [&'static str],
}

pub struct Category {
    pub name: &'static str,
    pub items: &'static [Item],
}

pub struct Item {
    pub noun: &'static str,
    /// Brands, or the shop's own words (`Homemade`) where there is no brand.
    pub brands: &'static [&'static str],
    pub variants: &'static [&'static str],
    pub sizes: &'static [&'static str],
    /// Rupees, inclusive.
    pub price: (i64, i64),
}

const fn item(
    noun: &'static str,
    brands: &'static [&'static str],
    variants: &'static [&'static str],
    sizes: &'static [&'static str],
    price: (i64, i64),
) -> Item {
    Item {
        noun,
        brands,
        variants,
        sizes,
        price,
    }
}

const NONE: &[&str] = &[""];
const CLOTHES: &[&str] = &["S", "M", "L", "XL", "XXL"];
const SHOE_SIZES: &[&str] = &["UK 6", "UK 7", "UK 8", "UK 9", "UK 10"];
const HOMEMADE: &[&str] = &[""];

pub static KINDS: [Kind; 7] = [
    Kind {
        store_words: &[
            "Kirana Store",
            "General Store",
            "Provision Store",
            "Supermart",
            "Daily Needs",
        ],
        weight: 22,
        large_weight: 35,
        taglines: &[
            "Everything for your kitchen and home, delivered within 2 hours.",
            "Fresh groceries at MRP or less. Free delivery above Rs 499.",
            "Your neighbourhood kirana, now on WhatsApp.",
        ],
        categories: &[
            Category {
                name: "Atta & Flour",
                items: &[
                    item(
                        "Atta",
                        &["Aashirvaad", "Pillsbury", "Fortune", "Annapurna"],
                        &["Whole Wheat", "Multigrain", "Chakki Fresh", "Sharbati"],
                        &["1 kg", "5 kg", "10 kg"],
                        (55, 560),
                    ),
                    item(
                        "Besan",
                        &["Rajdhani", "Tata Sampann", "Fortune"],
                        &["", "Fine", "Premium"],
                        &["500 g", "1 kg"],
                        (50, 140),
                    ),
                    item(
                        "Sooji",
                        &["Rajdhani", "Fortune", "Patanjali"],
                        &["", "Bombay"],
                        &["500 g", "1 kg"],
                        (30, 80),
                    ),
                ],
            },
            Category {
                name: "Rice & Grains",
                items: &[
                    item(
                        "Basmati Rice",
                        &["India Gate", "Daawat", "Kohinoor", "Fortune"],
                        &["Classic", "Rozana", "Dubar", "Super"],
                        &["1 kg", "5 kg", "10 kg"],
                        (90, 1400),
                    ),
                    item(
                        "Sona Masoori Rice",
                        &["Lalithaa", "24 Mantra", "Fortune"],
                        &["", "Raw", "Steam"],
                        &["5 kg", "10 kg", "25 kg"],
                        (300, 1900),
                    ),
                    item(
                        "Poha",
                        &["Tata Sampann", "Rajdhani", "Patanjali"],
                        &["Thick", "Thin"],
                        &["500 g", "1 kg"],
                        (35, 90),
                    ),
                ],
            },
            Category {
                name: "Dal & Pulses",
                items: &[
                    item(
                        "Toor Dal",
                        &["Tata Sampann", "Organic Tattva", "Fortune"],
                        &["", "Unpolished", "Premium"],
                        &["500 g", "1 kg", "2 kg"],
                        (80, 420),
                    ),
                    item(
                        "Moong Dal",
                        &["Tata Sampann", "Organic Tattva", "24 Mantra"],
                        &["Yellow", "Chilka", "Whole"],
                        &["500 g", "1 kg"],
                        (70, 260),
                    ),
                    item(
                        "Rajma",
                        &["Tata Sampann", "Organic Tattva"],
                        &["Chitra", "Jammu", "Red"],
                        &["500 g", "1 kg"],
                        (90, 240),
                    ),
                ],
            },
            Category {
                name: "Masala & Spices",
                items: &[
                    item(
                        "Garam Masala",
                        &["MDH", "Everest", "Catch", "Badshah"],
                        &["", "Shahi", "Kitchen King"],
                        &["50 g", "100 g", "200 g"],
                        (35, 180),
                    ),
                    item(
                        "Turmeric Powder",
                        &["MDH", "Everest", "Catch"],
                        &["", "Salem", "Lakadong"],
                        &["100 g", "200 g", "500 g"],
                        (30, 160),
                    ),
                    item(
                        "Red Chilli Powder",
                        &["MDH", "Everest", "Aachi"],
                        &["", "Kashmiri", "Guntur"],
                        &["100 g", "200 g", "500 g"],
                        (35, 220),
                    ),
                ],
            },
            Category {
                name: "Oil & Ghee",
                items: &[
                    item(
                        "Mustard Oil",
                        &["Fortune", "Dhara", "Patanjali", "Engine"],
                        &["Kachi Ghani", "Cold Pressed"],
                        &["1 L", "2 L", "5 L"],
                        (150, 950),
                    ),
                    item(
                        "Sunflower Oil",
                        &["Fortune", "Saffola", "Gold Winner"],
                        &["Refined", "Active"],
                        &["1 L", "5 L"],
                        (130, 780),
                    ),
                    item(
                        "Desi Ghee",
                        &["Amul", "Patanjali", "Gowardhan", "Nandini"],
                        &["Pure", "Cow"],
                        &["500 ml", "1 L"],
                        (290, 720),
                    ),
                ],
            },
            Category {
                name: "Snacks & Namkeen",
                items: &[
                    item(
                        "Aloo Bhujia",
                        &["Haldiram's", "Bikaji", "Bikano"],
                        &["", "Classic"],
                        &["200 g", "400 g", "1 kg"],
                        (45, 260),
                    ),
                    item(
                        "Moong Dal Namkeen",
                        &["Haldiram's", "Bikaji"],
                        &["", "Salted"],
                        &["200 g", "400 g"],
                        (40, 130),
                    ),
                    item(
                        "Potato Chips",
                        &["Lay's", "Bingo", "Balaji"],
                        &["Classic Salted", "Magic Masala", "Cream & Onion"],
                        &["52 g", "90 g"],
                        (20, 50),
                    ),
                ],
            },
            Category {
                name: "Biscuits",
                items: &[
                    item(
                        "Glucose Biscuits",
                        &["Parle-G", "Britannia Tiger", "Sunfeast"],
                        &["", "Family Pack"],
                        &["250 g", "800 g"],
                        (20, 90),
                    ),
                    item(
                        "Cream Biscuits",
                        &["Bourbon", "Hide & Seek", "Dark Fantasy"],
                        &["Chocolate", "Vanilla"],
                        &["100 g", "300 g"],
                        (30, 120),
                    ),
                ],
            },
            Category {
                name: "Tea & Coffee",
                items: &[
                    item(
                        "Tea",
                        &["Tata Tea", "Red Label", "Wagh Bakri", "Society"],
                        &["Premium", "Gold", "Masala"],
                        &["250 g", "500 g", "1 kg"],
                        (110, 620),
                    ),
                    item(
                        "Instant Coffee",
                        &["Nescafe", "Bru", "Continental"],
                        &["Classic", "Gold"],
                        &["50 g", "100 g", "200 g"],
                        (150, 690),
                    ),
                ],
            },
            Category {
                name: "Dairy",
                items: &[
                    item(
                        "Paneer",
                        &["Amul", "Mother Dairy", "Gowardhan"],
                        &["Fresh", "Malai"],
                        &["200 g", "500 g"],
                        (80, 240),
                    ),
                    item(
                        "Butter",
                        &["Amul", "Mother Dairy", "Nandini"],
                        &["Salted", "Unsalted"],
                        &["100 g", "500 g"],
                        (58, 290),
                    ),
                ],
            },
            Category {
                name: "Personal Care",
                items: &[
                    item(
                        "Bath Soap",
                        &["Dove", "Lifebuoy", "Santoor", "Mysore Sandal"],
                        &["", "Pack of 3", "Pack of 4"],
                        &["100 g", "125 g"],
                        (35, 260),
                    ),
                    item(
                        "Toothpaste",
                        &["Colgate", "Dabur Red", "Pepsodent", "Patanjali Dant Kanti"],
                        &["", "Herbal", "Strong Teeth"],
                        &["100 g", "200 g"],
                        (50, 160),
                    ),
                    item(
                        "Hair Oil",
                        &["Parachute", "Dabur Amla", "Bajaj Almond Drops"],
                        &["", "Advansed"],
                        &["100 ml", "300 ml"],
                        (45, 260),
                    ),
                ],
            },
            Category {
                name: "Household",
                items: &[
                    item(
                        "Detergent Powder",
                        &["Surf Excel", "Ariel", "Tide", "Wheel"],
                        &["Easy Wash", "Matic", "Plus"],
                        &["500 g", "1 kg", "4 kg"],
                        (55, 850),
                    ),
                    item(
                        "Dishwash Bar",
                        &["Vim", "Exo", "Pril"],
                        &["Lemon", "Anti-Bacterial"],
                        &["", "Pack of 3"],
                        (10, 90),
                    ),
                ],
            },
        ],
        colours: &[],
        sentences: &[
            "Sealed pack, delivered fresh.",
            "Best before date printed on the pack.",
            "Store in a cool and dry place.",
            "MRP inclusive of all taxes.",
            "Free home delivery on orders above Rs 499.",
        ],
    },
    Kind {
        store_words: &[
            "Fashions",
            "Saree Centre",
            "Boutique",
            "Textiles",
            "Collections",
        ],
        weight: 18,
        large_weight: 25,
        taglines: &[
            "Handpicked sarees, kurtis and ethnic wear. Ask for more colours on WhatsApp.",
            "Direct from weavers, no middlemen. Easy exchange within 7 days.",
            "Trendy and traditional wear for the whole family.",
        ],
        categories: &[
            Category {
                name: "Sarees",
                items: &[
                    item(
                        "Silk Saree",
                        &["Kanchipuram", "Banarasi", "Mysore", "Tussar"],
                        &["Pure", "Soft", "Zari Border", "Handloom"],
                        NONE,
                        (1800, 24000),
                    ),
                    item(
                        "Cotton Saree",
                        &["Chanderi", "Tant", "Kota Doria", "Maheshwari"],
                        &["Handloom", "Printed", "Block Print"],
                        NONE,
                        (650, 3800),
                    ),
                    item(
                        "Georgette Saree",
                        &["Surat", "Designer"],
                        &["Printed", "Embroidered", "Sequin"],
                        NONE,
                        (700, 4500),
                    ),
                ],
            },
            Category {
                name: "Kurtas & Kurtis",
                items: &[
                    item(
                        "Kurti",
                        &["Biba", "W", "Aurelia", "Libas"],
                        &["Anarkali", "Straight", "A-Line", "Chikankari"],
                        CLOTHES,
                        (450, 2800),
                    ),
                    item(
                        "Kurta",
                        &["Fabindia", "Manyavar", "Peter England"],
                        &["Cotton", "Linen", "Silk Blend"],
                        CLOTHES,
                        (600, 3500),
                    ),
                ],
            },
            Category {
                name: "Shirts",
                items: &[item(
                    "Shirt",
                    &[
                        "Peter England",
                        "Van Heusen",
                        "Allen Solly",
                        "Louis Philippe",
                    ],
                    &["Formal", "Casual", "Checked", "Slim Fit"],
                    CLOTHES,
                    (600, 2800),
                )],
            },
            Category {
                name: "T-Shirts",
                items: &[item(
                    "T-Shirt",
                    &["Jockey", "U.S. Polo", "Roadster", "HRX"],
                    &["Round Neck", "Polo", "Graphic"],
                    CLOTHES,
                    (250, 1600),
                )],
            },
            Category {
                name: "Jeans & Trousers",
                items: &[
                    item(
                        "Jeans",
                        &["Levi's", "Pepe", "Spykar", "Wrangler"],
                        &["Slim Fit", "Regular Fit", "Stretch"],
                        &["28", "30", "32", "34", "36"],
                        (800, 3500),
                    ),
                    item(
                        "Trousers",
                        &["Peter England", "Van Heusen", "Park Avenue"],
                        &["Formal", "Chino"],
                        &["30", "32", "34", "36"],
                        (700, 2600),
                    ),
                ],
            },
            Category {
                name: "Dupattas",
                items: &[item(
                    "Dupatta",
                    &["Phulkari", "Bandhani", "Banarasi"],
                    &["Silk", "Cotton", "Chiffon"],
                    NONE,
                    (300, 2400),
                )],
            },
            Category {
                name: "Kids Wear",
                items: &[
                    item(
                        "Frock",
                        &["Babyhug", "Hopscotch"],
                        &["Party", "Cotton", "Printed"],
                        &["2-3 Y", "4-5 Y", "6-7 Y"],
                        (350, 1500),
                    ),
                    item(
                        "Kurta Pyjama Set",
                        &["Babyhug", "Manyavar"],
                        &["Festive", "Cotton"],
                        &["2-3 Y", "4-5 Y", "6-7 Y"],
                        (450, 1800),
                    ),
                ],
            },
        ],
        colours: &[
            "Maroon",
            "Peacock Blue",
            "Mustard",
            "Emerald Green",
            "Rani Pink",
            "Ivory",
            "Black",
            "Navy",
            "Bottle Green",
            "Mango Yellow",
        ],
        sentences: &[
            "Colours may vary slightly from the photo.",
            "Dry clean only.",
            "Easy exchange within 7 days of delivery.",
            "Comes with an unstitched blouse piece.",
            "Machine wash cold, dry in shade.",
        ],
    },
    Kind {
        store_words: &["Footwear", "Shoe Mart", "Chappal House", "Shoe Palace"],
        weight: 8,
        large_weight: 10,
        taglines: &[
            "Branded footwear for men, women and kids at the best prices.",
            "Handmade Kolhapuris and juttis, shipped across India.",
        ],
        categories: &[
            Category {
                name: "Sports Shoes",
                items: &[item(
                    "Running Shoes",
                    &["Campus", "Asian", "Sparx", "Bata Power"],
                    &["Mesh", "Lightweight", "Cushioned"],
                    SHOE_SIZES,
                    (700, 3500),
                )],
            },
            Category {
                name: "Formal Shoes",
                items: &[item(
                    "Derby Shoes",
                    &["Bata", "Red Chief", "Woodland"],
                    &["Leather", "Lace-up"],
                    SHOE_SIZES,
                    (1200, 4500),
                )],
            },
            Category {
                name: "Sandals",
                items: &[item(
                    "Sandals",
                    &["Paragon", "Relaxo", "Bata"],
                    &["Comfort", "Velcro", "Strappy"],
                    SHOE_SIZES,
                    (300, 1500),
                )],
            },
            Category {
                name: "Chappals & Slippers",
                items: &[item(
                    "Flip Flops",
                    &["Paragon", "Relaxo", "Sparx"],
                    &["", "Soft"],
                    SHOE_SIZES,
                    (150, 600),
                )],
            },
            Category {
                name: "Kolhapuris & Juttis",
                items: &[
                    item(
                        "Kolhapuri Chappal",
                        HOMEMADE,
                        &["Handmade", "Leather", "Braided"],
                        SHOE_SIZES,
                        (450, 1800),
                    ),
                    item(
                        "Jutti",
                        HOMEMADE,
                        &["Embroidered", "Punjabi", "Mirror Work"],
                        SHOE_SIZES,
                        (500, 2200),
                    ),
                ],
            },
        ],
        colours: &["Black", "Tan", "Brown", "White", "Navy", "Grey", "Olive"],
        sentences: &[
            "Check the size chart before ordering.",
            "Free size exchange within 7 days.",
            "Wipe clean with a dry cloth.",
        ],
    },
    Kind {
        store_words: &[
            "Mobiles",
            "Electronics",
            "Mobile Accessories",
            "Digital World",
        ],
        weight: 12,
        large_weight: 20,
        taglines: &[
            "Mobile covers, chargers and accessories for every phone. Same-day delivery.",
            "Genuine products with bill and warranty.",
        ],
        categories: &[
            Category {
                name: "Mobile Covers",
                items: &[item(
                    "Back Cover",
                    &[
                        "for Redmi Note 13",
                        "for Samsung Galaxy M34",
                        "for iPhone 15",
                        "for Vivo T3",
                        "for Realme 12",
                    ],
                    &["Silicone", "Transparent", "Rugged", "Leather Flip"],
                    NONE,
                    (99, 699),
                )],
            },
            Category {
                name: "Chargers & Cables",
                items: &[
                    item(
                        "Fast Charger",
                        &["Mi", "Samsung", "boAt", "Ambrane"],
                        &["20W", "33W", "65W"],
                        NONE,
                        (399, 2499),
                    ),
                    item(
                        "USB-C Cable",
                        &["boAt", "Portronics", "Ambrane"],
                        &["Braided", "1 m", "2 m"],
                        NONE,
                        (149, 799),
                    ),
                ],
            },
            Category {
                name: "Earphones",
                items: &[
                    item(
                        "Wireless Earbuds",
                        &[
                            "boAt Airdopes",
                            "Noise Buds",
                            "realme Buds",
                            "OnePlus Nord Buds",
                        ],
                        &["", "ANC", "Pro"],
                        NONE,
                        (899, 4999),
                    ),
                    item(
                        "Neckband",
                        &["boAt Rockerz", "OnePlus Bullets", "Noise"],
                        &["", "Wireless"],
                        NONE,
                        (699, 2499),
                    ),
                ],
            },
            Category {
                name: "Power Banks",
                items: &[item(
                    "Power Bank",
                    &["Mi", "Ambrane", "Portronics", "Anker"],
                    &["10000 mAh", "20000 mAh"],
                    NONE,
                    (799, 2999),
                )],
            },
            Category {
                name: "Screen Guards",
                items: &[item(
                    "Tempered Glass",
                    &[
                        "for Redmi Note 13",
                        "for Samsung Galaxy A15",
                        "for iPhone 14",
                        "for Oppo A79",
                    ],
                    &["Full Glue", "Privacy", "Matte"],
                    NONE,
                    (99, 499),
                )],
            },
            Category {
                name: "Smart Watches",
                items: &[item(
                    "Smart Watch",
                    &["Noise ColorFit", "boAt Wave", "Fire-Boltt", "Amazfit"],
                    &["", "Pro", "Calling"],
                    NONE,
                    (1299, 6999),
                )],
            },
        ],
        colours: &["Black", "Blue", "White", "Green", "Grey", "Red"],
        sentences: &[
            "1 year warranty with bill.",
            "Check compatibility with your phone model before ordering.",
            "Sealed box, genuine product.",
        ],
    },
    Kind {
        store_words: &[
            "Kitchen",
            "Tiffin Service",
            "Dhaba",
            "Biryani House",
            "Cafe",
            "Bhojanalaya",
        ],
        weight: 18,
        large_weight: 0,
        taglines: &[
            "Home-style food, cooked fresh every day. Order before 12 for lunch.",
            "Pure veg. Delivery within 5 km.",
            "Our biryani is slow-cooked on dum. Order on WhatsApp.",
        ],
        categories: &[
            Category {
                name: "Thalis",
                items: &[item(
                    "Thali",
                    HOMEMADE,
                    &["Veg", "Deluxe", "Rajasthani", "Gujarati", "South Indian"],
                    NONE,
                    (120, 350),
                )],
            },
            Category {
                name: "Biryani",
                items: &[item(
                    "Biryani",
                    HOMEMADE,
                    &[
                        "Veg Dum",
                        "Chicken Dum",
                        "Mutton",
                        "Egg",
                        "Hyderabadi Chicken",
                    ],
                    &["Half", "Full"],
                    (140, 480),
                )],
            },
            Category {
                name: "Starters",
                items: &[
                    item(
                        "Paneer Tikka",
                        HOMEMADE,
                        &["", "Achari", "Malai"],
                        &["Half", "Full"],
                        (160, 320),
                    ),
                    item(
                        "Samosa",
                        HOMEMADE,
                        &["Aloo", "Punjabi", "Cocktail"],
                        &["2 pcs", "6 pcs"],
                        (30, 120),
                    ),
                ],
            },
            Category {
                name: "Main Course",
                items: &[
                    item(
                        "Dal Makhani",
                        HOMEMADE,
                        &["", "Special"],
                        &["Half", "Full"],
                        (140, 280),
                    ),
                    item(
                        "Paneer Butter Masala",
                        HOMEMADE,
                        &["", "Jain"],
                        &["Half", "Full"],
                        (170, 320),
                    ),
                    item(
                        "Chole",
                        HOMEMADE,
                        &["Amritsari", "Pindi"],
                        &["Half", "Full"],
                        (110, 220),
                    ),
                ],
            },
            Category {
                name: "Breads",
                items: &[
                    item(
                        "Roti",
                        HOMEMADE,
                        &["Tandoori", "Butter", "Missi"],
                        &["1 pc", "4 pcs"],
                        (12, 80),
                    ),
                    item(
                        "Naan",
                        HOMEMADE,
                        &["Butter", "Garlic", "Plain"],
                        &["1 pc", "2 pcs"],
                        (35, 110),
                    ),
                ],
            },
            Category {
                name: "Desserts",
                items: &[
                    item(
                        "Gulab Jamun",
                        HOMEMADE,
                        &["", "Kala"],
                        &["2 pcs", "4 pcs"],
                        (40, 120),
                    ),
                    item(
                        "Kheer",
                        HOMEMADE,
                        &["Rice", "Seviyan"],
                        &["Bowl"],
                        (60, 120),
                    ),
                ],
            },
            Category {
                name: "Beverages",
                items: &[
                    item(
                        "Lassi",
                        HOMEMADE,
                        &["Sweet", "Salted", "Mango"],
                        &["300 ml", "500 ml"],
                        (40, 110),
                    ),
                    item(
                        "Masala Chai",
                        HOMEMADE,
                        &["", "Kulhad"],
                        &["Cup", "Flask"],
                        (15, 180),
                    ),
                ],
            },
        ],
        colours: &[],
        sentences: &[
            "Cooked fresh when you order.",
            "Packed in leak-proof containers.",
            "Spice level can be adjusted: add a note with your order.",
            "Serves one.",
        ],
    },
    Kind {
        store_words: &[
            "Sweets",
            "Mithai Bhandar",
            "Home Bakery",
            "Bakers",
            "Cake House",
        ],
        weight: 12,
        large_weight: 0,
        taglines: &[
            "Eggless cakes and cookies baked to order. Order a day ahead.",
            "Pure desi ghee mithai since 1978.",
        ],
        categories: &[
            Category {
                name: "Cakes",
                items: &[item(
                    "Cake",
                    HOMEMADE,
                    &[
                        "Chocolate Truffle",
                        "Red Velvet",
                        "Pineapple",
                        "Black Forest",
                        "Rasmalai",
                        "Butterscotch",
                    ],
                    &["500 g", "1 kg"],
                    (350, 1600),
                )],
            },
            Category {
                name: "Cookies",
                items: &[item(
                    "Cookies",
                    HOMEMADE,
                    &["Choco Chip", "Nankhatai", "Oatmeal", "Jeera", "Coconut"],
                    &["250 g", "500 g"],
                    (150, 450),
                )],
            },
            Category {
                name: "Mithai",
                items: &[
                    item(
                        "Kaju Katli",
                        HOMEMADE,
                        &["", "Kesar"],
                        &["250 g", "500 g", "1 kg"],
                        (280, 1400),
                    ),
                    item(
                        "Motichoor Ladoo",
                        HOMEMADE,
                        &["", "Desi Ghee"],
                        &["250 g", "500 g", "1 kg"],
                        (140, 700),
                    ),
                    item(
                        "Soan Papdi",
                        HOMEMADE,
                        &["", "Elaichi"],
                        &["250 g", "500 g"],
                        (90, 300),
                    ),
                ],
            },
            Category {
                name: "Namkeen",
                items: &[item(
                    "Mathri",
                    HOMEMADE,
                    &["Methi", "Ajwain"],
                    &["250 g", "500 g"],
                    (90, 260),
                )],
            },
            Category {
                name: "Breads",
                items: &[
                    item(
                        "Bread",
                        HOMEMADE,
                        &["Whole Wheat", "Multigrain", "Milk", "Garlic"],
                        &["400 g"],
                        (45, 120),
                    ),
                    item(
                        "Pav",
                        HOMEMADE,
                        &["Ladi", "Butter"],
                        &["6 pcs", "12 pcs"],
                        (30, 80),
                    ),
                ],
            },
        ],
        colours: &[],
        sentences: &[
            "Eggless.",
            "Baked fresh on the day of delivery.",
            "Best within 3 days; refrigerate after opening.",
            "Add a name on the cake in the order note.",
        ],
    },
    Kind {
        store_words: &["Handicrafts", "Home Decor", "Crafts", "Art Gallery"],
        weight: 10,
        large_weight: 10,
        taglines: &[
            "Handmade by artisans in Jaipur, shipped across India.",
            "Brass, pottery and block-printed linen for your home.",
        ],
        categories: &[
            Category {
                name: "Bedsheets",
                items: &[item(
                    "Bedsheet",
                    &["Jaipuri", "Sanganeri", "Bagru"],
                    &["Block Print", "Cotton", "Double"],
                    &["Single", "Double", "King"],
                    (450, 2600),
                )],
            },
            Category {
                name: "Cushion Covers",
                items: &[item(
                    "Cushion Covers",
                    HOMEMADE,
                    &["Embroidered", "Mirror Work", "Block Print"],
                    &["Set of 2", "Set of 5"],
                    (250, 1400),
                )],
            },
            Category {
                name: "Wall Decor",
                items: &[
                    item(
                        "Madhubani Painting",
                        HOMEMADE,
                        &["Framed", "Canvas"],
                        &["A4", "A3", "2 ft"],
                        (600, 7500),
                    ),
                    item(
                        "Wall Hanging",
                        HOMEMADE,
                        &["Macrame", "Brass", "Wooden"],
                        NONE,
                        (350, 3200),
                    ),
                ],
            },
            Category {
                name: "Pottery",
                items: &[
                    item(
                        "Terracotta Planter",
                        HOMEMADE,
                        &["Hand-painted", "Plain"],
                        &["Small", "Medium", "Large"],
                        (180, 1600),
                    ),
                    item(
                        "Blue Pottery Vase",
                        &["Jaipur"],
                        &["Floral", "Classic"],
                        &["6 inch", "10 inch"],
                        (450, 2800),
                    ),
                ],
            },
            Category {
                name: "Lamps & Diyas",
                items: &[item(
                    "Diya",
                    HOMEMADE,
                    &["Brass", "Clay", "Decorative"],
                    &["Set of 4", "Set of 12"],
                    (120, 1800),
                )],
            },
            Category {
                name: "Brassware",
                items: &[item(
                    "Brass Pooja Thali",
                    HOMEMADE,
                    &["Engraved", "Plain"],
                    &["8 inch", "12 inch"],
                    (600, 4200),
                )],
            },
        ],
        colours: &["Indigo", "Mustard", "Rust", "Off White", "Teal", "Maroon"],
        sentences: &[
            "Handmade: every piece is slightly different.",
            "Gift wrapping on request.",
            "Shipped in sturdy packaging; breakage replaced.",
        ],
    },
];

/// Owners and names for stores: `Sharma Kirana Store`, `Meera's Home Bakery`, `Shree Balaji Sweets`.
pub const SURNAMES: &[&str] = &[
    "Sharma", "Gupta", "Jain", "Patel", "Reddy", "Iyer", "Khan", "Singh", "Mehta", "Das", "Nair",
    "Agarwal", "Yadav", "Bansal", "Joshi", "Kapoor", "Mishra", "Rao", "Shah", "Verma", "Pillai",
    "Banerjee", "Chauhan", "Kulkarni", "Ansari", "Menon", "Goswami", "Thakur",
];
pub const FIRST_NAMES: &[&str] = &[
    "Meera", "Lakshmi", "Ravi", "Anita", "Suresh", "Pooja", "Imran", "Kavya", "Arjun", "Neha",
    "Farhan", "Divya", "Rahul", "Sunita", "Vikram", "Priya", "Abdul", "Deepa", "Manoj", "Asha",
    "Karthik", "Fatima", "Rohit", "Geeta", "Harpreet", "Sneha", "Aditya", "Zoya", "Gopal", "Ritu",
];
pub const BLESSINGS: &[&str] = &[
    "Shree Balaji",
    "Sai",
    "New Bharat",
    "Royal",
    "Annapurna",
    "Shree Ganesh",
    "Krishna",
    "Om",
    "Laxmi",
    "Jai Ambe",
    "Apna",
    "City",
    "Golden",
    "Maa Durga",
];

pub struct City {
    pub name: &'static str,
    pub pin: u32,
    pub localities: &'static [&'static str],
}

pub static CITIES: [City; 14] = [
    City {
        name: "Jaipur",
        pin: 302001,
        localities: &["Malviya Nagar", "Vaishali Nagar", "Raja Park", "Mansarovar"],
    },
    City {
        name: "Pune",
        pin: 411001,
        localities: &["Kothrud", "Aundh", "Hadapsar", "Baner"],
    },
    City {
        name: "Indore",
        pin: 452001,
        localities: &["Vijay Nagar", "Palasia", "Rajwada", "Sudama Nagar"],
    },
    City {
        name: "Lucknow",
        pin: 226001,
        localities: &["Gomti Nagar", "Aliganj", "Hazratganj", "Indira Nagar"],
    },
    City {
        name: "Kochi",
        pin: 682001,
        localities: &["Kakkanad", "Edappally", "Fort Kochi", "Vyttila"],
    },
    City {
        name: "Surat",
        pin: 395003,
        localities: &["Adajan", "Vesu", "Varachha", "Athwa"],
    },
    City {
        name: "Bhopal",
        pin: 462001,
        localities: &["Arera Colony", "Kolar Road", "MP Nagar", "Shahpura"],
    },
    City {
        name: "Coimbatore",
        pin: 641001,
        localities: &["RS Puram", "Gandhipuram", "Peelamedu", "Saibaba Colony"],
    },
    City {
        name: "Patna",
        pin: 800001,
        localities: &["Boring Road", "Kankarbagh", "Rajendra Nagar", "Bailey Road"],
    },
    City {
        name: "Mysuru",
        pin: 570001,
        localities: &[
            "Jayalakshmipuram",
            "Kuvempunagar",
            "Vijayanagar",
            "Saraswathipuram",
        ],
    },
    City {
        name: "Guwahati",
        pin: 781001,
        localities: &["Zoo Road", "Beltola", "Ganeshguri", "Chandmari"],
    },
    City {
        name: "Chandigarh",
        pin: 160017,
        localities: &["Sector 17", "Sector 22", "Sector 35", "Manimajra"],
    },
    City {
        name: "Vadodara",
        pin: 390001,
        localities: &["Alkapuri", "Karelibaug", "Gotri", "Manjalpur"],
    },
    City {
        name: "Madurai",
        pin: 625001,
        localities: &["Anna Nagar", "KK Nagar", "Tallakulam", "Goripalayam"],
    },
];

pub const STREETS: &[&str] = &[
    "Main Road",
    "Station Road",
    "Gandhi Marg",
    "Nehru Street",
    "Temple Street",
    "Market Road",
    "MG Road",
    "Ring Road",
    "Church Street",
    "College Road",
    "Park Avenue",
    "Lake View Road",
];
pub const BUILDINGS: &[&str] = &[
    "Shanti Apartments",
    "Green Park Society",
    "Sai Residency",
    "Lotus Towers",
    "Krishna Niwas",
    "Sunrise Enclave",
    "Gulmohar Heights",
    "Anand Vihar",
];
pub const MARKETS: &[&str] = &[
    "Sadar Bazaar",
    "Main Market",
    "Shopping Complex",
    "Bapu Bazaar",
    "Chowk",
    "Central Market",
];

pub const ACCENTS: &[&str] = &[
    "#0f766e", "#c2410c", "#be185d", "#7c3aed", "#15803d", "#1d4ed8", "#b45309", "#0e7490",
    "#9f1239", "#4d7c0f",
];
pub const UPI_HANDLES: &[&str] = &["okaxis", "okhdfcbank", "okicici", "oksbi", "ybl", "paytm"];

pub const ORDER_NOTES: &[&str] = &[
    "Please call before delivery.",
    "Leave with the security guard.",
    "Deliver after 6 pm.",
    "Less spicy please.",
    "Gift wrap please.",
    "Ring the bell twice.",
];
pub const CANCEL_REASONS: &[&str] = &[
    "Out of stock",
    "Customer asked to cancel",
    "Cannot deliver to this address",
    "Customer not reachable",
];
pub const UNPAID_REASON: &str = "Payment not received";
