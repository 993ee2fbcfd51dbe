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

/// Default base URL of the Upsert API.
pub const DEFAULT_UNIFICATION_URL: &str = "https://unification.useinsider.com";
/// Default base URL of the contact (unsubscribe/resubscribe) APIs.
pub const DEFAULT_CONTACT_URL: &str = "https://contact.useinsider.com";

const BACKOFF_BASE: Duration = Duration::from_millis(500);
const BACKOFF_CAP: Duration = Duration::from_secs(30);
/// Longest `Retry-After` honoured as given; longer values are clamped.
const RETRY_AFTER_CAP: Duration = Duration::from_secs(600);
/// Response bodies are read up to this size; the rest is ignored.
const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;
const MAX_MESSAGE_CHARS: usize = 300;

/// One of Insider's five endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

    /// Name of the body's array whose indexes [`RequestResult::Accepted`] refers to.
    pub fn items_key(&self) -> &'static str {
        match self {
            Endpoint::Upsert => "users",
            Endpoint::EmailUnsubscribe | Endpoint::EmailSubscribe => "emails",
            Endpoint::SmsUnsubscribe | Endpoint::SmsSubscribe => "phone_numbers",
        }
    }

    /// Insider's documented default rate (requests per minute).
    pub fn default_rate_per_min(&self) -> u32 {
        if self.is_contact() { 600 } else { 25_000 }
    }

    /// Insider's documented default number of items per request.
    pub fn default_max_items(&self) -> usize {
        if self.is_contact() { 500 } else { 1000 }
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
}

impl ClientConfig {
    /// Defaults: Insider's URLs, 25,000 requests/min, concurrency 8, 5 retries, 30 s timeout.
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
        reqwest::Url::parse(url.trim()).map_err(|e| format!("not a valid base URL ({e})"))?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("the base URL must not contain credentials".to_string());
    }
    if parsed.host().is_none() {
        return Err("the base URL has no host".to_string());
    }
    if !(parsed.path().is_empty() || parsed.path() == "/")
        || parsed.query().is_some()
        || parsed.fragment().is_some()
    {
        return Err(
            "give a base URL (scheme, host, optional port) without a path; the API paths are appended"
                .to_string(),
        );
    }
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(&parsed) => Ok(()),
        "http" => Err(
            "plain http is only allowed to a loopback host (127.0.0.1, ::1, localhost); use https"
                .to_string(),
        ),
        other => Err(format!("unsupported URL scheme `{other}`; use https")),
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
    /// Refused as a whole (400 and other 4xx): every record of the request is refused with
    /// this message. Not retried.
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
    /// First attempt of a request is going out.
    Sent { seq: u64 },
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

/// Why an upload stopped early.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error(
        "Insider refused the credentials (HTTP {status}: {message}); check the partner name and the token"
    )]
    Auth { status: u16, message: String },
    #[error("request {seq} still failed after all retries (last error: {last})")]
    RetriesExhausted { seq: u64, last: String },
    #[error("interrupted")]
    Interrupted,
    #[error("{0}")]
    Config(String),
    /// `on_done` failed (the journal could not be written): the upload stops.
    #[error("could not record progress: {0}")]
    Journal(#[source] std::io::Error),
}

/// Cancellation flag shared between threads (set it from a Ctrl-C handler, or let
/// [`upload`] listen for Ctrl-C with [`CancelToken::with_ctrl_c`]).
#[derive(Clone, Default)]
pub struct CancelToken {
    inner: Arc<CancelInner>,
}

#[derive(Default)]
struct CancelInner {
    flag: AtomicBool,
    notify: Notify,
    ctrl_c: AtomicBool,
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

    /// Makes [`upload`] cancel this token on Ctrl-C (SIGINT) while it runs. Note: once tokio
    /// has installed its handler, SIGINT no longer kills the process after `upload` returns.
    pub fn with_ctrl_c(self) -> CancelToken {
        self.inner.ctrl_c.store(true, Ordering::SeqCst);
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
/// - at most `cfg.concurrency` requests in flight, never faster than `cfg.rate_per_min`
///   (retries included);
/// - 429 waits `Retry-After` (else backoff), 5xx/408/timeouts/connection errors are retried with
///   exponential backoff and full jitter (500 ms base, 30 s cap), at most `cfg.max_retries`
///   times per request, then [`UploadError::RetriesExhausted`];
/// - 401/403 (or a contact API's `"Unauthorized"`) stop everything: [`UploadError::Auth`];
/// - other 4xx give [`RequestResult::Rejected`];
/// - when `cancel` fires no new attempt starts; attempts on the wire finish (bounded by
///   `cfg.timeout`) and are still reported to `on_done`; then [`UploadError::Interrupted`]
///   unless everything had been acknowledged anyway.
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
            .map_err(|e| UploadError::Config(format!("cannot start the HTTP runtime: {e}")))?;
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
            return Err(UploadError::Config("the partner name is empty".to_string()));
        }
        if cfg.token.is_empty() {
            return Err(UploadError::Config("the token is empty".to_string()));
        }
        if cfg.rate_per_min == 0 {
            return Err(UploadError::Config(
                "the rate must be at least 1 request per minute".to_string(),
            ));
        }
        let partner = HeaderValue::from_str(&partner).map_err(|_| {
            UploadError::Config(
                "the partner name contains characters not allowed in an HTTP header".to_string(),
            )
        })?;
        let mut token = HeaderValue::from_str(cfg.token.expose().trim()).map_err(|_| {
            UploadError::Config(
                "the token contains characters not allowed in an HTTP header".to_string(),
            )
        })?;
        token.set_sensitive(true);

        let concurrency = cfg.concurrency.max(1);
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
            .map_err(|e| UploadError::Config(format!("cannot set up the HTTP client: {e}")))?;

        let urls = [
            cfg.url(Endpoint::Upsert),
            cfg.url(Endpoint::EmailUnsubscribe),
            cfg.url(Endpoint::EmailSubscribe),
            cfg.url(Endpoint::SmsUnsubscribe),
            cfg.url(Endpoint::SmsSubscribe),
        ];
        let burst = (cfg.rate_per_min / 6000).clamp(1, 4);
        Ok(Shared {
            http,
            urls,
            partner,
            token,
            limiter: Limiter::new(cfg.rate_per_min, burst),
            max_retries: cfg.max_retries,
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

    /// Full-jitter exponential backoff for retry number `attempt` (1-based).
    fn backoff(&self, seq: u64, attempt: u32) -> Duration {
        let exp = attempt.saturating_sub(1).min(16);
        let ceiling = BACKOFF_BASE.saturating_mul(1u32 << exp).min(BACKOFF_CAP);
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
        let fraction = (r >> 11) as f64 / (1u64 << 53) as f64;
        ceiling.mul_f64(fraction)
    }
}

enum Msg {
    Sent(u64),
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
            if user_cancel.inner.ctrl_c.load(Ordering::SeqCst) {
                tokio::select! {
                    _ = user_cancel.cancelled() => {}
                    r = tokio::signal::ctrl_c() => {
                        if r.is_ok() {
                            user_cancel.cancel();
                        } else {
                            user_cancel.cancelled().await;
                        }
                    }
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
            Msg::Sent(seq) => on_event(Event::Sent { seq }),
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

async fn process(shared: &Shared, request: Request, tx: &mpsc::Sender<Msg>) -> Msg {
    let seq = request.seq;
    let mut retries: u32 = 0;
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
        if retries == 0 {
            let _ = tx.send(Msg::Sent(seq)).await;
        }
        match attempt(shared, &request).await {
            Attempt::Done(result) => {
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
            Attempt::Retry { reason, after } => {
                if retries >= shared.max_retries {
                    shared.stop.cancel();
                    return Msg::Fatal(UploadError::RetriesExhausted { seq, last: reason });
                }
                retries += 1;
                shared.retries.fetch_add(1, Ordering::SeqCst);
                let wait = after.unwrap_or_else(|| shared.backoff(seq, retries));
                let _ = tx
                    .send(Msg::Retry {
                        seq,
                        attempt: retries,
                        wait,
                        reason,
                    })
                    .await;
                if !sleep_unless_stopped(shared, wait).await {
                    return Msg::Abandoned;
                }
            }
        }
    }
}

enum Attempt {
    Done(RequestResult),
    Fatal(UploadError),
    Retry {
        reason: String,
        after: Option<Duration>,
    },
}

async fn attempt(shared: &Shared, request: &Request) -> Attempt {
    let sent = shared
        .http
        .post(shared.url(request.endpoint))
        .header("X-PARTNER-NAME", shared.partner.clone())
        .header("X-REQUEST-TOKEN", shared.token.clone())
        .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
        .body(request.body.clone())
        .send()
        .await;
    let response = match sent {
        Ok(r) => r,
        Err(e) => {
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
        .and_then(parse_retry_after);
    let body = match read_capped(response, MAX_RESPONSE_BYTES).await {
        Ok(b) => b,
        Err(e) => {
            return Attempt::Retry {
                reason: format!("HTTP {status}, then {}", describe_error(&e)),
                after: None,
            };
        }
    };
    classify(request.endpoint, status, retry_after, &body)
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

fn describe_error(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "failed while reading the answer"
    } else {
        "connection error"
    };
    // The innermost cause is the useful part ("connection reset by peer", …).
    let mut inner: Option<String> = None;
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        inner = Some(s.to_string());
        source = s.source();
    }
    match inner {
        Some(cause) => format!("{kind}: {}", clean_message(&cause)),
        None => kind.to_string(),
    }
}

fn parse_retry_after(value: &str) -> Option<Duration> {
    let secs: f64 = value.trim().parse().ok()?;
    if !secs.is_finite() || secs < 0.0 {
        return None;
    }
    Some(Duration::from_secs_f64(
        secs.min(RETRY_AFTER_CAP.as_secs_f64()),
    ))
}

/// Maps one HTTP answer to what happens next. Never panics on any input.
fn classify(
    endpoint: Endpoint,
    status: u16,
    retry_after: Option<Duration>,
    body: &[u8],
) -> Attempt {
    match status {
        200..=299 => parse_success(endpoint, status, body),
        401 | 403 => Attempt::Fatal(UploadError::Auth {
            status,
            message: server_message(body).unwrap_or_else(|| reason_phrase(status)),
        }),
        429 => Attempt::Retry {
            reason: match retry_after {
                Some(d) => format!(
                    "HTTP 429 too many requests (Retry-After {}s)",
                    d.as_secs_f64()
                ),
                None => "HTTP 429 too many requests".to_string(),
            },
            after: retry_after,
        },
        408 | 500..=599 => Attempt::Retry {
            reason: match server_message(body) {
                Some(m) => format!("HTTP {status}: {m}"),
                None => format!("HTTP {status} {}", reason_phrase(status)),
            },
            after: retry_after,
        },
        300..=399 => Attempt::Fatal(UploadError::Config(format!(
            "the server answered with a redirect (HTTP {status}); check the base URL"
        ))),
        400..=499 => Attempt::Done(RequestResult::Rejected {
            status,
            message: server_message(body).unwrap_or_else(|| reason_phrase(status)),
        }),
        _ => Attempt::Retry {
            reason: format!("unexpected HTTP status {status}"),
            after: retry_after,
        },
    }
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

/// Control characters removed, whitespace collapsed, length bounded.
fn clean_message(s: &str) -> String {
    let mut out = String::new();
    let mut chars = 0;
    for word in s.split_whitespace() {
        if chars >= MAX_MESSAGE_CHARS {
            out.push('…');
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        for c in word.chars().filter(|c| !c.is_control()) {
            out.push(c);
            chars += 1;
        }
    }
    out
}

fn parse_success(endpoint: Endpoint, status: u16, body: &[u8]) -> Attempt {
    let json: Option<Value> = serde_json::from_slice(body).ok();
    if endpoint.is_contact() {
        let message = json
            .as_ref()
            .and_then(|v| v.get("statusMessage"))
            .and_then(Value::as_str)
            .map(clean_message);
        return match message {
            None => Attempt::Done(RequestResult::Accepted { refused: vec![] }),
            Some(m) if m.eq_ignore_ascii_case("ok") || m.eq_ignore_ascii_case("success") => {
                Attempt::Done(RequestResult::Accepted { refused: vec![] })
            }
            Some(m)
                if m.eq_ignore_ascii_case("unauthorized")
                    || m.eq_ignore_ascii_case("forbidden") =>
            {
                Attempt::Fatal(UploadError::Auth { status, message: m })
            }
            Some(m) => Attempt::Done(RequestResult::Rejected { status, message: m }),
        };
    }
    let Some(json) = json else {
        return Attempt::Done(RequestResult::Accepted { refused: vec![] });
    };
    if json.get("data").is_none()
        && let Some(error) = json.get("error").and_then(Value::as_str)
    {
        return Attempt::Done(RequestResult::Rejected {
            status,
            message: clean_message(error),
        });
    }
    Attempt::Done(RequestResult::Accepted {
        refused: parse_upsert_failures(&json),
    })
}

/// `data.fail.errors` → one entry per user index: `"<path>.<rule>: msg; msg | <path>.<rule>: …"`.
/// Keys that do not start with `users.<index>` cannot be mapped to a record and are ignored.
pub fn parse_upsert_failures(json: &Value) -> Vec<(usize, String)> {
    let Some(errors) = json
        .get("data")
        .and_then(|d| d.get("fail"))
        .and_then(|f| f.get("errors"))
        .and_then(Value::as_object)
    else {
        return vec![];
    };
    let mut by_index: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for (key, value) in errors {
        let Some(rest) = key.strip_prefix("users.") else {
            continue;
        };
        let (index, path) = match rest.split_once('.') {
            Some((i, p)) => (i, p),
            None => (rest, ""),
        };
        let Ok(index) = index.parse::<usize>() else {
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
    by_index
        .into_iter()
        .map(|(i, parts)| (i, parts.join(" | ")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn done(a: Attempt) -> RequestResult {
        match a {
            Attempt::Done(r) => r,
            Attempt::Fatal(e) => panic!("fatal: {e}"),
            Attempt::Retry { reason, .. } => panic!("retry: {reason}"),
        }
    }

    #[test]
    fn upsert_partial_failure_from_the_docs() {
        let body = br#"{"data":{"successful":{},"fail":{"count":2,"errors":{
            "users.0.events.0.event_params.*.required":["event_group_id parameter is required on purchase event","unit_sale_price parameter is required on purchase event"],
            "users.0.identifiers.*.regexp(^.+@.+\\..+$)":["not a valid email address: sample"],
            "users.12.identifiers.*.regexp(^\\+[1-9]\\d{6,14}$)":["user has an invalid phone number: 12345"],
            "users.x.bad":["ignored"], "other":["ignored"], "users.3":"plain"}}}}"#;
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
            assert_eq!(
                done(classify(Endpoint::Upsert, 200, None, body)),
                RequestResult::Accepted { refused: vec![] }
            );
        }
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
            200,
            None,
            br#"{"statusMessage":"Bad request"}"#,
        ));
        assert_eq!(
            bad,
            RequestResult::Rejected {
                status: 200,
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

    #[test]
    fn retry_after_and_backoff() {
        assert_eq!(parse_retry_after(" 2 "), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after("0.5"), Some(Duration::from_millis(500)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after("99999"), Some(RETRY_AFTER_CAP));
        let cfg = ClientConfig::new("p", Secret::new("t"));
        let shared = Shared::new(&cfg, CancelToken::new()).unwrap();
        for attempt in 1..40 {
            let w = shared.backoff(1, attempt);
            let ceiling = BACKOFF_BASE
                .saturating_mul(1 << (attempt - 1).min(16))
                .min(BACKOFF_CAP);
            assert!(w <= ceiling, "{attempt}: {w:?}");
        }
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
