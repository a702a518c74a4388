//! Thin JSON handlers: parse input into domain types, authorise the tenant, call the
//! database, render a wire type. One file per resource.

pub mod auth;
pub mod orders;
pub mod products;
pub mod stores;
