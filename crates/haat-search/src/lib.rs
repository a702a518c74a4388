//! Product search for every store of a node: one tantivy index holding all stores'
//! active products, each query restricted to one store (docs/search.md, ADR 0019).
//!
//! Boundary: this crate knows text, products as [`ProductDoc`]s and the index on disk.
//! Where documents come from (the database, the event log) and how results are shown
//! belong to its callers. The index records in each commit the event-log position it
//! has applied (`position`), so the indexer resumes from it after a restart.

mod analysis;
mod collect;
mod query;
mod schema;
mod snapshot;
mod synonyms;

use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, FuzzyTermQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};
use uuid::Uuid;

pub use query::{edit_distance_for, ParsedQuery, MAX_QUERY_CHARS, MAX_QUERY_WORDS};
pub use snapshot::{restore_snapshot, write_snapshot, SnapshotInfo};
pub use synonyms::Synonyms;

use crate::schema::Fields;

/// Memory the single indexing thread may buffer before it flushes a segment.
const WRITER_MEMORY: usize = 50 * 1024 * 1024;
/// Results a search may page through (deeper pages answer empty).
pub const MAX_RESULTS: usize = 1_000;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("search index directory: {0}")]
    Directory(#[from] tantivy::directory::error::OpenDirectoryError),
    #[error("search index position: {0}")]
    Position(String),
    #[error("search index snapshot: {0}")]
    Snapshot(String),
}

impl SearchError {
    /// The index is open for writing in another process (a running node).
    pub fn is_locked(&self) -> bool {
        matches!(
            self,
            SearchError::Index(tantivy::TantivyError::LockFailure(..))
        )
    }
}

impl From<std::io::Error> for SearchError {
    fn from(error: std::io::Error) -> Self {
        SearchError::Snapshot(error.to_string())
    }
}

/// What a commit records beside the documents: the event-log position it includes and
/// the last reindex request (a number the caller gives) it carried out. Stored as the
/// commit's payload, so both change atomically with the documents.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Checkpoint {
    pub position: u64,
    #[serde(default)]
    pub reindex: i64,
}

impl Checkpoint {
    fn parse(payload: &str) -> Result<Checkpoint> {
        // Indexes written before reindex requests existed hold the bare position.
        if let Ok(position) = payload.parse::<u64>() {
            return Ok(Checkpoint {
                position,
                reindex: 0,
            });
        }
        serde_json::from_str(payload).map_err(|_| SearchError::Position(payload.to_owned()))
    }
}

pub type Result<T, E = SearchError> = std::result::Result<T, E>;

/// One product as the index holds it.
#[derive(Clone, Debug, PartialEq)]
pub struct ProductDoc {
    pub id: Uuid,
    pub store_id: Uuid,
    pub name: String,
    pub description: String,
    pub category_id: Option<Uuid>,
    pub category: Option<String>,
    pub price_minor: u64,
    pub in_stock: bool,
    /// Orders in the last 30 days.
    pub popularity: u64,
    /// Unix seconds.
    pub created: i64,
}

/// A change to apply to the index.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// Adds or replaces a product (only active products are indexed).
    Upsert(ProductDoc),
    /// Removes a product (deleted or hidden).
    Delete(Uuid),
    /// Removes every product of a store (before re-adding them, or for a deleted store).
    DeleteStore(Uuid),
    /// Removes everything (a rebuild from a snapshot starts with it).
    DeleteAll,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Sort {
    #[default]
    Relevance,
    PriceLowToHigh,
    PriceHighToLow,
    Newest,
}

/// What a shopper asked for.
#[derive(Clone, Debug, Default)]
pub struct SearchRequest<'a> {
    pub store_id: Uuid,
    pub text: &'a str,
    /// Treat the last word as unfinished (autocomplete; a search box without a trailing
    /// space).
    pub prefix_last: bool,
    pub category_id: Option<Uuid>,
    pub min_price_minor: Option<u64>,
    pub max_price_minor: Option<u64>,
    pub sort: Sort,
    pub offset: usize,
    pub limit: usize,
    /// The store's own synonym groups (the platform's always apply).
    pub store_synonyms: Option<&'a Synonyms>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    pub product_id: Uuid,
    pub name: String,
    pub price_minor: u64,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct SearchResults {
    /// Products matching the text and filters.
    pub total: usize,
    pub hits: Vec<Hit>,
    /// Matching products per category (`None`: uncategorised), most first; counted on
    /// the text alone, so a shopper can switch category.
    pub categories: Vec<(Option<Uuid>, usize)>,
}

/// A node's search index: a reader for queries and one writer for the indexer.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
}

impl SearchIndex {
    /// Opens the index in `dir`, creating an empty one if there is none.
    pub fn open(dir: &Path) -> Result<SearchIndex> {
        std::fs::create_dir_all(dir).map_err(|error| {
            SearchError::Index(tantivy::TantivyError::SystemError(error.to_string()))
        })?;
        let (schema, fields) = schema::build();
        let directory = tantivy::directory::MmapDirectory::open(dir)?;
        let index = Index::open_or_create(directory, schema)?;
        schema::register_analyzers(&index);
        let writer = index.writer_with_num_threads(1, WRITER_MEMORY)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(SearchIndex {
            index,
            reader,
            writer: Mutex::new(writer),
            fields,
        })
    }

    /// The event-log position the last commit recorded (`None` for a new index).
    pub fn position(&self) -> Result<Option<u64>> {
        Ok(self.checkpoint()?.map(|checkpoint| checkpoint.position))
    }

    /// What the last commit recorded (`None` for a new index).
    pub fn checkpoint(&self) -> Result<Option<Checkpoint>> {
        let metas = self.index.load_metas()?;
        metas.payload.as_deref().map(Checkpoint::parse).transpose()
    }

    /// Applies `changes` and commits them with `position`, atomically: after a crash the
    /// index holds either all of them and the new position, or none and the old one.
    /// Searches see the changes once this returns.
    pub fn apply(&self, changes: &[Change], position: u64) -> Result<()> {
        self.stage(changes)?;
        self.commit(position)
    }

    /// Hands changes to the writer without committing them: searches keep seeing the
    /// last commit until [`SearchIndex::commit`] (a rebuild stages a whole snapshot in
    /// pieces, so search stays online on the old index meanwhile).
    pub fn stage(&self, changes: &[Change]) -> Result<()> {
        let writer = self.writer();
        for change in changes {
            match change {
                Change::Upsert(product) => {
                    writer.delete_term(self.id_term(product.id));
                    writer.add_document(self.document(product))?;
                }
                Change::Delete(id) => {
                    writer.delete_term(self.id_term(*id));
                }
                Change::DeleteStore(store) => {
                    writer.delete_term(Term::from_field_text(
                        self.fields.store_id,
                        &store.to_string(),
                    ));
                }
                Change::DeleteAll => {
                    writer.delete_all_documents()?;
                }
            }
        }
        metrics::counter!("haat_search_changes_total").increment(changes.len() as u64);
        Ok(())
    }

    /// Commits what was staged with `position` (keeping the last reindex request
    /// recorded), and makes it searchable.
    pub fn commit(&self, position: u64) -> Result<()> {
        let reindex = self
            .checkpoint()?
            .map_or(0, |checkpoint| checkpoint.reindex);
        self.commit_checkpoint(Checkpoint { position, reindex })
    }

    /// Commits what was staged with `checkpoint`, and makes it searchable.
    pub fn commit_checkpoint(&self, checkpoint: Checkpoint) -> Result<()> {
        let started = Instant::now();
        let payload = serde_json::to_string(&checkpoint)
            .map_err(|error| SearchError::Position(error.to_string()))?;
        let mut writer = self.writer();
        let mut commit = writer.prepare_commit()?;
        commit.set_payload(&payload);
        commit.commit()?;
        drop(writer);
        self.reader.reload()?;
        metrics::histogram!("haat_search_commit_seconds").record(started.elapsed().as_secs_f64());
        Ok(())
    }

    /// Drops everything staged since the last commit (a rebuild that failed half way
    /// must not reach the next commit).
    pub fn rollback(&self) -> Result<()> {
        self.writer().rollback()?;
        Ok(())
    }

    fn writer(&self) -> std::sync::MutexGuard<'_, IndexWriter> {
        self.writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Products in the index (all stores).
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn id_term(&self, id: Uuid) -> Term {
        Term::from_field_text(self.fields.id, &id.to_string())
    }

    fn document(&self, product: &ProductDoc) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::new();
        doc.add_text(f.id, product.id.to_string());
        doc.add_text(f.store_id, product.store_id.to_string());
        doc.add_text(f.name, &product.name);
        doc.add_text(f.name_raw, &product.name);
        if let Some(category) = &product.category {
            doc.add_text(f.category, category);
        }
        doc.add_text(f.description, &product.description);
        doc.add_text(
            f.category_id,
            product
                .category_id
                .map(|id| id.to_string())
                .unwrap_or_default(),
        );
        doc.add_u64(f.price_minor, product.price_minor);
        doc.add_u64(f.in_stock, u64::from(product.in_stock));
        doc.add_u64(f.popularity, product.popularity);
        doc.add_i64(f.created, product.created);
        doc
    }

    /// Searches one store. A query with no words (empty, punctuation) matches nothing.
    pub fn search(&self, request: &SearchRequest<'_>) -> Result<SearchResults> {
        let started = Instant::now();
        let parsed = ParsedQuery::parse(request.text, request.prefix_last);
        let mut dictionaries = vec![Synonyms::platform()];
        dictionaries.extend(request.store_synonyms);
        let Some(text) = query::text_query(&self.fields, &parsed, &dictionaries) else {
            return Ok(SearchResults::default());
        };
        let store = query::in_store(&self.fields, request.store_id);
        let searcher = self.reader.searcher();

        // Categories are counted on the text alone; hits and the total also honour the
        // filters. Without filters that is one pass over the matches, else two.
        let filters = self.filters(request);
        let limit = request.limit.min(MAX_RESULTS);
        let offset = request.offset.min(MAX_RESULTS);
        let top = (limit > 0).then(|| collect::ranked(request.sort, limit, offset));
        let categories = collect::CategoryCounts::new("category_id");
        let (total, hits, categories) = if filters.is_empty() {
            let query = BooleanQuery::new(vec![(Occur::Must, store), (Occur::Must, text)]);
            searcher.search(&query, &(Count, top, categories))?
        } else {
            let unfiltered = BooleanQuery::new(vec![
                (Occur::Must, store.box_clone()),
                (Occur::Must, text.box_clone()),
            ]);
            let categories = searcher.search(&unfiltered, &categories)?;
            let mut clauses = vec![(Occur::Must, store), (Occur::Must, text)];
            clauses.extend(filters);
            let filtered = BooleanQuery::new(clauses);
            let (total, hits) = searcher.search(&filtered, &(Count, top))?;
            (total, hits, categories)
        };
        let hits = hits
            .unwrap_or_default()
            .into_iter()
            .filter_map(|address| self.hit(&searcher, address))
            .collect();
        metrics::histogram!("haat_search_query_seconds").record(started.elapsed().as_secs_f64());
        Ok(SearchResults {
            total,
            hits,
            categories: categories
                .into_iter()
                .map(|(id, count)| (Uuid::parse_str(&id).ok(), count))
                .collect(),
        })
    }

    fn filters(&self, request: &SearchRequest<'_>) -> Vec<(Occur, Box<dyn Query>)> {
        let mut filters: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if let Some(category) = request.category_id {
            filters.push((
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_text(self.fields.category_id, &category.to_string()),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        if request.min_price_minor.is_some() || request.max_price_minor.is_some() {
            let bound = |value: Option<u64>, inclusive: fn(Term) -> std::ops::Bound<Term>| {
                value.map_or(std::ops::Bound::Unbounded, |value| {
                    inclusive(Term::from_field_u64(self.fields.price_minor, value))
                })
            };
            filters.push((
                Occur::Must,
                Box::new(RangeQuery::new(
                    bound(request.min_price_minor, std::ops::Bound::Included),
                    bound(request.max_price_minor, std::ops::Bound::Included),
                )),
            ));
        }
        filters
    }

    fn hit(&self, searcher: &tantivy::Searcher, address: DocAddress) -> Option<Hit> {
        let doc: TantivyDocument = searcher.doc(address).ok()?;
        let text = |field| {
            doc.get_first(field)
                .and_then(|value| value.as_str())
                .map(str::to_owned)
        };
        let price = doc
            .get_first(self.fields.price_minor)
            .and_then(|value| value.as_u64())
            .unwrap_or(0);
        Some(Hit {
            product_id: Uuid::parse_str(&text(self.fields.id)?).ok()?,
            name: text(self.fields.name).unwrap_or_default(),
            price_minor: price,
        })
    }

    /// A store's most popular products (in stock first, then orders in the last 30
    /// days, then newest): what a shopper sees when a search finds nothing.
    pub fn popular(&self, store_id: Uuid, limit: usize) -> Result<Vec<Hit>> {
        let searcher = self.reader.searcher();
        let store = query::in_store(&self.fields, store_id);
        let top = collect::ranked(Sort::Relevance, limit.min(MAX_RESULTS), 0);
        Ok(searcher
            .search(&store, &top)?
            .into_iter()
            .filter_map(|address| self.hit(&searcher, address))
            .collect())
    }

    /// "Did you mean": the query with each word no product of the store contains
    /// replaced by the closest word (at most two edits away) in the store's product
    /// names. `None` when no word needs or finds a replacement. Only the store's own
    /// products are consulted, so a suggestion never reveals another store's words.
    pub fn did_you_mean(&self, store_id: Uuid, text: &str) -> Result<Option<String>> {
        let parsed = ParsedQuery::parse(text, false);
        let searcher = self.reader.searcher();
        let mut raw = analysis::raw_analyzer();
        let mut changed = false;
        let mut words = Vec::with_capacity(parsed.words.len());
        for word in &parsed.words {
            let in_store = |query: Box<dyn Query>| {
                BooleanQuery::new(vec![
                    (Occur::Must, query::in_store(&self.fields, store_id)),
                    (Occur::Must, query),
                ])
            };
            let exact = in_store(Box::new(TermQuery::new(
                Term::from_field_text(self.fields.name_raw, &word.raw),
                IndexRecordOption::Basic,
            )));
            if word.raw.chars().count() < 3 || searcher.search(&exact, &Count)? > 0 {
                words.push(word.raw.clone());
                continue;
            }
            let near = in_store(Box::new(FuzzyTermQuery::new(
                Term::from_field_text(self.fields.name_raw, &word.raw),
                2,
                true,
            )));
            let top = searcher.search(&near, &TopDocs::with_limit(20).order_by_score())?;
            let mut best: Option<(usize, String)> = None;
            for (_, address) in top {
                let Some(hit) = self.hit(&searcher, address) else {
                    continue;
                };
                for candidate in analysis::tokens(&mut raw, &hit.name) {
                    let distance = strsim::damerau_levenshtein(&word.raw, &candidate);
                    if distance <= 2 && best.as_ref().is_none_or(|(d, _)| distance < *d) {
                        best = Some((distance, candidate));
                    }
                }
            }
            match best {
                Some((_, candidate)) => {
                    changed = true;
                    words.push(candidate);
                }
                None => words.push(word.raw.clone()),
            }
        }
        Ok(changed.then(|| words.join(" ")))
    }
}
