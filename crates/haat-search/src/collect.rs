//! Collectors: the ranked top-N (relevance with in-stock first and popularity and
//! recency breaking ties, or an explicit sort) and category counts for facets.

use std::collections::HashMap;

use tantivy::collector::{Collector, SegmentCollector, TopDocs};
use tantivy::columnar::StrColumn;
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

use crate::Sort;

/// `(in stock, primary, popularity, created)`, compared in that order, highest first.
pub type RankKey = (u64, i64, u64, i64);

/// Scores within 0.01 of each other are a tie, broken by popularity then recency.
const SCORE_RESOLUTION: f32 = 100.0;

/// The top `limit` after `offset` in `sort` order; in-stock products always come first.
pub fn ranked(sort: Sort, limit: usize, offset: usize) -> impl Collector<Fruit = Vec<DocAddress>> {
    Ranked(
        TopDocs::with_limit(limit.max(1))
            .and_offset(offset)
            .tweak_score(move |segment: &SegmentReader| {
                let fast = segment.fast_fields();
                let in_stock = fast.u64("in_stock").ok();
                let popularity = fast.u64("popularity").ok();
                let price = fast.u64("price_minor").ok();
                let created = fast.i64("created").ok();
                move |doc: DocId, score: Score| -> RankKey {
                    let u = |column: &Option<tantivy::columnar::Column<u64>>| {
                        column.as_ref().and_then(|c| c.first(doc)).unwrap_or(0)
                    };
                    let created = created.as_ref().and_then(|c| c.first(doc)).unwrap_or(0);
                    let price = i64::try_from(u(&price)).unwrap_or(i64::MAX);
                    let (primary, popularity, created) = match sort {
                        Sort::Relevance => (
                            (score * SCORE_RESOLUTION).round() as i64,
                            u(&popularity),
                            created,
                        ),
                        Sort::PriceLowToHigh => (-price, u(&popularity), created),
                        Sort::PriceHighToLow => (price, u(&popularity), created),
                        Sort::Newest => (created, u(&popularity), 0),
                    };
                    (u(&in_stock), primary, popularity, created)
                }
            }),
    )
}

/// Drops the sort keys from a ranked collector's fruit.
struct Ranked<C>(C);

impl<C> Collector for Ranked<C>
where
    C: Collector<Fruit = Vec<(RankKey, DocAddress)>>,
{
    type Fruit = Vec<DocAddress>;
    type Child = C::Child;

    fn for_segment(
        &self,
        segment_local_id: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        self.0.for_segment(segment_local_id, segment)
    }

    fn requires_scoring(&self) -> bool {
        self.0.requires_scoring()
    }

    fn merge_fruits(
        &self,
        segment_fruits: Vec<<Self::Child as SegmentCollector>::Fruit>,
    ) -> tantivy::Result<Self::Fruit> {
        Ok(self
            .0
            .merge_fruits(segment_fruits)?
            .into_iter()
            .map(|(_, address)| address)
            .collect())
    }
}

/// Counts matching documents per value of a string fast field, most first.
pub struct CategoryCounts {
    field: &'static str,
}

impl CategoryCounts {
    pub fn new(field: &'static str) -> CategoryCounts {
        CategoryCounts { field }
    }
}

pub struct SegmentCategoryCounts {
    column: Option<StrColumn>,
    counts: HashMap<u64, usize>,
}

impl Collector for CategoryCounts {
    type Fruit = Vec<(String, usize)>;
    type Child = SegmentCategoryCounts;

    fn for_segment(
        &self,
        _segment_local_id: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentCategoryCounts> {
        Ok(SegmentCategoryCounts {
            column: segment.fast_fields().str(self.field)?,
            counts: HashMap::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(
        &self,
        segment_fruits: Vec<HashMap<String, usize>>,
    ) -> tantivy::Result<Vec<(String, usize)>> {
        let mut merged: HashMap<String, usize> = HashMap::new();
        for fruit in segment_fruits {
            for (value, count) in fruit {
                *merged.entry(value).or_default() += count;
            }
        }
        let mut out: Vec<(String, usize)> = merged.into_iter().collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(out)
    }
}

impl SegmentCollector for SegmentCategoryCounts {
    type Fruit = HashMap<String, usize>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        if let Some(column) = &self.column {
            for ord in column.term_ords(doc) {
                *self.counts.entry(ord).or_default() += 1;
            }
        }
    }

    fn harvest(self) -> HashMap<String, usize> {
        let mut out = HashMap::with_capacity(self.counts.len());
        if let Some(column) = &self.column {
            let mut value = String::new();
            for (ord, count) in self.counts {
                value.clear();
                if column.ord_to_str(ord, &mut value).unwrap_or(false) {
                    out.insert(value.clone(), count);
                }
            }
        }
        out
    }
}
