//! Staging data (issue #6): `generate` fills a database with realistic, seeded data at
//! production scale; `sanitize` copies a database to a staging one with every personal
//! field replaced, failing closed on any column it does not know.

pub mod generate;
pub mod sanitize;
