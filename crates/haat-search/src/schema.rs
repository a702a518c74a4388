//! The index's schema: one document per active product of every store.

use tantivy::schema::{
    Field, IndexRecordOption, Schema, SchemaBuilder, TextFieldIndexing, TextOptions, FAST, INDEXED,
    STORED, STRING,
};
use tantivy::Index;

use crate::analysis::{raw_analyzer, stem_analyzer, RAW, STEM};

/// The schema's fields, looked up once.
#[derive(Clone, Copy, Debug)]
pub struct Fields {
    /// Product id (UUID text): the key for updates and deletes.
    pub id: Field,
    /// Store id (UUID text): every query is restricted to one.
    pub store_id: Field,
    /// Name, stemmed, with positions (phrases).
    pub name: Field,
    /// Name as written (folded, lowercased): typo-tolerant and prefix matching.
    pub name_raw: Field,
    pub category: Field,
    pub description: Field,
    /// Category id (UUID text, empty for none): filter and facet.
    pub category_id: Field,
    pub price_minor: Field,
    /// 1 when the product can be ordered now.
    pub in_stock: Field,
    /// Orders in the last 30 days.
    pub popularity: Field,
    /// Creation time, Unix seconds.
    pub created: Field,
}

pub fn build() -> (Schema, Fields) {
    let mut builder = SchemaBuilder::new();
    let text = |analyzer: &str, positions: bool| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(analyzer)
                .set_index_option(if positions {
                    IndexRecordOption::WithFreqsAndPositions
                } else {
                    IndexRecordOption::WithFreqs
                }),
        )
    };
    let fields = Fields {
        id: builder.add_text_field("id", STRING | STORED),
        store_id: builder.add_text_field("store_id", STRING),
        name: builder.add_text_field("name", text(STEM, true) | STORED),
        name_raw: builder.add_text_field("name_raw", text(RAW, false)),
        category: builder.add_text_field("category", text(STEM, true)),
        description: builder.add_text_field("description", text(STEM, true)),
        category_id: builder.add_text_field("category_id", STRING | FAST),
        price_minor: builder.add_u64_field("price_minor", INDEXED | FAST | STORED),
        in_stock: builder.add_u64_field("in_stock", FAST),
        popularity: builder.add_u64_field("popularity", FAST),
        created: builder.add_i64_field("created", FAST),
    };
    (builder.build(), fields)
}

/// Registers Haat's analyzers on an index (needed after every open).
pub fn register_analyzers(index: &Index) {
    index.tokenizers().register(STEM, stem_analyzer());
    index.tokenizers().register(RAW, raw_analyzer());
}
