//! End-to-end tests of the storefront router: requests go through `router()` with an
//! in-memory catalog and media store, and assertions look at status, headers and body,
//! never at internals.

mod json;
mod media;
mod pages;
mod paging;
mod product_page;
mod search;
mod store_page;
mod support;
