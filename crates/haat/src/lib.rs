//! The `haat` binary's library half: configuration, wiring of the roles, the embedded
//! database, demo data. `main.rs` is the command line on top; tests drive the same
//! functions in-process.
//!
//! Boundary: this is the only crate that depends on every other one.

pub mod app;
pub mod background;
pub mod cache;
pub mod catalog;
pub mod config;
pub mod database;
pub mod demo;
pub mod maintenance;
pub mod relay;
pub mod search;
pub mod secret;
pub mod status;
pub mod telemetry;

pub use app::{build_app, App, HttpService, Limits, Role};
pub use config::Config;
