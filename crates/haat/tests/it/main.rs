//! The `haat` crate's integration tests, as one test binary (one link instead of one per
//! file: a fraction of the build time and disk). Each module is one feature's suite;
//! `support` is the shared harness (a `TestApp` on the shared test cluster).

mod support;

mod cache;
mod checkout;
mod dashboard;
mod embedded;
mod errors;
mod fleet;
mod idempotency;
mod isolation;
mod order_desk;
mod otp;
mod payments;
mod products;
mod relay;
mod replicas;
mod search;
mod search_fleet;
mod seller_loop;
mod uploads;
