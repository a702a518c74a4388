//! A store's own search synonyms: groups of equivalent words or phrases the seller
//! edits ("kulfi, ice cream"). Parsed once here; search matches them on stems.

use crate::error::{code, ParseError};

/// At most this many groups per store.
pub const MAX_SYNONYM_GROUPS: usize = 200;
/// Members per group.
pub const MAX_GROUP_MEMBERS: usize = 10;
/// Characters per member.
pub const MAX_MEMBER_CHARS: usize = 40;
/// Words per member.
pub const MAX_MEMBER_WORDS: usize = 3;

/// Valid synonym groups: each has 2 to [`MAX_GROUP_MEMBERS`] distinct members, each
/// member 1 to [`MAX_MEMBER_WORDS`] words of letters or digits (trimmed, inner spaces
/// collapsed), at most [`MAX_MEMBER_CHARS`] characters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SynonymGroups(Vec<Vec<String>>);

fn invalid(message: &'static str) -> ParseError {
    ParseError::new(code::INVALID_SYNONYMS, message)
}

impl SynonymGroups {
    pub fn parse(groups: &[Vec<String>]) -> Result<SynonymGroups, ParseError> {
        if groups.len() > MAX_SYNONYM_GROUPS {
            return Err(invalid("at most 200 synonym groups"));
        }
        let mut parsed = Vec::with_capacity(groups.len());
        for group in groups {
            let mut members: Vec<String> = Vec::with_capacity(group.len());
            for member in group {
                let member = member.split_whitespace().collect::<Vec<_>>().join(" ");
                if member.chars().count() > MAX_MEMBER_CHARS {
                    return Err(invalid("a synonym has at most 40 characters"));
                }
                let words = member
                    .split(|c: char| !c.is_alphanumeric())
                    .filter(|word| !word.is_empty())
                    .count();
                if words == 0 || words > MAX_MEMBER_WORDS {
                    return Err(invalid("a synonym is 1 to 3 words of letters or digits"));
                }
                if !members
                    .iter()
                    .any(|m| m.to_lowercase() == member.to_lowercase())
                {
                    members.push(member);
                }
            }
            if members.len() < 2 || members.len() > MAX_GROUP_MEMBERS {
                return Err(invalid(
                    "a synonym group has 2 to 10 different words or phrases",
                ));
            }
            parsed.push(members);
        }
        Ok(SynonymGroups(parsed))
    }

    /// Parses the dashboard's text: one group per line, members separated by commas;
    /// blank lines are skipped.
    pub fn parse_lines(text: &str) -> Result<SynonymGroups, ParseError> {
        let groups: Vec<Vec<String>> = text
            .lines()
            .filter(|line| !line.trim().is_empty())
            .map(|line| line.split(',').map(str::to_owned).collect())
            .collect();
        SynonymGroups::parse(&groups)
    }

    pub fn groups(&self) -> &[Vec<String>] {
        &self.0
    }

    /// The dashboard's text for these groups.
    pub fn to_lines(&self) -> String {
        self.0
            .iter()
            .map(|group| group.join(", "))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_are_trimmed_deduplicated_and_limited() {
        let groups =
            SynonymGroups::parse_lines("kulfi,  ice   cream , Kulfi\n\n tee, t-shirt").unwrap();
        assert_eq!(
            groups.groups(),
            [
                vec!["kulfi".to_owned(), "ice cream".to_owned()],
                vec!["tee".to_owned(), "t-shirt".to_owned()]
            ]
        );
        assert_eq!(groups.to_lines(), "kulfi, ice cream\ntee, t-shirt");
        assert!(SynonymGroups::parse_lines("").unwrap().groups().is_empty());
        for bad in [
            "only",
            "kulfi, kulfi",
            "a b c d, x",
            "!!!, x",
            "x, ",
            &format!("{}, x", "y".repeat(41)),
            &"a, b\n".repeat(201),
            &format!(
                "x, {}",
                (0..10)
                    .map(|i| format!("w{i}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ] {
            let error = SynonymGroups::parse_lines(bad).unwrap_err();
            assert_eq!(error.code, code::INVALID_SYNONYMS, "{bad:?}");
        }
    }
}
