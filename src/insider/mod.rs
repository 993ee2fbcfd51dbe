//! Insider API access: the upload client, its rate limiter, the resume journal, and the upload
//! session that ties them to records.
//!
//! [`client`], [`limiter`] and [`journal`] are self-contained but for the process-wide signal
//! handler (`crate::signals`) and recipient scrubbing (`crate::privacy`): they depend on reqwest
//! (rustls with the system certificate store), rustls, httpdate, tokio, serde, serde_json,
//! thiserror and xxhash-rust. [`session`] plans request bodies from resolved records and drives
//! the client with them.

pub mod client;
pub mod journal;
pub mod limiter;
pub mod session;

pub use client::{
    CancelToken, ClientConfig, DEFAULT_BACKOFF_BASE, DEFAULT_BACKOFF_CAP, DEFAULT_CONTACT_URL,
    DEFAULT_DRAIN, DEFAULT_MAX_WAIT, DEFAULT_UNIFICATION_URL, Endpoint, Event, Request,
    RequestResult, Secret, Stats, UploadError, check_base_url, parse_upsert_failures, upload,
};
pub use journal::{Journal, Key as JournalKey, Opened, default_path};
pub use limiter::Limiter;
pub use session::{Ack, Acknowledge, Destination, Kind, Pacing, Session, Shape};
