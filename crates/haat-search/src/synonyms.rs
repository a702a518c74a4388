//! Synonym groups: the platform dictionary shipped with Haat (`synonyms.txt`) and each
//! store's own groups. A group is a set of equivalent words or phrases; a query word
//! (or run of words) found in a group also searches every other member of it.
//! Matching is on stems, so plurals and case need no entries. A store's groups are
//! validated where the seller enters them (`haat_domain::SynonymGroups`); here a member
//! that analyzes to nothing is simply skipped.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::analysis::{stem_analyzer, tokens};

/// The longest phrase, in words, a group member may have.
pub const LONGEST_PHRASE: usize = 3;

/// Synonym groups keyed by each member's stems.
#[derive(Clone, Debug, Default)]
pub struct Synonyms {
    /// Stems of a member → the groups it belongs to (indexes into `groups`).
    members: HashMap<Vec<String>, Vec<usize>>,
    /// Each group's members, as stems.
    groups: Vec<Vec<Vec<String>>>,
}

impl Synonyms {
    /// Parses groups, one per line, members separated by commas; `#` starts a comment.
    pub fn parse(text: &str) -> Synonyms {
        let groups = text
            .lines()
            .map(|line| line.split('#').next().unwrap_or_default())
            .filter(|line| !line.trim().is_empty())
            .map(|line| line.split(',').map(str::to_owned).collect::<Vec<_>>());
        Synonyms::from_groups(groups)
    }

    /// Builds from groups of members as written; members that analyze to no words or to
    /// more than [`LONGEST_PHRASE`] words are skipped, as are groups left with fewer than
    /// two members.
    pub fn from_groups<G, M>(groups: G) -> Synonyms
    where
        G: IntoIterator<Item = M>,
        M: IntoIterator,
        M::Item: AsRef<str>,
    {
        let mut analyzer = stem_analyzer();
        let mut synonyms = Synonyms::default();
        for group in groups {
            let mut members: Vec<Vec<String>> = Vec::new();
            for member in group {
                let stems = tokens(&mut analyzer, member.as_ref());
                if !stems.is_empty() && stems.len() <= LONGEST_PHRASE && !members.contains(&stems) {
                    members.push(stems);
                }
            }
            if members.len() < 2 {
                continue;
            }
            let index = synonyms.groups.len();
            for member in &members {
                synonyms
                    .members
                    .entry(member.clone())
                    .or_default()
                    .push(index);
            }
            synonyms.groups.push(members);
        }
        synonyms
    }

    /// The platform dictionary.
    pub fn platform() -> &'static Synonyms {
        static PLATFORM: OnceLock<Synonyms> = OnceLock::new();
        PLATFORM.get_or_init(|| Synonyms::parse(include_str!("synonyms.txt")))
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// The other members of every group holding exactly these stems.
    pub fn alternatives(&self, stems: &[String]) -> Vec<&[String]> {
        let mut out: Vec<&[String]> = Vec::new();
        for &group in self.members.get(stems).into_iter().flatten() {
            for member in &self.groups[group] {
                if member.as_slice() != stems && !out.contains(&member.as_slice()) {
                    out.push(member);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stems(text: &str) -> Vec<String> {
        tokens(&mut stem_analyzer(), text)
    }

    #[test]
    fn the_platform_dictionary_relates_hinglish_and_english_in_both_directions() {
        let platform = Synonyms::platform();
        assert!(platform
            .alternatives(&stems("atta"))
            .contains(&stems("flour").as_slice()));
        assert!(platform
            .alternatives(&stems("flour"))
            .contains(&stems("atta").as_slice()));
        assert!(platform
            .alternatives(&stems("Sneakers"))
            .contains(&stems("running shoes").as_slice()));
        assert!(platform
            .alternatives(&stems("t-shirt"))
            .contains(&stems("tee").as_slice()));
        assert!(platform
            .alternatives(&stems("cheeni"))
            .contains(&stems("sugar").as_slice()));
        assert!(platform.alternatives(&stems("unknownword")).is_empty());
    }

    #[test]
    fn groups_with_one_usable_member_are_skipped() {
        let synonyms = Synonyms::from_groups([vec!["solo", "!!!"]]);
        assert!(synonyms.is_empty());
    }
}
