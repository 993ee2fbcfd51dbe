//! Insider API access: the upload client, its rate limiter and the resume journal.
//!
//! Self-contained but for the process-wide signal handler (`crate::signals`): depends on reqwest
//! (rustls with the system certificate store), rustls, httpdate, tokio, serde, serde_json,
//! thiserror and xxhash-rust.

pub mod client;
pub mod journal;
pub mod limiter;

pub use client::{
    CancelToken, ClientConfig, DEFAULT_BACKOFF_BASE, DEFAULT_BACKOFF_CAP, DEFAULT_CONTACT_URL,
    DEFAULT_DRAIN, DEFAULT_MAX_WAIT, DEFAULT_UNIFICATION_URL, Endpoint, Event, Request,
    RequestResult, Secret, Stats, UploadError, check_base_url, parse_upsert_failures, upload,
};
pub use journal::{Journal, Key as JournalKey, Opened, default_path};
pub use limiter::Limiter;
