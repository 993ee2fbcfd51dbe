//! HTTP upload client for Insider's Upsert and contact (unsubscribe/resubscribe) APIs.
//!
//! [`upload`] is synchronous for its caller: it builds a small tokio runtime, pulls requests
//! from a lazy iterator on a helper thread through a bounded queue, sends them with at most
//! `concurrency` in flight behind a client-side rate limiter, retries what may be retried, and
//! hands every acknowledged request to `on_done` on the caller's thread, in completion order.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use reqwest::header::{CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use serde_json::Value;
use tokio::sync::{Notify, mpsc};

use super::limiter::Limiter;
use crate::privacy::{ECHO_LIMIT, Shown};

/// Default base URL of the Upsert API.
pub const DEFAULT_UNIFICATION_URL: &str = "https://unification.useinsider.com";
/// Default base URL of the contact (unsubscribe/resubscribe) APIs.
pub const DEFAULT_CONTACT_URL: &str = "https://contact.useinsider.com";

/// First wait after a 5xx, timeout or reset; each further retry waits [`BACKOFF_FACTOR`] times
/// longer, up to [`DEFAULT_BACKOFF_CAP`]: 1, 4, 16, 60, 60 s (less up to 10 % jitter), so the
/// default 5 retries span more than two minutes.
pub const DEFAULT_BACKOFF_BASE: Duration = Duration::from_secs(1);
/// Longest wait between two attempts after a 5xx, timeout or reset.
pub const DEFAULT_BACKOFF_CAP: Duration = Duration::from_secs(60);
const BACKOFF_FACTOR: u32 = 4;
/// Default `--max-wait`: no single wait is longer.
pub const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(300);
/// How long requests in flight may still take once the run is asked to stop.
pub const DEFAULT_DRAIN: Duration = Duration::from_secs(10);
/// A `Retry-After` shorter than this (`0`, a date in the past) waits this long: no hot loop.
const RETRY_AFTER_FLOOR: Duration = Duration::from_millis(500);
/// 429s do not use up `max_retries`, but a request refused as "too many" this many times in a
/// row stops the run (a server that never lets anything through).
const MAX_THROTTLED: u32 = 50;
/// Bytes of an unexpected answer quoted in the message.
const SNIPPET_CHARS: usize = 80;
/// Response bodies are read up to this size; the rest is ignored.
const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// One of Insider's five endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Endpoint {
    Upsert,
    EmailUnsubscribe,
    EmailSubscribe,
    SmsUnsubscribe,
    SmsSubscribe,
}

impl Endpoint {
    /// Path appended to the base URL.
    pub fn path(&self) -> &'static str {
        match self {
            Endpoint::Upsert => "/api/user/v1/upsert",
            Endpoint::EmailUnsubscribe => "/email/v2/unsubscribe",
            Endpoint::EmailSubscribe => "/email/v2/subscribe",
            Endpoint::SmsUnsubscribe => "/sms/v2/unsubscribe",
            Endpoint::SmsSubscribe => "/sms/v2/subscribe",
        }
    }

    /// The endpoint's name in file names and plans: `upsert`, `email-unsubscribe`, …
    pub fn name(&self) -> &'static str {
        match self {
            Endpoint::Upsert => "upsert",
            Endpoint::EmailUnsubscribe => "email-unsubscribe",
            Endpoint::EmailSubscribe => "email-subscribe",
            Endpoint::SmsUnsubscribe => "sms-unsubscribe",
            Endpoint::SmsSubscribe => "sms-subscribe",
        }
    }

    /// Insider's documented default rate (requests per minute).
    pub fn default_rate_per_min(&self) -> u32 {
        if self.is_contact() { 600 } else { 25_000 }
    }

    /// True for the four contact.useinsider.com endpoints.
    pub fn is_contact(&self) -> bool {
        !matches!(self, Endpoint::Upsert)
    }
}

/// A token. `Debug` and `Display` print `***`; read it with [`Secret::expose`].
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }
    /// The token itself: only for the request header.
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Secret {
        Secret(value)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Connection and pacing settings of one upload.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Base URL of the Upsert API (scheme, host, optional port).
    pub unification_url: String,
    /// Base URL of the contact APIs.
    pub contact_url: String,
    /// Partner name; sent lower-cased in `X-PARTNER-NAME`.
    pub partner: String,
    /// Sent in `X-REQUEST-TOKEN`.
    pub token: Secret,
    pub rate_per_min: u32,
    pub concurrency: usize,
    pub max_retries: u32,
    /// Per attempt, connecting and reading the answer included.
    pub timeout: Duration,
    /// No single wait (backoff or `Retry-After`) is longer; a server asking for more stops the
    /// upload ([`UploadError::WaitTooLong`]).
    pub max_wait: Duration,
    /// First backoff after a 5xx, timeout or reset (then ×4 per retry).
    pub backoff_base: Duration,
    /// Longest backoff.
    pub backoff_cap: Duration,
    /// Time requests in flight still get once the upload is cancelled or stopped.
    pub drain: Duration,
}

impl ClientConfig {
    /// Defaults: Insider's URLs, 25,000 requests/min, concurrency 8, 5 retries, 30 s timeout,
    /// 300 s longest wait, backoff 1 s ×4 up to 60 s, 10 s for requests in flight after a stop.
    pub fn new(partner: impl Into<String>, token: Secret) -> ClientConfig {
        ClientConfig {
            unification_url: DEFAULT_UNIFICATION_URL.to_string(),
            contact_url: DEFAULT_CONTACT_URL.to_string(),
            partner: partner.into(),
            token,
            rate_per_min: Endpoint::Upsert.default_rate_per_min(),
            concurrency: 8,
            max_retries: 5,
            timeout: Duration::from_secs(30),
            max_wait: DEFAULT_MAX_WAIT,
            backoff_base: DEFAULT_BACKOFF_BASE,
            backoff_cap: DEFAULT_BACKOFF_CAP,
            drain: DEFAULT_DRAIN,
        }
    }

    /// Full URL of an endpoint.
    pub fn url(&self, endpoint: Endpoint) -> String {
        let base = if endpoint.is_contact() {
            &self.contact_url
        } else {
            &self.unification_url
        };
        format!("{}{}", base.trim_end_matches('/'), endpoint.path())
    }
}

/// Checks a base URL: `https://host[:port]` (an optional trailing `/`), or `http://` only to a
/// loopback host (`localhost`, `127.0.0.0/8`, `::1`). No path, query, fragment or credentials.
/// The error message does not repeat the URL.
pub fn check_base_url(url: &str) -> Result<(), String> {
    let parsed =
        reqwest::Url::parse(url.trim()).map_err(|e| crate::tr!("err-url-invalid", error = e))?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(crate::tr!("err-url-credentials"));
    }
    if parsed.host().is_none() {
        return Err(crate::tr!("err-url-no-host"));
    }
    if !(parsed.path().is_empty() || parsed.path() == "/")
        || parsed.query().is_some()
        || parsed.fragment().is_some()
    {
        return Err(crate::tr!("err-url-path"));
    }
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(&parsed) => Ok(()),
        "http" => Err(crate::tr!("err-url-http")),
        other => Err(crate::tr!("err-url-scheme", scheme = other)),
    }
}

fn is_loopback(url: &reqwest::Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// One request body, sent as-is.
#[derive(Clone)]
pub struct Request {
    /// Caller's sequence number (journal key).
    pub seq: u64,
    pub endpoint: Endpoint,
    /// Complete JSON body.
    pub body: Vec<u8>,
    /// Number of records (users, emails or phone numbers) in the body.
    pub records: usize,
}

impl fmt::Debug for Request {
    // The body holds recipients: never print it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("seq", &self.seq)
            .field("endpoint", &self.endpoint)
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .field("records", &self.records)
            .finish()
    }
}

/// What the server said about one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestResult {
    /// Applied, except the listed items: (index in the body's users/emails/phone_numbers
    /// array, server message). Sorted by index, one entry per index.
    Accepted { refused: Vec<(usize, String)> },
    /// Refused as a whole by Insider itself (a 400 with Insider's error body, or a contact API's
    /// `"Bad request"`): every record of the request is refused with this message. Not retried.
    Rejected { status: u16, message: String },
}

impl RequestResult {
    /// Records refused, for a request of `records` records.
    pub fn refused_count(&self, records: usize) -> usize {
        match self {
            RequestResult::Accepted { refused } => refused.len().min(records),
            RequestResult::Rejected { .. } => records,
        }
    }
}

/// Progress notifications, delivered on the caller's thread.
#[derive(Debug)]
pub enum Event<'a> {
    /// First attempt of a request is going out (`records` records).
    Sent { seq: u64, records: usize },
    /// Attempt `attempt` (1-based retry number) will follow after `wait`.
    Retry {
        seq: u64,
        attempt: u32,
        wait: Duration,
        reason: String,
    },
    /// An attempt waits this long for the client-side rate limiter (progress only: may be
    /// dropped when the caller falls behind).
    RateWait(Duration),
    /// The request was acknowledged and `on_done` accepted it.
    Done { seq: u64, result: &'a RequestResult },
}

/// Why an upload stopped early. Its text is in the run's language ([`crate::i18n::lang`]).
#[derive(Debug)]
pub enum UploadError {
    /// 401/403 or a contact API's "Unauthorized": stop at once, no retries.
    Auth {
        status: u16,
        message: String,
    },
    /// A request still failed after `--max-retries`.
    RetriesExhausted {
        seq: u64,
        last: String,
    },
    /// The answer does not say what became of the request ([`UnknownOutcome`]): nothing of it
    /// is recorded, and a rerun sends it again.
    Unexpected {
        url: String,
        what: String,
        why: UnknownOutcome,
    },
    /// No secure connection could be set up (certificate, not TLS at all…). Not retried.
    Tls {
        host: String,
        what: String,
    },
    /// The server asked to wait longer than `max_wait`.
    WaitTooLong {
        asked: Duration,
        max: Duration,
    },
    Interrupted,
    Config(String),
    /// `on_done` failed (the journal could not be written): the upload stops.
    Journal(std::io::Error),
}

impl fmt::Display for UploadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            UploadError::Auth { status, message } => {
                crate::tr!("err-up-auth", status = status, message = message)
            }
            UploadError::RetriesExhausted { seq, last } => {
                crate::tr!("err-up-retries", seq = seq, last = last)
            }
            UploadError::Unexpected { url, what, why } => {
                crate::tr!("err-up-unexpected", url = url, what = what, why = why)
            }
            UploadError::Tls { host, what } => crate::tr!("err-up-tls", host = host, what = what),
            UploadError::WaitTooLong { asked, max } => crate::tr!(
                "err-up-wait-too-long",
                asked = human_duration(*asked),
                max = max.as_secs()
            ),
            UploadError::Interrupted => crate::tr!("err-interrupted"),
            UploadError::Config(m) => m.clone(),
            UploadError::Journal(e) => crate::tr!("err-up-journal", error = e),
        };
        f.write_str(&text)
    }
}

impl std::error::Error for UploadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            UploadError::Journal(e) => Some(e),
            _ => None,
        }
    }
}

/// Why an answer leaves its request's outcome unknown ([`UploadError::Unexpected`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnknownOutcome {
    /// Not one of the answers of Insider's API (SPEC §4, §10): another server, a proxy, a
    /// gateway, a wrong URL — or a contact API `statusMessage` other than "OK", "Bad request"
    /// and "Unauthorized".
    NotInsider,
    /// An Upsert 200 whose `data.fail` names failures that cannot all be mapped to users of the
    /// request: `data.fail.count` (`reported`; `None` when absent or unreadable) is larger than
    /// the users named by `users.<index>.…` keys (`mapped`), or `stray` error keys name no user.
    UnmappedFailures {
        reported: Option<u64>,
        mapped: usize,
        stray: usize,
    },
}

impl fmt::Display for UnknownOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match *self {
            UnknownOutcome::NotInsider => crate::tr!("err-up-not-insider"),
            UnknownOutcome::UnmappedFailures {
                reported,
                mapped,
                stray,
            } => {
                let mut text = match reported {
                    Some(n) => crate::tr!("err-up-failed-users", n = crate::i18n::Arg::N(n)),
                    None => crate::tr!("err-up-failed-users-unreadable"),
                };
                text.push_str(&crate::tr!(
                    "err-up-mapped",
                    mapped = crate::i18n::Arg::N(mapped as u64)
                ));
                if stray > 0 {
                    text.push_str(&crate::tr!(
                        "err-up-stray-keys",
                        stray = crate::i18n::Arg::N(stray as u64)
                    ));
                }
                text.push_str(&crate::tr!("err-up-unmapped-what-to-do"));
                text
            }
        };
        f.write_str(&text)
    }
}

/// Cancellation flag shared between threads (set it from another thread, or let [`upload`]
/// listen for SIGINT/SIGTERM with [`CancelToken::with_signals`]).
#[derive(Clone, Default)]
pub struct CancelToken {
    inner: Arc<CancelInner>,
}

#[derive(Default)]
struct CancelInner {
    flag: AtomicBool,
    notify: Notify,
    signals: AtomicBool,
}

impl fmt::Debug for CancelToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancelToken")
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}

impl CancelToken {
    pub fn new() -> CancelToken {
        CancelToken::default()
    }

    /// Makes [`upload`] cancel this token when the process receives SIGINT or SIGTERM (through
    /// the process-wide [`crate::signals`] handler, which the caller installs).
    pub fn with_signals(self) -> CancelToken {
        self.inner.signals.store(true, Ordering::SeqCst);
        self
    }

    pub fn cancel(&self) {
        self.inner.flag.store(true, Ordering::SeqCst);
        self.inner.notify.notify_waiters();
    }

    pub fn is_cancelled(&self) -> bool {
        self.inner.flag.load(Ordering::SeqCst)
    }

    /// Resolves once cancelled.
    pub async fn cancelled(&self) {
        loop {
            let notified = self.inner.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.is_cancelled() {
                return;
            }
            notified.await;
        }
    }
}

/// Totals of one upload.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Requests acknowledged (passed to `on_done` successfully).
    pub requests: u64,
    /// Retries performed (all requests together).
    pub retries: u64,
    /// Wall-clock time during which at least one request waited for the rate limiter.
    pub rate_waits: Duration,
    pub elapsed: Duration,
}

/// Sends `requests` and reports each acknowledged one to `on_done`; see the module docs.
///
/// - at most `cfg.concurrency` requests in flight, never more than `cfg.rate_per_min` in any
///   minute (retries included);
/// - 429 waits `Retry-After` (seconds or an HTTP date; else backoff), holds every request back
///   until then and halves the rate, which then recovers gradually; 429s do not count against
///   `cfg.max_retries`;
/// - 5xx/408/timeouts/connection errors are retried with exponential backoff (`backoff_base`
///   ×4 per retry up to `backoff_cap`, up to 10 % jitter), at most `cfg.max_retries` times per
///   request, then [`UploadError::RetriesExhausted`];
/// - a wait longer than `cfg.max_wait` asked by the server: [`UploadError::WaitTooLong`];
/// - 401/403 (or a contact API's `"Unauthorized"`) stop everything: [`UploadError::Auth`];
/// - a 400 with Insider's error body gives [`RequestResult::Rejected`]; any other answer that is
///   not Insider's (other 4xx, 3xx, a 2xx whose body is not the API's JSON) stops everything
///   with [`UploadError::Unexpected`], and a TLS failure with [`UploadError::Tls`] (not
///   retried): their requests are never reported to `on_done`;
/// - when `cancel` fires (or a signal arrives, with [`CancelToken::with_signals`]) no new
///   attempt starts; attempts on the wire get at most `cfg.drain` more and are still reported to
///   `on_done`; then [`UploadError::Interrupted`] unless everything had been acknowledged anyway.
///
/// After a fatal error (auth, retries exhausted, `on_done` failure) answers of requests that
/// were already on the wire are still passed to `on_done` (except after an `on_done` failure).
pub fn upload<I, E, D>(
    cfg: &ClientConfig,
    requests: I,
    cancel: CancelToken,
    mut on_event: E,
    mut on_done: D,
) -> Result<Stats, UploadError>
where
    I: Iterator<Item = Request> + Send,
    E: FnMut(Event<'_>),
    D: FnMut(u64, &RequestResult) -> std::io::Result<()>,
{
    let start = Instant::now();
    let shared = Arc::new(Shared::new(cfg, cancel)?);
    let concurrency = cfg.concurrency.max(1);
    let (req_tx, req_rx) = mpsc::channel::<Request>(concurrency * 2);
    let produced = Arc::new(AtomicU64::new(0));
    let exhausted = Arc::new(AtomicBool::new(false));

    std::thread::scope(|scope| {
        // Built inside the scope: if a callback panics, dropping the runtime drops the queue's
        // receiver, which unblocks the producer thread, so the scope can end.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("iysync-http")
            .enable_all()
            .build()
            .map_err(|e| UploadError::Config(crate::tr!("err-http-runtime", error = e)))?;
        let producer_shared = shared.clone();
        let (produced_p, exhausted_p) = (produced.clone(), exhausted.clone());
        scope.spawn(move || {
            for request in requests {
                if producer_shared.stopped() {
                    return;
                }
                produced_p.fetch_add(1, Ordering::SeqCst);
                if req_tx.blocking_send(request).is_err() {
                    return;
                }
            }
            exhausted_p.store(true, Ordering::SeqCst);
        });

        let outcome = runtime.block_on(drive(
            shared.clone(),
            req_rx,
            concurrency,
            &mut on_event,
            &mut on_done,
        ));
        let completed_all = exhausted.load(Ordering::SeqCst)
            && outcome.acknowledged == produced.load(Ordering::SeqCst)
            && outcome.abandoned == 0;
        if let Some(err) = outcome.fatal {
            return Err(err);
        }
        if !completed_all {
            // Only a cancellation stops the workers without a fatal error.
            return Err(UploadError::Interrupted);
        }
        Ok(Stats {
            requests: outcome.acknowledged,
            retries: shared.retries.load(Ordering::SeqCst),
            rate_waits: shared.limiter.throttled(),
            elapsed: start.elapsed(),
        })
    })
}

struct Shared {
    http: reqwest::Client,
    urls: [String; 5],
    partner: HeaderValue,
    token: HeaderValue,
    limiter: Limiter,
    max_retries: u32,
    max_wait: Duration,
    backoff_base: Duration,
    backoff_cap: Duration,
    drain: Duration,
    /// Fires on cancellation and on fatal errors: no new attempt may start.
    stop: CancelToken,
    user_cancel: CancelToken,
    retries: AtomicU64,
    jitter_counter: AtomicU64,
}

impl Shared {
    fn new(cfg: &ClientConfig, cancel: CancelToken) -> Result<Shared, UploadError> {
        for (name, url) in [
            ("unification URL", &cfg.unification_url),
            ("contact URL", &cfg.contact_url),
        ] {
            check_base_url(url).map_err(|e| UploadError::Config(format!("{name}: {e}")))?;
        }
        let partner = cfg.partner.trim().to_lowercase();
        if partner.is_empty() {
            return Err(UploadError::Config(crate::tr!("err-partner-empty")));
        }
        if cfg.token.is_empty() {
            return Err(UploadError::Config(crate::tr!("err-token-empty")));
        }
        if cfg.rate_per_min == 0 {
            return Err(UploadError::Config(crate::tr!("err-rate-zero")));
        }
        let partner = HeaderValue::from_str(&partner)
            .map_err(|_| UploadError::Config(crate::tr!("err-partner-header")))?;
        let mut token = HeaderValue::from_str(cfg.token.expose().trim())
            .map_err(|_| UploadError::Config(crate::tr!("err-token-header")))?;
        token.set_sensitive(true);

        let concurrency = cfg.concurrency.max(1);
        // rustls with the system's certificate store (rustls-native-certs, which honours
        // SSL_CERT_FILE and SSL_CERT_DIR): a corporate proxy's own CA works once installed.
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .timeout(cfg.timeout)
            .connect_timeout(cfg.timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(concurrency)
            .user_agent(concat!("iysync/", env!("CARGO_PKG_VERSION")));
        let all_loopback = [&cfg.unification_url, &cfg.contact_url]
            .iter()
            .all(|u| reqwest::Url::parse(u).is_ok_and(|u| is_loopback(&u)));
        if all_loopback {
            builder = builder.no_proxy();
        }
        let http = builder
            .build()
            .map_err(|e| UploadError::Config(crate::tr!("err-http-client", error = e)))?;

        let urls = [
            cfg.url(Endpoint::Upsert),
            cfg.url(Endpoint::EmailUnsubscribe),
            cfg.url(Endpoint::EmailSubscribe),
            cfg.url(Endpoint::SmsUnsubscribe),
            cfg.url(Endpoint::SmsSubscribe),
        ];
        Ok(Shared {
            http,
            urls,
            partner,
            token,
            limiter: Limiter::new(cfg.rate_per_min),
            max_retries: cfg.max_retries,
            max_wait: cfg.max_wait,
            backoff_base: cfg.backoff_base,
            backoff_cap: cfg.backoff_cap,
            drain: cfg.drain,
            stop: CancelToken::new(),
            user_cancel: cancel,
            retries: AtomicU64::new(0),
            jitter_counter: AtomicU64::new(0),
        })
    }

    /// True once no new attempt may start (cancelled, or a fatal error).
    fn stopped(&self) -> bool {
        self.stop.is_cancelled() || self.user_cancel.is_cancelled()
    }

    fn url(&self, endpoint: Endpoint) -> &str {
        let i = match endpoint {
            Endpoint::Upsert => 0,
            Endpoint::EmailUnsubscribe => 1,
            Endpoint::EmailSubscribe => 2,
            Endpoint::SmsUnsubscribe => 3,
            Endpoint::SmsSubscribe => 4,
        };
        &self.urls[i]
    }

    /// A uniform random fraction in [0, 1) for jitter.
    fn random(&self, seq: u64, attempt: u32) -> f64 {
        let n = self.jitter_counter.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let mut seed = [0u8; 24];
        seed[..8].copy_from_slice(&seq.to_le_bytes());
        seed[8..16].copy_from_slice(&n.to_le_bytes());
        seed[16..20].copy_from_slice(&attempt.to_le_bytes());
        seed[20..24].copy_from_slice(&nanos.to_le_bytes());
        let r = xxhash_rust::xxh3::xxh3_64(&seed);
        (r >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Backoff before retry number `attempt` (1-based), never longer than `max_wait`.
    fn backoff(&self, seq: u64, attempt: u32) -> Duration {
        let wait = backoff_wait(
            self.backoff_base,
            self.backoff_cap,
            attempt,
            self.random(seq, attempt),
        );
        wait.min(self.max_wait)
    }
}

/// The backoff schedule: `base × 4^(attempt-1)`, at most `cap`, shortened by up to 10 % of
/// jitter (`random` in [0, 1)). Kept close to the ceiling so that the sum of the waits — how long
/// an outage the retries ride out — does not depend on luck.
pub fn backoff_wait(base: Duration, cap: Duration, attempt: u32, random: f64) -> Duration {
    let exp = attempt.saturating_sub(1).min(16);
    let ceiling = base
        .saturating_mul(BACKOFF_FACTOR.saturating_pow(exp))
        .min(cap);
    ceiling.mul_f64(1.0 - 0.1 * random.clamp(0.0, 1.0))
}

/// How long to wait for a server-given `Retry-After`: at least [`RETRY_AFTER_FLOOR`].
fn retry_after_wait(asked: Duration) -> Duration {
    asked.max(RETRY_AFTER_FLOOR)
}

enum Msg {
    Sent {
        seq: u64,
        records: usize,
    },
    Retry {
        seq: u64,
        attempt: u32,
        wait: Duration,
        reason: String,
    },
    RateWait(Duration),
    Done {
        seq: u64,
        result: RequestResult,
        /// Answered once the caller has journaled (or failed to journal) the result: a worker
        /// takes no new request before, so at most `concurrency` requests are ever applied by the
        /// server but not yet journaled (what a crash can duplicate).
        ack: Option<tokio::sync::oneshot::Sender<()>>,
    },
    Fatal(UploadError),
    Abandoned,
}

struct DriveOutcome {
    acknowledged: u64,
    abandoned: u64,
    fatal: Option<UploadError>,
}

async fn drive<E, D>(
    shared: Arc<Shared>,
    req_rx: mpsc::Receiver<Request>,
    concurrency: usize,
    on_event: &mut E,
    on_done: &mut D,
) -> DriveOutcome
where
    E: FnMut(Event<'_>),
    D: FnMut(u64, &RequestResult) -> std::io::Result<()>,
{
    let (msg_tx, mut msg_rx) = mpsc::channel::<Msg>(concurrency * 4 + 16);
    let queue = Arc::new(tokio::sync::Mutex::new(req_rx));
    let mut workers = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        workers.push(tokio::spawn(worker(
            shared.clone(),
            queue.clone(),
            msg_tx.clone(),
        )));
    }
    drop(msg_tx);
    drop(queue);

    let watcher = {
        let shared = shared.clone();
        tokio::spawn(async move {
            let user_cancel = shared.user_cancel.clone();
            if user_cancel.inner.signals.load(Ordering::SeqCst) {
                tokio::select! {
                    _ = user_cancel.cancelled() => {}
                    _ = crate::signals::wait() => user_cancel.cancel(),
                }
            } else {
                user_cancel.cancelled().await;
            }
            shared.stop.cancel();
        })
    };

    let mut out = DriveOutcome {
        acknowledged: 0,
        abandoned: 0,
        fatal: None,
    };
    let mut journal_failed = false;
    while let Some(msg) = msg_rx.recv().await {
        match msg {
            Msg::Sent { seq, records } => on_event(Event::Sent { seq, records }),
            Msg::Retry {
                seq,
                attempt,
                wait,
                reason,
            } => on_event(Event::Retry {
                seq,
                attempt,
                wait,
                reason,
            }),
            Msg::RateWait(wait) => on_event(Event::RateWait(wait)),
            Msg::Done { seq, result, ack } => {
                // Whatever happens below, the worker may go on (or see that it must stop).
                let _ack = AckOnDrop(ack);
                if journal_failed {
                    out.abandoned += 1;
                    continue;
                }
                match on_done(seq, &result) {
                    Ok(()) => {
                        out.acknowledged += 1;
                        on_event(Event::Done {
                            seq,
                            result: &result,
                        });
                    }
                    Err(e) => {
                        journal_failed = true;
                        out.abandoned += 1;
                        shared.stop.cancel();
                        if out.fatal.is_none() {
                            out.fatal = Some(UploadError::Journal(e));
                        }
                    }
                }
            }
            Msg::Fatal(e) => {
                shared.stop.cancel();
                if out.fatal.is_none() {
                    out.fatal = Some(e);
                }
            }
            Msg::Abandoned => out.abandoned += 1,
        }
    }
    for w in workers {
        if w.await.is_err() {
            out.abandoned += 1;
        }
    }
    watcher.abort();
    out
}

async fn worker(
    shared: Arc<Shared>,
    queue: Arc<tokio::sync::Mutex<mpsc::Receiver<Request>>>,
    tx: mpsc::Sender<Msg>,
) {
    loop {
        if shared.stopped() {
            return;
        }
        let next = {
            let mut rx = queue.lock().await;
            tokio::select! {
                biased;
                _ = shared.stop.cancelled() => None,
                r = rx.recv() => r,
            }
        };
        let Some(request) = next else { return };
        let mut msg = process(&shared, request, &tx).await;
        let acked = match &mut msg {
            Msg::Done { ack, .. } => {
                let (ack_tx, ack_rx) = tokio::sync::oneshot::channel();
                *ack = Some(ack_tx);
                Some(ack_rx)
            }
            _ => None,
        };
        if tx.send(msg).await.is_err() {
            return;
        }
        if let Some(ack_rx) = acked {
            // Wait until the result is journaled before taking the next request.
            let _ = ack_rx.await;
        }
    }
}

/// Answers a worker's acknowledgement when dropped.
struct AckOnDrop(Option<tokio::sync::oneshot::Sender<()>>);

impl Drop for AckOnDrop {
    fn drop(&mut self) {
        if let Some(tx) = self.0.take() {
            let _ = tx.send(());
        }
    }
}

/// Sleeps unless stopped first; false when stopped.
async fn sleep_unless_stopped(shared: &Shared, wait: Duration) -> bool {
    tokio::select! {
        biased;
        _ = shared.stop.cancelled() => false,
        _ = tokio::time::sleep(wait) => true,
    }
}

/// Resolves `drain` after the upload was asked to stop: how long an attempt on the wire may
/// still take then.
async fn drain_expired(shared: &Shared) {
    shared.stop.cancelled().await;
    tokio::time::sleep(shared.drain).await;
}

async fn process(shared: &Shared, request: Request, tx: &mpsc::Sender<Msg>) -> Msg {
    let seq = request.seq;
    // Retries after 5xx, timeouts and resets (bounded by max_retries).
    let mut retries: u32 = 0;
    // 429s in a row (not counted against max_retries).
    let mut throttled: u32 = 0;
    let mut sent = false;
    loop {
        let wait = shared.limiter.reserve();
        if !wait.is_zero() {
            // Progress only: dropped rather than slowing the sender when the caller lags.
            let _ = tx.try_send(Msg::RateWait(wait));
            if !sleep_unless_stopped(shared, wait).await {
                return Msg::Abandoned;
            }
        }
        if shared.stopped() {
            return Msg::Abandoned;
        }
        if !sent {
            sent = true;
            let _ = tx
                .send(Msg::Sent {
                    seq,
                    records: request.records,
                })
                .await;
        }
        let epoch = shared.limiter.epoch();
        let outcome = tokio::select! {
            a = attempt(shared, &request) => a,
            // Stopped, and the answer did not come within the drain time: outcome unknown,
            // nothing journaled (a rerun sends the request again).
            _ = drain_expired(shared) => return Msg::Abandoned,
        };
        let (reason, wait) = match outcome {
            Attempt::Done(result) => {
                shared.limiter.speed_up();
                return Msg::Done {
                    seq,
                    result,
                    ack: None,
                };
            }
            Attempt::Fatal(e) => {
                shared.stop.cancel();
                return Msg::Fatal(e);
            }
            Attempt::Throttled {
                reason,
                retry_after,
            } => {
                throttled += 1;
                if throttled > MAX_THROTTLED {
                    shared.stop.cancel();
                    return Msg::Fatal(UploadError::RetriesExhausted {
                        seq,
                        last: format!("{reason}, {MAX_THROTTLED} times in a row"),
                    });
                }
                shared.limiter.slow_down(epoch);
                let wait = match retry_after {
                    Some(asked) => retry_after_wait(asked),
                    None => shared.backoff(seq, throttled),
                };
                if wait > shared.max_wait {
                    shared.stop.cancel();
                    return Msg::Fatal(UploadError::WaitTooLong {
                        asked: wait,
                        max: shared.max_wait,
                    });
                }
                if retry_after.is_some() {
                    // The server said when it takes requests again: nobody sends before.
                    shared
                        .limiter
                        .pause_until(tokio::time::Instant::now() + wait);
                }
                (reason, wait)
            }
            Attempt::Retry { reason, after } => {
                throttled = 0;
                if retries >= shared.max_retries {
                    shared.stop.cancel();
                    return Msg::Fatal(UploadError::RetriesExhausted { seq, last: reason });
                }
                retries += 1;
                let wait = match after {
                    Some(asked) => retry_after_wait(asked),
                    None => shared.backoff(seq, retries),
                };
                if wait > shared.max_wait {
                    shared.stop.cancel();
                    return Msg::Fatal(UploadError::WaitTooLong {
                        asked: wait,
                        max: shared.max_wait,
                    });
                }
                (reason, wait)
            }
        };
        shared.retries.fetch_add(1, Ordering::SeqCst);
        let _ = tx
            .send(Msg::Retry {
                seq,
                attempt: retries + throttled,
                wait,
                reason,
            })
            .await;
        if !sleep_unless_stopped(shared, wait).await {
            return Msg::Abandoned;
        }
    }
}

enum Attempt {
    Done(RequestResult),
    Fatal(UploadError),
    /// 429: slow down; does not use up `max_retries`.
    Throttled {
        reason: String,
        retry_after: Option<Duration>,
    },
    /// 5xx, 408, timeouts, resets: retried with backoff.
    Retry {
        reason: String,
        after: Option<Duration>,
    },
}

async fn attempt(shared: &Shared, request: &Request) -> Attempt {
    let url = shared.url(request.endpoint);
    let sent = shared
        .http
        .post(url)
        .header("X-PARTNER-NAME", shared.partner.clone())
        .header("X-REQUEST-TOKEN", shared.token.clone())
        .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
        .body(request.body.clone())
        .send()
        .await;
    let response = match sent {
        Ok(r) => r,
        Err(e) => {
            if let Some(what) = tls_failure(&e) {
                return Attempt::Fatal(UploadError::Tls {
                    host: host_of(url),
                    what,
                });
            }
            return Attempt::Retry {
                reason: describe_error(&e),
                after: None,
            };
        }
    };
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, std::time::SystemTime::now()));
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(clean_message);
    let body = match read_capped(response, MAX_RESPONSE_BYTES).await {
        Ok(b) => b,
        Err(e) => {
            return Attempt::Retry {
                reason: format!("HTTP {status}, then {}", describe_error(&e)),
                after: None,
            };
        }
    };
    let answer = Answer {
        status,
        content_type: content_type.as_deref(),
        retry_after,
        body: &body,
    };
    classify(request.endpoint, url, &answer)
}

async fn read_capped(mut response: reqwest::Response, cap: usize) -> reqwest::Result<Vec<u8>> {
    let mut buf = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = cap.saturating_sub(buf.len());
        buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if buf.len() >= cap {
            break;
        }
    }
    Ok(buf)
}

fn host_of(url: &str) -> String {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| {
            u.host_str()
                .map(|h| format!("{h}:{}", u.port_or_known_default().unwrap_or(443)))
        })
        .unwrap_or_else(|| "the server".to_string())
}

/// The TLS failure behind a request error, in plain words; `None` when it is not one.
fn tls_failure(e: &reqwest::Error) -> Option<String> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    let mut texts = Vec::new();
    while let Some(s) = source {
        if let Some(tls) = s.downcast_ref::<rustls::Error>() {
            return Some(plain_tls(tls));
        }
        texts.push(s.to_string());
        // `io::Error::source` skips the error it wraps (rustls' sits inside two of them).
        source = match s
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => s.source(),
        };
    }
    let text = texts.join(" ").to_ascii_lowercase();
    (text.contains("certificate") || text.contains("tls handshake"))
        .then(|| crate::tr!("net-tls-cert-or-tls"))
}

/// A rustls error as a person would say it.
fn plain_tls(e: &rustls::Error) -> String {
    use rustls::CertificateError as C;
    match e {
        rustls::Error::InvalidCertificate(c) => {
            let what = match c {
                C::UnknownIssuer => "net-tls-unknown-issuer",
                C::Expired | C::ExpiredContext { .. } => "net-tls-expired",
                C::NotValidYet | C::NotValidYetContext { .. } => "net-tls-not-valid-yet",
                C::Revoked => "net-tls-revoked",
                C::NotValidForName | C::NotValidForNameContext { .. } => "net-tls-wrong-name",
                C::BadSignature | C::BadEncoding => "net-tls-damaged",
                C::InvalidPurpose | C::InvalidPurposeContext { .. } => "net-tls-purpose",
                C::Other(other) if format!("{other:?}").contains("CaUsedAsEndEntity") => {
                    "net-tls-ca-as-own"
                }
                _ => "net-tls-not-accepted",
            };
            crate::i18n::lang().t(what)
        }
        rustls::Error::InvalidMessage(_)
        | rustls::Error::InappropriateMessage { .. }
        | rustls::Error::InappropriateHandshakeMessage { .. } => {
            crate::tr!("net-tls-not-tls")
        }
        rustls::Error::NoCertificatesPresented => crate::tr!("net-tls-no-certificate"),
        rustls::Error::AlertReceived(alert) => {
            crate::tr!("net-tls-alert", alert = format!("{alert:?}"))
        }
        rustls::Error::PeerIncompatible(_) => {
            crate::tr!("net-tls-incompatible")
        }
        _ => crate::tr!("net-tls-failed"),
    }
}

fn describe_error(e: &reqwest::Error) -> String {
    let kind = crate::i18n::lang().t(if e.is_timeout() {
        "net-timed-out"
    } else if e.is_connect() {
        "net-could-not-connect"
    } else if e.is_body() || e.is_decode() {
        "net-reading-failed"
    } else {
        "net-connection-error"
    });
    // The innermost cause is the useful part ("connection reset by peer", …).
    let mut inner: Option<String> = None;
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        inner = Some(s.to_string());
        source = s.source();
    }
    match inner {
        Some(cause) => format!("{kind}: {}", clean_message(&cause)),
        None => kind,
    }
}

/// `Retry-After` as delay-seconds or an HTTP date (RFC 9110: IMF-fixdate, and the obsolete RFC
/// 850 and asctime forms); a date in the past is 0. Not capped here: see `max_wait`.
fn parse_retry_after(value: &str, now: std::time::SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<f64>() {
        if !secs.is_finite() || secs < 0.0 {
            return None;
        }
        // Anything beyond a year is "too long" all the same.
        return Some(Duration::from_secs_f64(secs.min(366.0 * 86_400.0)));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// "27h 46m 40s", "2m 5s", "42s".
pub fn human_duration(d: Duration) -> String {
    let secs = d.as_secs() + u64::from(d.subsec_nanos() >= 500_000_000);
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let n = crate::i18n::Arg::N;
    match (h, m) {
        (0, 0) => crate::tr!("duration-s", s = n(s)),
        (0, _) => crate::tr!("duration-m-s", m = n(m), s = n(s)),
        _ => crate::tr!("duration-h-m-s", h = n(h), m = n(m), s = n(s)),
    }
}

/// One HTTP answer, as read.
struct Answer<'a> {
    status: u16,
    content_type: Option<&'a str>,
    retry_after: Option<Duration>,
    body: &'a [u8],
}

impl Answer<'_> {
    /// "HTTP 404 Not Found (text/html, 162 bytes: "<html>…")" — for messages about answers that
    /// are not Insider's.
    fn describe(&self) -> String {
        let ct = match self.content_type {
            Some(ct) => ct.to_string(),
            None => crate::tr!("net-no-content-type"),
        };
        let body = if self.body.is_empty() {
            crate::tr!("net-empty-body")
        } else {
            crate::tr!(
                "net-body-bytes",
                n = crate::i18n::Arg::N(self.body.len() as u64),
                snippet = snippet(self.body)
            )
        };
        format!(
            "HTTP {} {} ({ct}, {body})",
            self.status,
            reason_phrase(self.status)
        )
    }
}

/// The first characters of a body, every control character and quote escaped, on one line.
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(SNIPPET_CHARS * 4)]);
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i >= SNIPPET_CHARS {
            out.push('…');
            break;
        }
        if c.is_control()
            || c == '"'
            || c == '\\'
            || matches!(c, '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
        {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Maps one HTTP answer to what happens next (SPEC §10). Never panics on any input.
///
/// Only Insider's own answers refuse records: a 400 with Upsert's error body
/// ([`insider_error`]), a contact API's 400 `{"statusMessage":"Bad request"}`, a 200 with
/// `data.fail.errors` that name every failed user. A contact API's `"Unauthorized"` stops the
/// run whatever the status. Anything else that is not a success, a 401/403, a 429 or a 408/5xx
/// means the request went somewhere else or its outcome is unknown.
fn classify(endpoint: Endpoint, url: &str, a: &Answer<'_>) -> Attempt {
    let status = a.status;
    let unknown = |why| {
        Attempt::Fatal(UploadError::Unexpected {
            url: url.to_string(),
            what: a.describe(),
            why,
        })
    };
    let contact_message = endpoint
        .is_contact()
        .then(|| contact_status(a.body))
        .flatten();
    if let Some(m) = &contact_message
        && m.eq_ignore_ascii_case("unauthorized")
    {
        return Attempt::Fatal(UploadError::Auth {
            status,
            message: m.clone(),
        });
    }
    match status {
        200..=299 => match parse_success(endpoint, a.body) {
            Ok(attempt) => attempt,
            Err(why) => unknown(why),
        },
        401 | 403 => Attempt::Fatal(UploadError::Auth {
            status,
            message: server_message(a.body).unwrap_or_else(|| reason_phrase(status)),
        }),
        429 => Attempt::Throttled {
            reason: match a.retry_after {
                Some(d) => format!(
                    "HTTP 429 too many requests (Retry-After {})",
                    human_duration(d)
                ),
                None => "HTTP 429 too many requests".to_string(),
            },
            retry_after: a.retry_after,
        },
        408 | 500..=599 => Attempt::Retry {
            reason: match server_message(a.body) {
                Some(m) => format!("HTTP {status}: {m}"),
                None => format!("HTTP {status} {}", reason_phrase(status)),
            },
            after: a.retry_after,
        },
        400 => match insider_error(endpoint, a.body) {
            Some(message) => Attempt::Done(RequestResult::Rejected { status, message }),
            None => unknown(UnknownOutcome::NotInsider),
        },
        _ => unknown(UnknownOutcome::NotInsider),
    }
}

/// The string member `key` of a JSON object that has no other member: the shape of Insider's
/// own error bodies (`{"error":"…"}`, `{"statusMessage":"…"}`).
fn sole_string<'v>(json: &'v Value, key: &str) -> Option<&'v str> {
    let object = json.as_object()?;
    if object.len() != 1 {
        return None;
    }
    object.get(key)?.as_str()
}

/// The message of Insider's own 400 body, which refuses the request's records; `None` for any
/// other body (a proxy, a gateway, a framework's error page: outcome unknown).
///
/// - Upsert: exactly `{"error":"<sentence>"}` — an object whose only member is `error`, holding
///   a message of several words (Insider documents `users must be defined: bad request` and
///   `request body is bigger than maximum allowed size 5,000,000 bytes`). A Spring Boot error
///   (`timestamp`, `status`, `error`, `path`), an OAuth error (`error_description`, or a lone
///   one-word code such as `invalid_request`) or a bare HTTP reason phrase (`Bad Request`) is
///   not Insider speaking about the records.
/// - Contact APIs: exactly `{"statusMessage":"Bad request"}`.
fn insider_error(endpoint: Endpoint, body: &[u8]) -> Option<String> {
    let json: Value = serde_json::from_slice(body).ok()?;
    if endpoint.is_contact() {
        let m = sole_string(&json, "statusMessage")?;
        return m
            .trim()
            .eq_ignore_ascii_case("bad request")
            .then(|| clean_message(m));
    }
    let m = clean_message(sole_string(&json, "error")?);
    let sentence = m.contains(' ');
    (sentence && !is_reason_phrase(&m)).then_some(m)
}

/// True when `m` is an HTTP reason phrase ("Bad Request", "Payload Too Large"…): what a
/// generic server says, not what Insider says about records.
fn is_reason_phrase(m: &str) -> bool {
    (100..600u16).any(|s| {
        reqwest::StatusCode::from_u16(s)
            .ok()
            .and_then(|s| s.canonical_reason())
            .is_some_and(|r| r.eq_ignore_ascii_case(m))
    })
}

/// A contact API's `statusMessage` (of a JSON object; other members allowed).
fn contact_status(body: &[u8]) -> Option<String> {
    let json: Value = serde_json::from_slice(body).ok()?;
    let m = json.as_object()?.get("statusMessage")?.as_str()?;
    Some(clean_message(m))
}

fn reason_phrase(status: u16) -> String {
    reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("unexpected status")
        .to_string()
}

/// `error`, `statusMessage` or `message` from a JSON body, else the body's text (shortened).
fn server_message(body: &[u8]) -> Option<String> {
    if let Ok(v) = serde_json::from_slice::<Value>(body) {
        for key in ["error", "statusMessage", "message"] {
            if let Some(m) = v.get(key).and_then(Value::as_str) {
                let m = clean_message(m);
                if !m.is_empty() {
                    return Some(m);
                }
            }
        }
    }
    let text = clean_message(&String::from_utf8_lossy(body));
    (!text.is_empty()).then_some(text)
}

/// Server text made fit for a message: whitespace collapsed, at most [`ECHO_LIMIT`] characters
/// (cut with `…`), control and bidi characters escaped (SPEC §6, §8).
fn clean_message(s: &str) -> String {
    let mut collapsed = String::new();
    let mut chars = 0usize;
    let mut gap = false;
    for c in s.chars() {
        if chars > ECHO_LIMIT {
            break;
        }
        if c.is_whitespace() {
            gap = true;
            continue;
        }
        if gap && chars > 0 {
            collapsed.push(' ');
            chars += 1;
        }
        gap = false;
        collapsed.push(c);
        chars += 1;
    }
    Shown::default().value(&collapsed)
}

/// A 2xx answer; `Err` when it does not say what became of the request (outcome unknown).
///
/// - Contact APIs: `{"statusMessage":"OK"}` is accepted; any other message but "Unauthorized"
///   (handled by [`classify`]) is not one of their answers — a 200 `"Bad request"` included, as
///   Insider refuses with 400.
/// - Upsert: `{"data":{…}}`, with `data.fail` naming the users it refused
///   ([`parse_upsert_failures`]); failures that cannot all be mapped to users leave the
///   request's outcome unknown.
fn parse_success(endpoint: Endpoint, body: &[u8]) -> Result<Attempt, UnknownOutcome> {
    let not_insider = UnknownOutcome::NotInsider;
    if endpoint.is_contact() {
        return match contact_status(body) {
            Some(m) if m.eq_ignore_ascii_case("ok") => {
                Ok(Attempt::Done(RequestResult::Accepted { refused: vec![] }))
            }
            _ => Err(not_insider),
        };
    }
    let json: Value = serde_json::from_slice(body).map_err(|_| not_insider)?;
    json.get("data")
        .and_then(Value::as_object)
        .ok_or(not_insider)?;
    let failures = parse_upsert_failures(&json);
    if !failures.all_mapped() {
        return Err(UnknownOutcome::UnmappedFailures {
            reported: failures.reported,
            mapped: failures.refused.len(),
            stray: failures.stray,
        });
    }
    Ok(Attempt::Done(RequestResult::Accepted {
        refused: failures.refused,
    }))
}

/// What an Upsert answer's `data.fail` says (SPEC §4).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpsertFailures {
    /// One entry per user index named by a `users.<index>[.<path>]` key, sorted by index:
    /// `"<path>.<rule>: msg; msg | <path>.<rule>: …"` (at most 200 characters, escaped).
    pub refused: Vec<(usize, String)>,
    /// `data.fail.count`; `None` when absent, or present but not a count.
    pub reported: Option<u64>,
    /// `data.fail.count` is present but not a non-negative integer.
    pub count_unreadable: bool,
    /// Entries of `data.fail.errors` (or a `data.fail` that is no object) that name no user.
    pub stray: usize,
}

impl UpsertFailures {
    /// True when every failure Insider reported is in [`UpsertFailures::refused`]: no stray
    /// key, a readable count, and no more failures counted than users named.
    pub fn all_mapped(&self) -> bool {
        self.stray == 0
            && !self.count_unreadable
            && self.reported.is_none_or(|n| n <= self.refused.len() as u64)
    }
}

/// Nothing there: absent, `null`, `{}`, `[]` (an empty map as some serialisers write it).
fn is_empty_value(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::Object(o)) => o.is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        Some(_) => false,
    }
}

/// `data.fail` of an Upsert answer, read leniently: the users its `errors` keys name
/// (`users.<index>[.<path>]`), its `count`, and what names no user.
pub fn parse_upsert_failures(json: &Value) -> UpsertFailures {
    let mut out = UpsertFailures::default();
    let fail = json.get("data").and_then(|d| d.get("fail"));
    if is_empty_value(fail) {
        return out;
    }
    let Some(fail) = fail.and_then(Value::as_object) else {
        out.stray = 1;
        return out;
    };
    match fail.get("count") {
        None | Some(Value::Null) => {}
        Some(count) => {
            let n = match count {
                Value::Number(n) => n.as_u64().or_else(|| {
                    n.as_f64()
                        .filter(|f| f.fract() == 0.0 && *f >= 0.0)
                        .map(|f| f as u64)
                }),
                Value::String(s) => s.trim().parse::<u64>().ok(),
                _ => None,
            };
            out.reported = n;
            out.count_unreadable = n.is_none();
        }
    }
    let errors = fail.get("errors");
    if is_empty_value(errors) {
        return out;
    }
    let Some(errors) = errors.and_then(Value::as_object) else {
        out.stray = match errors {
            Some(Value::Array(a)) => a.len(),
            _ => 1,
        };
        return out;
    };
    let mut by_index: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for (key, value) in errors {
        let Some(rest) = key.strip_prefix("users.") else {
            out.stray += 1;
            continue;
        };
        let (index, path) = match rest.split_once('.') {
            Some((i, p)) => (i, p),
            None => (rest, ""),
        };
        let Ok(index) = index.parse::<usize>() else {
            out.stray += 1;
            continue;
        };
        let messages: Vec<String> = match value {
            Value::Array(items) => items
                .iter()
                .map(|m| match m {
                    Value::String(s) => clean_message(s),
                    other => clean_message(&other.to_string()),
                })
                .filter(|m| !m.is_empty())
                .collect(),
            Value::String(s) => vec![clean_message(s)],
            Value::Null => vec![],
            other => vec![clean_message(&other.to_string())],
        };
        let path = clean_message(path);
        let text = match (path.is_empty(), messages.is_empty()) {
            (true, true) => "refused".to_string(),
            (true, false) => messages.join("; "),
            (false, true) => path,
            (false, false) => format!("{path}: {}", messages.join("; ")),
        };
        by_index.entry(index).or_default().push(text);
    }
    out.refused = by_index
        .into_iter()
        .map(|(i, parts)| (i, Shown::default().value(&parts.join(" | "))))
        .collect();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn done(a: Attempt) -> RequestResult {
        match a {
            Attempt::Done(r) => r,
            Attempt::Fatal(e) => panic!("fatal: {e}"),
            Attempt::Retry { reason, .. } | Attempt::Throttled { reason, .. } => {
                panic!("retry: {reason}")
            }
        }
    }

    fn classify(
        endpoint: Endpoint,
        status: u16,
        retry_after: Option<Duration>,
        body: &[u8],
    ) -> Attempt {
        classify_ct(
            endpoint,
            status,
            Some("application/json"),
            retry_after,
            body,
        )
    }

    fn classify_ct(
        endpoint: Endpoint,
        status: u16,
        content_type: Option<&str>,
        retry_after: Option<Duration>,
        body: &[u8],
    ) -> Attempt {
        super::classify(
            endpoint,
            "http://127.0.0.1:9/api/user/v1/upsert",
            &Answer {
                status,
                content_type,
                retry_after,
                body,
            },
        )
    }

    fn unexpected(a: Attempt) -> String {
        match a {
            Attempt::Fatal(e @ UploadError::Unexpected { .. }) => e.to_string(),
            Attempt::Done(r) => panic!("done: {r:?}"),
            Attempt::Fatal(e) => panic!("fatal: {e}"),
            Attempt::Retry { reason, .. } | Attempt::Throttled { reason, .. } => {
                panic!("retry: {reason}")
            }
        }
    }

    #[test]
    fn upsert_partial_failure_from_the_docs() {
        let body = br#"{"data":{"successful":{},"fail":{"count":2,"errors":{
            "users.0.events.0.event_params.*.required":["event_group_id parameter is required on purchase event","unit_sale_price parameter is required on purchase event"],
            "users.0.identifiers.*.regexp(^.+@.+\\..+$)":["not a valid email address: sample"],
            "users.12.identifiers.*.regexp(^\\+[1-9]\\d{6,14}$)":["user has an invalid phone number: 12345"],
            "users.3":"plain"}}}}"#;
        let r = done(classify(Endpoint::Upsert, 200, None, body));
        let RequestResult::Accepted { refused } = r else {
            panic!("not accepted")
        };
        assert_eq!(refused.len(), 3);
        assert_eq!(refused[0].0, 0);
        assert!(
            refused[0]
                .1
                .contains("event_params.*.required: event_group_id")
        );
        assert!(
            refused[0]
                .1
                .contains(" | identifiers.*.regexp(^.+@.+\\..+$): not a valid email")
        );
        assert_eq!(refused[1], (3, "plain".to_string()));
        assert_eq!(
            refused[2],
            (
                12,
                "identifiers.*.regexp(^\\+[1-9]\\d{6,14}$): user has an invalid phone number: 12345"
                    .to_string()
            )
        );
    }

    #[test]
    fn lenient_parsing_never_panics() {
        for body in [
            &b""[..],
            b"not json",
            b"[]",
            b"null",
            b"{\"data\":null}",
            b"{\"data\":{\"fail\":{\"errors\":[1,2]}}}",
            b"{\"data\":{\"fail\":{\"errors\":{\"users.99999999999999999999999.a\":[1]}}}}",
            b"\xff\xfe",
        ] {
            for ep in [Endpoint::Upsert, Endpoint::SmsSubscribe] {
                for status in [200, 201, 204, 400, 404, 429, 500, 503, 302, 101, 999] {
                    let _ = classify(ep, status, None, body);
                }
            }
        }
        // A JSON body with `data` and no failures is accepted; failures that cannot be mapped
        // to users are an unknown outcome (SPEC §10), never "accepted".
        for body in [
            &b"{\"data\":{}}"[..],
            b"{\"data\":{\"successful\":{\"count\":3},\"fail\":{}}}",
            b"{\"data\":{\"fail\":[]}}",
            b"{\"data\":{\"fail\":{\"count\":0,\"errors\":{}}}}",
            b"{\"data\":{\"fail\":{\"count\":null,\"errors\":null}}}",
        ] {
            assert_eq!(
                done(classify(Endpoint::Upsert, 200, None, body)),
                RequestResult::Accepted { refused: vec![] }
            );
        }
        for body in [
            &b"{\"data\":{\"fail\":{\"errors\":[1,2]}}}"[..],
            b"{\"data\":{\"fail\":{\"errors\":{\"users.99999999999999999999999.a\":[1]}}}}",
            b"{\"data\":{\"fail\":\"some\"}}",
            b"{\"data\":{\"fail\":{\"count\":\"many\"}}}",
        ] {
            let m = unexpected(classify(Endpoint::Upsert, 200, None, body));
            assert!(m.contains("could be mapped to rows"), "{m}");
        }
    }

    /// SPEC §10: only Insider's own answers refuse records; anything else is an unknown outcome.
    #[test]
    fn answers_that_are_not_insiders_are_unknown_outcomes() {
        let html = b"<html><body><h1>404 Not Found</h1></body></html>";
        for status in [404u16, 405, 413, 301, 302, 418, 451, 101, 999] {
            let m = unexpected(classify_ct(
                Endpoint::Upsert,
                status,
                Some("text/html"),
                None,
                html,
            ));
            assert!(m.contains(&format!("HTTP {status}")), "{m}");
            assert!(m.contains("text/html") && m.contains("<html><body>"), "{m}");
            assert!(m.contains("Check the URL"), "{m}");
        }
        // A 400 from a proxy (no Insider error body) is not a refusal either.
        unexpected(classify_ct(
            Endpoint::Upsert,
            400,
            Some("text/html"),
            None,
            html,
        ));
        unexpected(classify(
            Endpoint::EmailUnsubscribe,
            400,
            None,
            br#"{"error":"x"}"#,
        ));
        // 200s whose body is not the API's JSON.
        for body in [
            &b""[..],
            b"<html>ok</html>",
            b"garbage \x1b[31m",
            br#"{"data":{"successful":{"count":5"#,
            b"null",
            b"[]",
            b"{}",
            br#"{"error":"x"}"#,
            br#"{"data":null}"#,
        ] {
            let m = unexpected(classify(Endpoint::Upsert, 200, None, body));
            assert!(!m.contains('\x1b'), "escaped: {m}");
            unexpected(classify(Endpoint::SmsUnsubscribe, 200, None, body));
        }
        let m = unexpected(classify_ct(Endpoint::Upsert, 200, None, None, b""));
        assert!(
            m.contains("an empty body") && m.contains("no content type"),
            "{m}"
        );
        let m = unexpected(classify(
            Endpoint::Upsert,
            200,
            None,
            b"\x1b]0;evil\x07 \"quoted\"",
        ));
        assert!(m.contains("\\u{1b}") && m.contains("\\\"quoted"), "{m}");
    }

    #[test]
    fn contact_status_messages() {
        let ok = done(classify(
            Endpoint::EmailUnsubscribe,
            200,
            None,
            br#"{"statusMessage":"OK"}"#,
        ));
        assert_eq!(ok, RequestResult::Accepted { refused: vec![] });
        let bad = done(classify(
            Endpoint::SmsSubscribe,
            400,
            None,
            br#"{"statusMessage":"Bad request"}"#,
        ));
        assert_eq!(
            bad,
            RequestResult::Rejected {
                status: 400,
                message: "Bad request".into()
            }
        );
        assert!(matches!(
            classify(
                Endpoint::SmsSubscribe,
                200,
                None,
                br#"{"statusMessage":"Unauthorized"}"#
            ),
            Attempt::Fatal(UploadError::Auth { status: 200, .. })
        ));
        assert!(matches!(
            classify(Endpoint::Upsert, 403, None, b"{}"),
            Attempt::Fatal(UploadError::Auth { status: 403, .. })
        ));
        let rej = done(classify(
            Endpoint::Upsert,
            400,
            None,
            br#"{"error":"users must be defined: bad request"}"#,
        ));
        assert_eq!(
            rej,
            RequestResult::Rejected {
                status: 400,
                message: "users must be defined: bad request".into()
            }
        );
    }

    fn unknown_why(a: Attempt) -> UnknownOutcome {
        match a {
            Attempt::Fatal(UploadError::Unexpected { why, .. }) => why,
            Attempt::Done(r) => panic!("done: {r:?}"),
            Attempt::Fatal(e) => panic!("fatal: {e}"),
            Attempt::Retry { reason, .. } | Attempt::Throttled { reason, .. } => {
                panic!("retry: {reason}")
            }
        }
    }

    /// A 400 whose JSON merely has an `"error"` string (a Spring Boot proxy, an OAuth gateway)
    /// must not refuse records for good: only Insider's own `{"error":"<sentence>"}` does.
    #[test]
    fn only_insiders_own_400_body_refuses() {
        for (body, message) in [
            (
                &br#"{"error":"users must be defined: bad request"}"#[..],
                "users must be defined: bad request",
            ),
            (
                br#"{"error": "request body is bigger than maximum allowed size 5,000,000 bytes"}"#,
                "request body is bigger than maximum allowed size 5,000,000 bytes",
            ),
        ] {
            assert_eq!(
                done(classify(Endpoint::Upsert, 400, None, body)),
                RequestResult::Rejected {
                    status: 400,
                    message: message.into()
                }
            );
        }
        for body in [
            // Spring Boot's default error body.
            &br#"{"timestamp":"2026-11-22T09:00:00.000+00:00","status":400,"error":"Bad Request","path":"/api/user/v1/upsert"}"#[..],
            // OAuth 2 (RFC 6749 §5.2), with and without a description.
            br#"{"error":"invalid_request","error_description":"The request is missing a required parameter"}"#,
            br#"{"error":"invalid_request"}"#,
            br#"{"error":"invalid_token"}"#,
            // A bare reason phrase.
            br#"{"error":"Bad Request"}"#,
            br#"{"error":"payload too large"}"#,
            // Insider's message, but not Insider's shape.
            br#"{"error":"users must be defined: bad request","path":"/api/user/v1/upsert"}"#,
            br#"{"message":"users must be defined: bad request"}"#,
            br#"[{"error":"users must be defined: bad request"}]"#,
            br#"{"error":{"message":"users must be defined: bad request"}}"#,
            br#"{"error":""}"#,
            br#"{"error":"   "}"#,
            br#"{"statusMessage":"Bad request"}"#,
        ] {
            let a = classify(Endpoint::Upsert, 400, None, body);
            let m = unexpected(a);
            assert!(m.contains("HTTP 400 Bad Request"), "{m}");
            assert!(m.contains("nothing was recorded as refused"), "{m}");
            assert!(m.contains("Check the URL"), "{m}");
        }
        // Contact APIs: exactly `{"statusMessage":"Bad request"}`.
        for body in [
            &br#"{"statusMessage":"Bad request","path":"/email/v2/unsubscribe"}"#[..],
            br#"{"error":"Bad request"}"#,
            br#"{"error":"invalid_request","error_description":"missing parameter"}"#,
            br#"{"statusMessage":"OK"}"#,
            br#"{"statusMessage":"Service temporarily unavailable"}"#,
        ] {
            assert_eq!(
                unknown_why(classify(Endpoint::EmailUnsubscribe, 400, None, body)),
                UnknownOutcome::NotInsider,
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    /// Contact APIs answer only "OK", "Bad request" or "Unauthorized" (SPEC §4).
    #[test]
    fn contact_apis_answer_only_ok_bad_request_or_unauthorized() {
        assert_eq!(
            done(classify(
                Endpoint::SmsUnsubscribe,
                200,
                None,
                br#"{"statusMessage":"OK","requestId":"a1"}"#
            )),
            RequestResult::Accepted { refused: vec![] }
        );
        assert_eq!(
            done(classify(
                Endpoint::EmailSubscribe,
                400,
                None,
                br#"{"statusMessage":"bad request"}"#
            )),
            RequestResult::Rejected {
                status: 400,
                message: "bad request".into()
            }
        );
        // "Unauthorized" is a credentials problem whatever the status: never a refusal.
        for status in [200u16, 400, 401, 403, 429, 500, 503] {
            match classify(
                Endpoint::EmailUnsubscribe,
                status,
                None,
                br#"{"statusMessage":"Unauthorized"}"#,
            ) {
                Attempt::Fatal(UploadError::Auth { status: s, message }) => {
                    assert_eq!((s, message.as_str()), (status, "Unauthorized"));
                }
                Attempt::Done(r) => panic!("{status}: done {r:?}"),
                Attempt::Fatal(e) => panic!("{status}: {e}"),
                Attempt::Retry { reason, .. } | Attempt::Throttled { reason, .. } => {
                    panic!("{status}: retry {reason}")
                }
            }
        }
        // Any other message is not one of their answers: outcome unknown, nothing refused.
        for body in [
            &br#"{"statusMessage":"Service temporarily unavailable"}"#[..],
            br#"{"statusMessage":"Bad request"}"#,
            br#"{"statusMessage":"success"}"#,
            br#"{"statusMessage":"Forbidden"}"#,
            br#"{"statusMessage":""}"#,
            br#"{"statusMessage":null}"#,
            br#"{"status":"OK"}"#,
        ] {
            let m = unexpected(classify(Endpoint::SmsSubscribe, 200, None, body));
            assert!(m.contains("HTTP 200 OK"), "{m}");
            assert!(m.contains("nothing was recorded as refused"), "{m}");
        }
    }

    /// An Upsert 200 whose `data.fail.count` exceeds the users its error keys name (or whose
    /// keys name no user) is not "fully accepted": the outcome of the others is unknown.
    #[test]
    fn upsert_failures_that_cannot_all_be_mapped_are_an_unknown_outcome() {
        let body = br#"{"data":{"fail":{"count":2,"errors":{"0.email":["invalid"],"1.email":["invalid"]}}}}"#;
        assert_eq!(
            unknown_why(classify(Endpoint::Upsert, 200, None, body)),
            UnknownOutcome::UnmappedFailures {
                reported: Some(2),
                mapped: 0,
                stray: 2
            }
        );
        let m = unexpected(classify(Endpoint::Upsert, 200, None, body));
        assert!(
            m.contains("Insider reported 2 failed users, of which 0 could be mapped to rows"),
            "{m}"
        );
        assert!(m.contains("2 error keys do not name a user"), "{m}");
        assert!(m.contains("nothing of this request was recorded"), "{m}");
        assert!(m.contains("a rerun sends it again"), "{m}");
        assert!(m.contains("--unification-url"), "{m}");
        // More failures counted than named.
        let body =
            br#"{"data":{"fail":{"count":3,"errors":{"users.1.identifiers.email":["invalid"]}}}}"#;
        assert_eq!(
            unknown_why(classify(Endpoint::Upsert, 200, None, body)),
            UnknownOutcome::UnmappedFailures {
                reported: Some(3),
                mapped: 1,
                stray: 0
            }
        );
        // A key that names no user next to one that does: the count matching is not enough.
        let body = br#"{"data":{"fail":{"count":1,"errors":{"users.0.email":["invalid"],"users.*.email":["invalid"]}}}}"#;
        assert_eq!(
            unknown_why(classify(Endpoint::Upsert, 200, None, body)),
            UnknownOutcome::UnmappedFailures {
                reported: Some(1),
                mapped: 1,
                stray: 1
            }
        );
        // Every failure mapped (the count read leniently; more users named than counted).
        for body in [
            &br#"{"data":{"fail":{"count":"2","errors":{"users.0.a":["x"],"users.4.b":["y"]}}}}"#[..],
            br#"{"data":{"fail":{"count":2.0,"errors":{"users.0.a":["x"],"users.4.b":["y"]}}}}"#,
            br#"{"data":{"fail":{"count":1,"errors":{"users.0.a":["x"],"users.4.b":["y"]}}}}"#,
            br#"{"data":{"fail":{"errors":{"users.0.a":["x"],"users.4.b":["y"]}}}}"#,
        ] {
            let RequestResult::Accepted { refused } =
                done(classify(Endpoint::Upsert, 200, None, body))
            else {
                panic!("not accepted")
            };
            let indexes: Vec<usize> = refused.iter().map(|(i, _)| *i).collect();
            assert_eq!(indexes, [0, 4], "{}", String::from_utf8_lossy(body));
        }
        let f = parse_upsert_failures(&serde_json::json!({"data":{"fail":{"count":-1}}}));
        assert!(f.count_unreadable && !f.all_mapped(), "{f:?}");
        let f = parse_upsert_failures(&serde_json::json!({"data":{"fail":{"count":0}}}));
        assert!(f.all_mapped(), "{f:?}");
    }

    /// Server text in messages: at most 200 characters, cut with `…`, escaped (SPEC §6, §8).
    #[test]
    fn echoed_answer_text_is_at_most_200_characters_and_escaped() {
        let chars = |s: &str| s.chars().count();
        let long = format!("bad {} \u{1b}[2J", "word ".repeat(400));
        let body = serde_json::json!({ "error": long }).to_string();
        let RequestResult::Rejected { message, .. } =
            done(classify(Endpoint::Upsert, 400, None, body.as_bytes()))
        else {
            panic!("not rejected")
        };
        assert_eq!(chars(&message), ECHO_LIMIT + 1, "{message}");
        assert!(message.ends_with('…') && message.starts_with("bad word"));
        // One long word is cut too, not only text with spaces.
        let body = format!(r#"{{"error":"{}"}}"#, "x".repeat(10_000));
        match classify(Endpoint::Upsert, 503, None, body.as_bytes()) {
            Attempt::Retry { reason, .. } => {
                assert!(chars(&reason) <= ECHO_LIMIT + 12, "{}", chars(&reason));
                assert!(reason.ends_with('…'), "{reason}");
            }
            _ => panic!("not retried"),
        }
        let body = format!(r#"{{"error":"{}"}}"#, "y".repeat(10_000));
        match classify(Endpoint::Upsert, 401, None, body.as_bytes()) {
            Attempt::Fatal(UploadError::Auth { message, .. }) => {
                assert_eq!(chars(&message), ECHO_LIMIT + 1);
            }
            _ => panic!("not an auth failure"),
        }
        // Control and bidi characters are escaped, not passed through.
        let body =
            serde_json::json!({"error": "bad \u{1b}]0;evil\u{7} \u{202e}input: bad request"})
                .to_string();
        let RequestResult::Rejected { message, .. } =
            done(classify(Endpoint::Upsert, 400, None, body.as_bytes()))
        else {
            panic!("not rejected")
        };
        assert!(!message.contains('\u{1b}') && !message.contains('\u{202e}'));
        assert!(
            message.contains("\\u{1b}") && message.contains("\\u{202e}"),
            "{message}"
        );
        // Partial failures: each user's text is bounded as well.
        let body = serde_json::json!({"data":{"fail":{"count":1,"errors":{
            "users.0.identifiers.email": ["z".repeat(5_000), "\u{1b}[31m".to_string()],
            "users.0.attributes.email_optin": ["q".repeat(5_000)],
        }}}})
        .to_string();
        let RequestResult::Accepted { refused } =
            done(classify(Endpoint::Upsert, 200, None, body.as_bytes()))
        else {
            panic!("not accepted")
        };
        assert_eq!(refused.len(), 1);
        assert_eq!(chars(&refused[0].1), ECHO_LIMIT + 1, "{}", refused[0].1);
        assert!(!refused[0].1.contains('\u{1b}'));
    }

    #[test]
    fn retry_after_as_seconds_or_http_date() {
        let now = std::time::UNIX_EPOCH + Duration::from_secs(1_445_412_480); // 21 Oct 2015 07:28:00
        assert_eq!(parse_retry_after(" 2 ", now), Some(Duration::from_secs(2)));
        assert_eq!(
            parse_retry_after("0.5", now),
            Some(Duration::from_millis(500))
        );
        assert_eq!(
            parse_retry_after("100000", now),
            Some(Duration::from_secs(100_000))
        );
        assert_eq!(parse_retry_after("-1", now), None);
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        // RFC 850 and asctime forms, and a date in the past.
        assert_eq!(
            parse_retry_after("Wednesday, 21-Oct-15 07:29:00 GMT", now),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            parse_retry_after("Wed Oct 21 07:28:10 2015", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Tue, 20 Oct 2015 07:28:00 GMT", now),
            Some(Duration::ZERO)
        );
        // `Retry-After: 0` (or a past date) never means "retry at once".
        assert_eq!(retry_after_wait(Duration::ZERO), RETRY_AFTER_FLOOR);
        assert_eq!(
            retry_after_wait(Duration::from_secs(3)),
            Duration::from_secs(3)
        );
        assert_eq!(human_duration(Duration::from_secs(100_000)), "27h 46m 40s");
        assert_eq!(human_duration(Duration::from_secs(125)), "2m 5s");
        assert_eq!(human_duration(Duration::from_millis(1500)), "2s");
    }

    /// The default schedule rides out a two-minute outage with the default 5 retries whatever
    /// the jitter, and no wait is longer than 60 s or `max_wait`.
    #[test]
    fn backoff_schedule_rides_out_a_two_minute_outage() {
        let (base, cap) = (DEFAULT_BACKOFF_BASE, DEFAULT_BACKOFF_CAP);
        for random in [0.0, 0.5, 0.999_999] {
            let waits: Vec<Duration> = (1..=5)
                .map(|a| backoff_wait(base, cap, a, random))
                .collect();
            let total: Duration = waits.iter().sum();
            assert!(total >= Duration::from_secs(120), "{waits:?}");
            assert!(waits.iter().all(|w| *w <= cap), "{waits:?}");
            assert!(waits.windows(2).all(|w| w[0] <= w[1]), "{waits:?}");
        }
        assert_eq!(backoff_wait(base, cap, 1, 0.0), Duration::from_secs(1));
        assert_eq!(backoff_wait(base, cap, 3, 0.0), Duration::from_secs(16));
        assert_eq!(backoff_wait(base, cap, 40, 0.0), cap);
        assert!(backoff_wait(base, cap, 2, 0.999) >= Duration::from_millis(3600));
        let mut cfg = ClientConfig::new("p", Secret::new("t"));
        cfg.max_wait = Duration::from_secs(5);
        let shared = Shared::new(&cfg, CancelToken::new()).unwrap();
        for attempt in 1..40 {
            assert!(shared.backoff(1, attempt) <= Duration::from_secs(5));
        }
    }

    #[test]
    fn plain_words_for_tls_failures() {
        use rustls::{CertificateError, Error as E, OtherError};
        let unknown = plain_tls(&E::InvalidCertificate(CertificateError::UnknownIssuer));
        assert!(unknown.contains("not issued by a certificate authority this system trusts"));
        #[derive(Debug)]
        struct CaUsedAsEndEntity;
        impl std::fmt::Display for CaUsedAsEndEntity {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("CaUsedAsEndEntity")
            }
        }
        impl std::error::Error for CaUsedAsEndEntity {}
        let ca = plain_tls(&E::InvalidCertificate(CertificateError::Other(OtherError(
            Arc::new(CaUsedAsEndEntity),
        ))));
        assert!(ca.contains("self-signed"), "{ca}");
        assert!(!ca.contains("OtherError"), "{ca}");
        assert!(plain_tls(&E::InvalidCertificate(CertificateError::Expired)).contains("expired"));
    }

    #[test]
    fn base_urls() {
        for ok in [
            "https://unification.useinsider.com",
            "https://contact.useinsider.com/",
            "https://example.com:8443",
            "http://127.0.0.1:8080",
            "http://localhost:1",
            "http://[::1]:9",
        ] {
            assert_eq!(check_base_url(ok), Ok(()), "{ok}");
        }
        for bad in [
            "http://example.com",
            "http://10.0.0.1",
            "ftp://example.com",
            "https://example.com/api",
            "https://user:pw@example.com",
            "https://example.com/?a=b",
            "example.com",
            "",
        ] {
            let err = check_base_url(bad).unwrap_err();
            assert!(!bad.contains("pw") || !err.contains("pw"));
        }
    }

    #[test]
    fn secrets_do_not_leak() {
        let cfg = ClientConfig::new("MyBrand", Secret::new("s3cr3t-token"));
        assert!(!format!("{cfg:?}").contains("s3cr3t"));
        assert_eq!(format!("{}", cfg.token), "***");
        let req = Request {
            seq: 1,
            endpoint: Endpoint::Upsert,
            body: b"{\"users\":[{\"identifiers\":{\"email\":\"a@b.co\"}}]}".to_vec(),
            records: 1,
        };
        assert!(!format!("{req:?}").contains("a@b.co"));
    }
}
