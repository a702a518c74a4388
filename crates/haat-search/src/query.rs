//! From what a shopper typed to a tantivy query (docs/search.md explains the scoring).
//!
//! The input is capped, split into words with the index's own analyzers, stop words
//! dropped (unless nothing else is left), and grouped into *units*: a single word, or a
//! run of up to three words that is a synonym phrase ("running shoes"). Each unit
//! matches by its stems in the name (weighted most), category and description; by
//! typo-tolerant and, for the last word as the shopper types, prefix matching against
//! the name as written; and by its synonyms. A product must match at least one unit;
//! matching all of them (unless its name holds them as what it is *for*: "Back Cover
//! for Samsung Galaxy M14"), and the whole query as a phrase in the name, add to the
//! score.
//! Nothing in the input is query syntax: `name:foo OR *` is four words.

use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, DisjunctionMaxQuery, FuzzyTermQuery, Occur,
    PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::Term;

use crate::analysis::{is_stop_word, raw_analyzer, stem_analyzer, tokens};
use crate::schema::Fields;
use crate::synonyms::{Synonyms, LONGEST_PHRASE};

/// Characters of input considered; the rest is ignored.
pub const MAX_QUERY_CHARS: usize = 200;
/// Words considered; the rest are ignored.
pub const MAX_QUERY_WORDS: usize = 10;

const NAME_BOOST: f32 = 3.0;
const CATEGORY_BOOST: f32 = 1.5;
const DESCRIPTION_BOOST: f32 = 1.0;
/// A typo-tolerant or prefix match in the name counts less than an exact one.
const FUZZY_BOOST: f32 = 1.2;
/// A synonym counts a little less than the word itself.
const SYNONYM_FACTOR: f32 = 0.8;
/// What the other ways of matching a unit add to the best one.
const TIE_BREAKER: f32 = 0.1;
/// Bonus when every unit matches.
const ALL_WORDS_BOOST: f32 = 2.0;
/// Bonus when the name holds the query's words as a phrase.
const PHRASE_BOOST: f32 = 3.0;
/// How many words after "for" in a name still say what the product is for.
const FOR_REACH: usize = 3;

/// One word of the query, as written (folded, lowercased) and as stemmed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    pub raw: String,
    pub stem: String,
}

/// The words of a shopper's query, parsed once.
#[derive(Clone, Debug, Default)]
pub struct ParsedQuery {
    pub words: Vec<Word>,
    /// The last word is still being typed (no space after it): match it as a prefix.
    pub last_is_prefix: bool,
}

impl ParsedQuery {
    pub fn parse(input: &str, prefix_last: bool) -> ParsedQuery {
        let input: String = input.chars().take(MAX_QUERY_CHARS).collect();
        let mut raw = raw_analyzer();
        let mut stem = stem_analyzer();
        let mut words: Vec<Word> = tokens(&mut raw, &input)
            .into_iter()
            .map(|raw_word| {
                let stem = tokens(&mut stem, &raw_word)
                    .into_iter()
                    .next()
                    .unwrap_or_else(|| raw_word.clone());
                Word {
                    raw: raw_word,
                    stem,
                }
            })
            .collect();
        if words.iter().any(|word| !is_stop_word(&word.raw)) {
            words.retain(|word| !is_stop_word(&word.raw));
        }
        words.truncate(MAX_QUERY_WORDS);
        let ends_in_word = input.chars().last().is_some_and(char::is_alphanumeric);
        ParsedQuery {
            last_is_prefix: prefix_last && ends_in_word && !words.is_empty(),
            words,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
}

/// Typo tolerance: edits allowed for a word of this many characters. A word with a
/// digit (a size, a quantity, a model number) must be exact: "10kg" is not "1kg".
pub fn edit_distance_for(word: &str) -> u8 {
    if word.chars().any(|c| c.is_ascii_digit()) {
        return 0;
    }
    match word.chars().count() {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// A unit of the query: one or more consecutive words and their synonyms.
struct Unit<'a> {
    words: &'a [Word],
    alternatives: Vec<&'a [String]>,
    /// Holds the query's last word, which may be incomplete.
    prefix: bool,
}

fn units<'a>(query: &'a ParsedQuery, synonyms: &[&'a Synonyms]) -> Vec<Unit<'a>> {
    let words = &query.words;
    let mut out = Vec::new();
    let mut start = 0;
    while start < words.len() {
        // The longest run of words starting here that is a synonym phrase.
        let mut matched = None;
        for len in (2..=LONGEST_PHRASE.min(words.len() - start)).rev() {
            let stems: Vec<String> = words[start..start + len]
                .iter()
                .map(|word| word.stem.clone())
                .collect();
            let alternatives: Vec<&[String]> = synonyms
                .iter()
                .flat_map(|dictionary| dictionary.alternatives(&stems))
                .filter(|alternative| !is_part_of(alternative, &stems))
                .collect();
            if !alternatives.is_empty() {
                matched = Some((len, alternatives));
                break;
            }
        }
        let (len, alternatives) = matched.unwrap_or_else(|| {
            let stems = std::slice::from_ref(&words[start].stem);
            let alternatives = synonyms
                .iter()
                .flat_map(|dictionary| dictionary.alternatives(stems))
                .collect();
            (1, alternatives)
        });
        let end = start + len;
        out.push(Unit {
            words: &words[start..end],
            alternatives,
            prefix: query.last_is_prefix && end == words.len(),
        });
        start = end;
    }
    out
}

/// A group member made of some of the phrase's own words ("flour" for "wheat flour")
/// says less than the shopper typed: searching it would find any flour.
fn is_part_of(member: &[String], phrase: &[String]) -> bool {
    member.len() < phrase.len() && member.iter().all(|stem| phrase.contains(stem))
}

/// A group member that is the word within its typo tolerance ("aata" and "atta") is
/// another spelling of it, and counts as the word itself, not as a synonym.
fn is_spelling_of(member: &[String], word: &Word) -> bool {
    let [member] = member else {
        return false;
    };
    strsim::damerau_levenshtein(member, &word.stem) <= usize::from(edit_distance_for(&word.raw))
}

fn boosted(query: Box<dyn Query>, boost: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(query, boost))
}

fn term_query(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::WithFreqs,
    ))
}

/// Stems in one field: a term for one stem, a phrase for several.
fn stems_query(field: Field, stems: &[String]) -> Box<dyn Query> {
    if let [stem] = stems {
        return term_query(field, stem);
    }
    Box::new(PhraseQuery::new(
        stems
            .iter()
            .map(|stem| Term::from_field_text(field, stem))
            .collect(),
    ))
}

/// Stems in the name, category and description, weighted by field.
fn fields_query(fields: &Fields, stems: &[String], factor: f32) -> Vec<(Occur, Box<dyn Query>)> {
    vec![
        (
            Occur::Should,
            boosted(stems_query(fields.name, stems), NAME_BOOST * factor),
        ),
        (
            Occur::Should,
            boosted(stems_query(fields.category, stems), CATEGORY_BOOST * factor),
        ),
        (
            Occur::Should,
            boosted(
                stems_query(fields.description, stems),
                DESCRIPTION_BOOST * factor,
            ),
        ),
    ]
}

/// One word as written: typo-tolerant in the name, as a prefix when still typed, and,
/// for a model number typed without its hyphen, as its two parts.
fn word_as_written(fields: &Fields, word: &Word, prefix: bool) -> Vec<(Occur, Box<dyn Query>)> {
    let mut clauses = Vec::new();
    for (left, right) in letter_digit_splits(&word.raw) {
        // "wh1000xm5" for "WH-1000XM5": as good as the word in the name.
        clauses.push((
            Occur::Should,
            boosted(
                Box::new(PhraseQuery::new(vec![
                    Term::from_field_text(fields.name, left),
                    Term::from_field_text(fields.name, right),
                ])),
                NAME_BOOST,
            ),
        ));
    }
    let distance = edit_distance_for(&word.raw);
    let term = Term::from_field_text(fields.name_raw, &word.raw);
    if distance > 0 {
        clauses.push((
            Occur::Should,
            boosted(
                Box::new(FuzzyTermQuery::new(term.clone(), distance, true)),
                FUZZY_BOOST,
            ),
        ));
    }
    if prefix {
        // A short prefix is taken as typed; a longer one may carry a typo.
        let prefix_distance = if word.raw.chars().count() >= 5 {
            distance.min(1)
        } else {
            0
        };
        clauses.push((
            Occur::Should,
            boosted(
                Box::new(FuzzyTermQuery::new_prefix(term, prefix_distance, true)),
                FUZZY_BOOST,
            ),
        ));
    }
    clauses
}

/// A word cut where letters meet digits, each way in two ("wh1000xm5": "wh" and
/// "1000xm5", "wh1000" and "xm5", "wh1000xm" and "5").
fn letter_digit_splits(word: &str) -> Vec<(&str, &str)> {
    let chars: Vec<(usize, char)> = word.char_indices().collect();
    chars
        .windows(2)
        .filter(|pair| pair[0].1.is_ascii_digit() != pair[1].1.is_ascii_digit())
        .map(|pair| word.split_at(pair[1].0))
        .collect()
}

/// A unit scores by its best way of matching (the word itself across fields, as
/// written with a typo or as a prefix, or one of its synonyms), not by their sum: a
/// product named with three synonyms of a word must not outrank one named with the
/// word itself.
fn unit_query(fields: &Fields, unit: &Unit<'_>) -> Box<dyn Query> {
    let mut ways: Vec<Box<dyn Query>> = Vec::new();
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    if let [word] = unit.words {
        clauses.extend(fields_query(fields, std::slice::from_ref(&word.stem), 1.0));
        let as_written = word_as_written(fields, word, unit.prefix);
        if !as_written.is_empty() {
            ways.push(Box::new(BooleanQuery::new(as_written)));
        }
    } else {
        // A synonym phrase: the phrase itself, or all of its words anywhere.
        let stems: Vec<String> = unit.words.iter().map(|word| word.stem.clone()).collect();
        clauses.extend(fields_query(fields, &stems, 1.0));
        let all_words: Vec<(Occur, Box<dyn Query>)> = unit
            .words
            .iter()
            .enumerate()
            .map(|(i, word)| {
                let mut per_word = fields_query(fields, std::slice::from_ref(&word.stem), 0.5);
                per_word.extend(word_as_written(
                    fields,
                    word,
                    unit.prefix && i + 1 == unit.words.len(),
                ));
                (
                    Occur::Must,
                    Box::new(BooleanQuery::new(per_word)) as Box<dyn Query>,
                )
            })
            .collect();
        clauses.push((Occur::Should, Box::new(BooleanQuery::new(all_words))));
    }
    ways.insert(0, Box::new(BooleanQuery::new(clauses)));
    for alternative in &unit.alternatives {
        let spelling = matches!(unit.words, [word] if is_spelling_of(alternative, word));
        // A phrase's score sums its words'; a synonym is one concept however many
        // words it takes.
        let factor = if spelling { 1.0 } else { SYNONYM_FACTOR } / alternative.len() as f32;
        ways.push(Box::new(BooleanQuery::new(fields_query(
            fields,
            alternative,
            factor,
        ))));
    }
    Box::new(DisjunctionMaxQuery::with_tie_breaker(ways, TIE_BREAKER))
}

/// The text part of a search: matches products with at least one unit, scored as the
/// module documentation says. `None` for a query with no words.
pub fn text_query(
    fields: &Fields,
    query: &ParsedQuery,
    synonyms: &[&Synonyms],
) -> Option<Box<dyn Query>> {
    if query.is_empty() {
        return None;
    }
    let units = units(query, synonyms);
    let unit_queries: Vec<Box<dyn Query>> =
        units.iter().map(|unit| unit_query(fields, unit)).collect();
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(
        Occur::Must,
        Box::new(BooleanQuery::new(
            unit_queries
                .iter()
                .map(|query| (Occur::Should, query.box_clone()))
                .collect(),
        )),
    )];
    if unit_queries.len() > 1 {
        // Every unit, but not as what the product is for: "Back Cover for Samsung Galaxy
        // M14" holds all of "samsung galaxy m14" and is not one.
        let mut all_units: Vec<(Occur, Box<dyn Query>)> = unit_queries
            .into_iter()
            .map(|query| (Occur::Must, query))
            .collect();
        all_units.push((Occur::MustNot, made_for(fields, &query.words)));
        clauses.push((
            Occur::Should,
            boosted(Box::new(BooleanQuery::new(all_units)), ALL_WORDS_BOOST),
        ));
        let stems: Vec<String> = query.words.iter().map(|word| word.stem.clone()).collect();
        clauses.push((
            Occur::Should,
            boosted(stems_query(fields.name, &stems), PHRASE_BOOST),
        ));
    }
    Some(Box::new(BooleanQuery::new(clauses)))
}

/// Names with one of the query's words shortly after "for": accessories, refills and
/// spares that name what they fit.
fn made_for(fields: &Fields, words: &[Word]) -> Box<dyn Query> {
    let for_term = Term::from_field_text(fields.name, "for");
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for word in words {
        for gap in 1..=FOR_REACH {
            clauses.push((
                Occur::Should,
                Box::new(PhraseQuery::new_with_offset(vec![
                    (0, for_term.clone()),
                    (gap, Term::from_field_text(fields.name, &word.stem)),
                ])),
            ));
        }
    }
    Box::new(BooleanQuery::new(clauses))
}

/// Restricts a query to one store without adding to its score.
pub fn in_store(fields: &Fields, store: uuid::Uuid) -> Box<dyn Query> {
    Box::new(ConstScoreQuery::new(
        Box::new(TermQuery::new(
            Term::from_field_text(fields.store_id, &store.to_string()),
            IndexRecordOption::Basic,
        )),
        0.0,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsing_caps_input_drops_stop_words_and_knows_an_unfinished_word() {
        let query = ParsedQuery::parse("Shoes for the Running", true);
        let raw: Vec<&str> = query.words.iter().map(|w| w.raw.as_str()).collect();
        assert_eq!(raw, ["shoes", "running"]);
        assert_eq!(query.words[1].stem, "run");
        assert!(query.last_is_prefix);
        assert!(!ParsedQuery::parse("nike peg ", true).last_is_prefix);
        assert!(!ParsedQuery::parse("nike peg", false).last_is_prefix);
        // Only stop words: kept, so "the" still searches.
        assert_eq!(ParsedQuery::parse("the", false).words.len(), 1);
        assert!(ParsedQuery::parse("!!! ??? \\ \"", true).is_empty());
        assert!(ParsedQuery::parse("", true).is_empty());
        let long = "word ".repeat(1000);
        assert_eq!(
            ParsedQuery::parse(&long, false).words.len(),
            MAX_QUERY_WORDS
        );
        let syntax = ParsedQuery::parse("name:foo OR *", false);
        let raw: Vec<&str> = syntax.words.iter().map(|w| w.raw.as_str()).collect();
        assert_eq!(raw, ["name", "foo"]);
    }

    #[test]
    fn a_part_of_the_phrase_is_no_synonym_and_a_listed_spelling_is_the_word() {
        let stems = |text: &str| tokens(&mut stem_analyzer(), text);
        assert!(is_part_of(&stems("flour"), &stems("wheat flour")));
        assert!(!is_part_of(&stems("atta"), &stems("wheat flour")));
        assert!(!is_part_of(&stems("wheat flour"), &stems("wheat flour")));
        let aata = &ParsedQuery::parse("aata", false).words[0];
        assert!(is_spelling_of(&stems("atta"), aata));
        assert!(!is_spelling_of(&stems("flour"), aata));
        assert!(!is_spelling_of(&stems("wheat flour"), aata));
        // Three letters allow no typo, so no other spelling either.
        let alu = &ParsedQuery::parse("alu", false).words[0];
        assert!(!is_spelling_of(&stems("aloo"), alu));
    }

    #[test]
    fn edit_distance_grows_with_word_length() {
        assert_eq!(edit_distance_for("tea"), 0);
        assert_eq!(edit_distance_for("shoe"), 1);
        assert_eq!(edit_distance_for("running"), 1);
        assert_eq!(edit_distance_for("sneakers"), 2);
        assert_eq!(edit_distance_for("10kg"), 0);
        assert_eq!(edit_distance_for("20000mah"), 0);
        assert_eq!(
            letter_digit_splits("wh1000xm5"),
            [("wh", "1000xm5"), ("wh1000", "xm5"), ("wh1000xm", "5")]
        );
        assert!(letter_digit_splits("shoes").is_empty());
    }
}
