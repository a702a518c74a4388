//! Text analysis shared by indexing and queries: two analyzers registered on the index
//! under fixed names, and the same analyzers applied to shopper input.
//!
//! - `haat_stem`: words (letters and digits), lowercased, accents folded to ASCII where
//!   they have an ASCII form, English stems (`running` → `run`, `shoes` → `shoe`).
//!   Ranking fields use it.
//! - `haat_raw`: the same without stemming. Typo-tolerant and prefix matching use it: an
//!   edit distance is measured against what the seller wrote, not against a stem.

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    TextAnalyzer, TokenStream,
};

pub const STEM: &str = "haat_stem";
pub const RAW: &str = "haat_raw";

/// Words longer than this are not indexed (nobody types them; they bloat the index).
const LONGEST_WORD: usize = 40;

pub fn stem_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(LONGEST_WORD))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(Language::English))
        .build()
}

pub fn raw_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(LONGEST_WORD))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// The tokens an analyzer makes of `text`.
pub fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

/// English words that carry no meaning in a product search on their own; dropped from
/// a query unless the query is nothing else ("the" alone still searches for "the").
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "in", "into", "is",
    "it", "of", "on", "or", "the", "to", "with", "without",
];

pub fn is_stop_word(raw_word: &str) -> bool {
    STOP_WORDS.contains(&raw_word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_fold_and_lowercase() {
        let mut stem = stem_analyzer();
        assert_eq!(
            tokens(&mut stem, "Running SHOES, Café-Crème!"),
            ["run", "shoe", "cafe", "creme"]
        );
        let mut raw = raw_analyzer();
        assert_eq!(tokens(&mut raw, "Running SHOES"), ["running", "shoes"]);
        assert_eq!(tokens(&mut raw, "T-Shirt 5kg"), ["t", "shirt", "5kg"]);
        assert!(tokens(&mut raw, "!!! … ???").is_empty());
    }
}
