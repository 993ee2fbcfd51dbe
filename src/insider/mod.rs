//! Insider API access: the upload client, its rate limiter and the resume journal.
//!
//! Self-contained: depends only on reqwest, tokio, serde, serde_json, thiserror and xxhash-rust.

pub mod client;
pub mod journal;
pub mod limiter;

pub use client::{
    CancelToken, ClientConfig, DEFAULT_CONTACT_URL, DEFAULT_UNIFICATION_URL, Endpoint, Event,
    Request, RequestResult, Secret, Stats, UploadError, check_base_url, parse_upsert_failures,
    upload,
};
pub use journal::{Journal, default_path};
pub use limiter::Limiter;
