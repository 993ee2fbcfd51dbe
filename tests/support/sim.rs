//! In-process simulator of Insider's Upsert and contact APIs (SPEC §4) for tests.
//!
//! A minimal HTTP/1.1 server (keep-alive, `Content-Length` bodies) on 127.0.0.1, on its own
//! thread and tokio runtime. It checks headers and tokens, enforces per-request caps and a
//! per-window rate cap, validates upsert users, injects seeded faults (5xx, connection resets,
//! latency, "fail the first N", a 503 storm, canned answers that are not Insider's — 404, 405,
//! 413, HTML, truncated or empty 200s, a Spring Boot or OAuth 400, contact `statusMessage`s and
//! Upsert failures other than the documented ones —, odd `Retry-After` values, partial failures
//! at indices outside the request, a server that never answers), serves TLS with a certificate
//! of its own CA ([`Sim::start_tls`]), and records what it applied so tests can check it.
//!
//! ```ignore
//! let sim = Sim::start(SimConfig { reset_prob: 0.05, ..SimConfig::default() });
//! // point the client / binary at sim.base_url() (both the unification and contact URL)
//! assert_eq!(sim.user("a@b.co").unwrap().email_optin, Some(true));
//! ```

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

pub const UPSERT: &str = "/api/user/v1/upsert";
pub const EMAIL_UNSUBSCRIBE: &str = "/email/v2/unsubscribe";
pub const EMAIL_SUBSCRIBE: &str = "/email/v2/subscribe";
pub const SMS_UNSUBSCRIBE: &str = "/sms/v2/unsubscribe";
pub const SMS_SUBSCRIBE: &str = "/sms/v2/subscribe";

const EMAIL_RULE: &str = r"regexp(^.+@.+\..+$)";
const PHONE_RULE: &str = r"regexp(^\+[1-9]\d{6,14}$)";

/// Behaviour of a simulator. Every field can be changed while it runs with [`Sim::configure`].
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Expected `X-PARTNER-NAME` (must be sent exactly so, lower-case).
    pub partner: String,
    /// Token for the Upsert API.
    pub upsert_token: String,
    /// Token for both unsubscribe endpoints.
    pub unsubscribe_token: String,
    /// Token for both subscribe (resubscribe) endpoints.
    pub resubscribe_token: String,
    /// Upsert: users per request.
    pub max_users: usize,
    /// Upsert: body bytes per request.
    pub max_body_bytes: usize,
    /// Contact APIs: emails / phone numbers per request.
    pub max_contact_items: usize,
    /// Requests per `window` and per endpoint before 429 (`None`: no cap).
    pub window_limit: Option<u32>,
    pub window: Duration,
    /// Send `Retry-After` (seconds until the window ends) with 429.
    pub retry_after_header: bool,
    /// Fixed delay before answering every request.
    pub latency: Duration,
    /// Probability of answering 500/503 before doing anything.
    pub error_5xx_prob: f64,
    /// Probability of closing the connection (RST) without answering, before applying.
    pub reset_prob: f64,
    /// Probability of closing the connection (RST) without answering, after applying.
    pub reset_after_apply_prob: f64,
    /// The first N requests are answered `fail_first_status` (default 500).
    pub fail_first: u32,
    pub fail_first_status: u16,
    /// Seed of the fault generator.
    pub seed: u64,
    /// Contact APIs answer their errors ("Bad request", "Unauthorized") with HTTP 200.
    pub contact_errors_as_200: bool,
    /// Upsert users with these emails or phone numbers are refused (a partial failure).
    pub refuse_identifiers: BTreeSet<String>,
    /// Every request is answered this, verbatim, before anything is applied (a proxy, a wrong
    /// URL, a broken gateway).
    pub canned: Option<Canned>,
    /// `Retry-After` value sent with 429s and the `fail_first` answers instead of the seconds
    /// left in the window (`"0"`, `"100000"`, an HTTP date…).
    pub retry_after_value: Option<String>,
    /// Never answer (the connection stays open, the request is logged and nothing applied).
    pub hang: bool,
    /// Answer 503 to everything during this long after the first request.
    pub storm: Option<Duration>,
    /// Upsert partial failures also name this user index, whatever the request's size (a
    /// server bug: an index outside the request).
    pub phantom_failure_index: Option<usize>,
    /// (path, identifier) pairs refused: an Upsert user with this email or phone number is a
    /// partial failure (as [`SimConfig::refuse_identifiers`], on [`UPSERT`] only); a contact
    /// request that names it is answered "Bad request" and nothing of it is applied (use one
    /// item per contact request to refuse one recipient).
    pub refuse_at: BTreeSet<(String, String)>,
    /// Requests on these paths are held (logged, not answered) until the path is removed
    /// with [`Sim::configure`]; then they are answered as usual.
    pub hold_paths: BTreeSet<String>,
}

/// A canned HTTP answer.
#[derive(Debug, Clone)]
pub struct Canned {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

impl Canned {
    pub fn new(status: u16, content_type: &str, body: &str) -> Canned {
        Canned {
            status,
            content_type: Some(content_type.to_string()),
            body: body.as_bytes().to_vec(),
        }
    }

    /// A JSON answer (`application/json`).
    pub fn json(status: u16, body: &str) -> Canned {
        Canned::new(status, "application/json", body)
    }

    /// Spring Boot's default error body, as a Java proxy or gateway in front of the API sends
    /// it: it has an `"error"` string, but it is not Insider's.
    pub fn spring_boot_400(path: &str) -> Canned {
        Canned::json(
            400,
            &json!({
                "timestamp": "2026-11-22T09:00:00.000+00:00",
                "status": 400,
                "error": "Bad Request",
                "path": path,
            })
            .to_string(),
        )
    }

    /// An OAuth 2 error (RFC 6749 §5.2) from an API gateway; `description` adds
    /// `error_description`.
    pub fn oauth_400(error: &str, description: Option<&str>) -> Canned {
        let mut body = json!({ "error": error });
        if let Some(d) = description {
            body["error_description"] = json!(d);
        }
        Canned::json(400, &body.to_string())
    }

    /// An HTML page, as a proxy or web server sends it.
    pub fn html(status: u16) -> Canned {
        Canned::new(
            status,
            "text/html; charset=utf-8",
            &format!(
                "<html><head><title>{status}</title></head><body><h1>{status}</h1></body></html>"
            ),
        )
    }
}

impl Default for SimConfig {
    fn default() -> SimConfig {
        SimConfig {
            partner: "mybrand".to_string(),
            upsert_token: "ucd-token".to_string(),
            unsubscribe_token: "unsubscribe-token".to_string(),
            resubscribe_token: "resubscribe-token".to_string(),
            max_users: 1000,
            max_body_bytes: 5_000_000,
            max_contact_items: 500,
            window_limit: None,
            window: Duration::from_secs(60),
            retry_after_header: true,
            latency: Duration::ZERO,
            error_5xx_prob: 0.0,
            reset_prob: 0.0,
            reset_after_apply_prob: 0.0,
            fail_first: 0,
            fail_first_status: 500,
            seed: 1,
            contact_errors_as_200: false,
            refuse_identifiers: BTreeSet::new(),
            canned: None,
            retry_after_value: None,
            hang: false,
            storm: None,
            phantom_failure_index: None,
            refuse_at: BTreeSet::new(),
            hold_paths: BTreeSet::new(),
        }
    }
}

/// Latest state of one upserted user, as applied.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SimUser {
    /// Merged identifiers (`email`, `phone_number`, `uuid`, `custom`).
    pub identifiers: Map<String, Value>,
    /// Merged attributes (`custom` merged key by key).
    pub attributes: Map<String, Value>,
    pub email_optin: Option<bool>,
    pub sms_optin: Option<bool>,
    /// Every event received, in order.
    pub events: Vec<Value>,
    /// `skip_hook` of the last request that applied this user.
    pub skip_hook: Option<bool>,
    /// How many times this user was applied (duplicates show as > 1).
    pub applications: u64,
}

/// One request as the simulator saw it (no body).
#[derive(Debug, Clone)]
pub struct SeenRequest {
    pub path: String,
    pub partner: Option<String>,
    /// `None` when the connection was reset instead of answered.
    pub status: Option<u16>,
    pub body_bytes: usize,
}

#[derive(Default)]
struct State {
    users: HashMap<String, SimUser>,
    /// Any identifier value (email, phone_number, uuid, `custom:<k>=<v>`) → primary id.
    aliases: HashMap<String, String>,
    /// (path, item) → applications, for contact endpoints.
    contact_applications: HashMap<(String, String), u64>,
    unsubscribed_emails: BTreeSet<(String, Option<String>)>,
    subscribed_emails: BTreeSet<(String, Option<String>)>,
    unsubscribed_phones: BTreeSet<String>,
    subscribed_phones: BTreeSet<String>,
    by_status: BTreeMap<u16, u64>,
    resets: u64,
    log: Vec<SeenRequest>,
    windows: HashMap<String, (Instant, u32)>,
    fail_first_used: u32,
    rng: u64,
    first_request: Option<Instant>,
    connections: u64,
    /// Every request's path and body, in arrival order.
    received: Vec<(String, Vec<u8>)>,
}

struct Shared {
    cfg: Mutex<SimConfig>,
    state: Mutex<State>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A running simulator; stops when dropped.
pub struct Sim {
    addr: SocketAddr,
    tls: bool,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Sim {
    /// Binds 127.0.0.1:0 and serves on a thread of its own.
    pub fn start(cfg: SimConfig) -> Sim {
        Sim::start_with(cfg, None)
    }

    /// [`Sim::start`] serving HTTPS with a certificate for 127.0.0.1 and localhost, issued by a
    /// CA made for this simulator; returns the CA certificate (PEM) to trust it with.
    pub fn start_tls(cfg: SimConfig) -> (Sim, String) {
        let (acceptor, ca_pem) = tls_acceptor();
        (Sim::start_with(cfg, Some(acceptor)), ca_pem)
    }

    fn start_with(cfg: SimConfig, tls: Option<tokio_rustls::TlsAcceptor>) -> Sim {
        let is_tls = tls.is_some();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("local addr");
        let state = State {
            rng: cfg.seed ^ 0x9E37_79B9_7F4A_7C15,
            ..State::default()
        };
        let shared = Arc::new(Shared {
            cfg: Mutex::new(cfg),
            state: Mutex::new(state),
        });
        let (tx, rx) = oneshot::channel();
        let server_shared = shared.clone();
        let thread = std::thread::Builder::new()
            .name("insider-sim".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("sim runtime");
                rt.block_on(serve(listener, server_shared, rx, tls));
            })
            .expect("spawn sim thread");
        Sim {
            addr,
            tls: is_tls,
            shared,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT` (`https://` for [`Sim::start_tls`]): use it as both the
    /// unification and the contact base URL.
    pub fn base_url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// TCP connections accepted (a TLS handshake that fails still counts).
    pub fn connections(&self) -> u64 {
        lock(&self.shared.state).connections
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Changes the behaviour while running (faults, caps, tokens…).
    pub fn configure(&self, f: impl FnOnce(&mut SimConfig)) {
        f(&mut lock(&self.shared.cfg));
    }

    pub fn config(&self) -> SimConfig {
        lock(&self.shared.cfg).clone()
    }

    /// Latest state of the user with this identifier: any of its email, phone_number, uuid,
    /// insider_id or `custom:<name>=<value>` identifiers.
    pub fn user(&self, id: &str) -> Option<SimUser> {
        let st = lock(&self.shared.state);
        let primary = st.aliases.get(id).map_or(id, String::as_str);
        st.users.get(primary).cloned()
    }

    /// Every upserted user, keyed by primary identifier (email, else phone_number, else uuid,
    /// else insider_id, else the first custom identifier).
    pub fn users(&self) -> HashMap<String, SimUser> {
        lock(&self.shared.state).users.clone()
    }

    /// Times the user with this identifier was applied (0 if never).
    pub fn applications(&self, id: &str) -> u64 {
        self.user(id).map_or(0, |u| u.applications)
    }

    /// Times `item` (email or phone number) was applied by the contact endpoint `path`.
    pub fn contact_applications(&self, path: &str, item: &str) -> u64 {
        lock(&self.shared.state)
            .contact_applications
            .get(&(path.to_string(), item.to_string()))
            .copied()
            .unwrap_or(0)
    }

    /// (email, group name) pairs unsubscribed (group `None`: global).
    pub fn unsubscribed_emails(&self) -> BTreeSet<(String, Option<String>)> {
        lock(&self.shared.state).unsubscribed_emails.clone()
    }

    /// (email, group_id) pairs resubscribed.
    pub fn subscribed_emails(&self) -> BTreeSet<(String, Option<String>)> {
        lock(&self.shared.state).subscribed_emails.clone()
    }

    pub fn unsubscribed_phones(&self) -> BTreeSet<String> {
        lock(&self.shared.state).unsubscribed_phones.clone()
    }

    pub fn subscribed_phones(&self) -> BTreeSet<String> {
        lock(&self.shared.state).subscribed_phones.clone()
    }

    /// Requests received (answered or reset).
    pub fn requests_total(&self) -> u64 {
        lock(&self.shared.state).log.len() as u64
    }

    /// Requests received on one path.
    pub fn requests_on(&self, path: &str) -> u64 {
        lock(&self.shared.state)
            .log
            .iter()
            .filter(|r| r.path == path)
            .count() as u64
    }

    /// Answers sent with this status.
    pub fn status_count(&self, status: u16) -> u64 {
        lock(&self.shared.state)
            .by_status
            .get(&status)
            .copied()
            .unwrap_or(0)
    }

    pub fn statuses(&self) -> BTreeMap<u16, u64> {
        lock(&self.shared.state).by_status.clone()
    }

    /// Connections reset instead of answered.
    pub fn resets(&self) -> u64 {
        lock(&self.shared.state).resets
    }

    /// Every request seen, in arrival order.
    pub fn log(&self) -> Vec<SeenRequest> {
        lock(&self.shared.state).log.clone()
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn serve(
    listener: std::net::TcpListener,
    shared: Arc<Shared>,
    mut shutdown: oneshot::Receiver<()>,
    tls: Option<tokio_rustls::TlsAcceptor>,
) {
    let Ok(listener) = TcpListener::from_std(listener) else {
        return;
    };
    loop {
        tokio::select! {
            _ = &mut shutdown => return,
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    let _ = stream.set_nodelay(true);
                    lock(&shared.state).connections += 1;
                    let shared = shared.clone();
                    match &tls {
                        None => {
                            tokio::spawn(connection(stream, shared));
                        }
                        Some(acceptor) => {
                            let acceptor = acceptor.clone();
                            tokio::spawn(async move {
                                if let Ok(stream) = acceptor.accept(stream).await {
                                    connection(stream, shared).await;
                                }
                            });
                        }
                    }
                }
            }
        }
    }
}

/// A TLS acceptor with a fresh CA and a leaf certificate for 127.0.0.1 and localhost; and the
/// CA's certificate in PEM.
fn tls_acceptor() -> (tokio_rustls::TlsAcceptor, String) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "iysync test CA");
    let ca_key = KeyPair::generate().expect("CA key");
    let ca_cert = ca_params.self_signed(&ca_key).expect("CA certificate");
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_params =
        CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .expect("leaf params");
    let leaf_key = KeyPair::generate().expect("leaf key");
    let leaf = leaf_params
        .signed_by(&leaf_key, &issuer)
        .expect("leaf certificate");
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into());
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("TLS versions")
    .with_no_client_auth()
    .with_single_cert(vec![leaf.der().clone()], key)
    .expect("server certificate");
    (
        tokio_rustls::TlsAcceptor::from(Arc::new(config)),
        ca_cert.pem(),
    )
}

/// Closing a connection without an answer, as abruptly as the transport allows.
trait Reset {
    fn reset(&self);
}

impl Reset for TcpStream {
    fn reset(&self) {
        let _ = self.set_zero_linger();
    }
}

impl Reset for tokio_rustls::server::TlsStream<TcpStream> {
    fn reset(&self) {
        let _ = self.get_ref().0.set_zero_linger();
    }
}

struct HttpRequest {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl HttpRequest {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

struct HttpResponse {
    status: u16,
    content_type: Option<String>,
    body: Vec<u8>,
    retry_after: Option<String>,
}

fn respond(status: u16, body: Value) -> HttpResponse {
    HttpResponse {
        status,
        content_type: Some("application/json".to_string()),
        body: body.to_string().into_bytes(),
        retry_after: None,
    }
}

enum Action {
    Respond(HttpResponse),
    Reset,
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

async fn connection<S>(mut stream: S, shared: Arc<Shared>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Reset,
{
    let mut buf: Vec<u8> = Vec::with_capacity(16 * 1024);
    loop {
        // Request head.
        let head_end = loop {
            if let Some(p) = find(&buf, b"\r\n\r\n") {
                break p + 4;
            }
            if buf.len() > 64 * 1024 {
                return;
            }
            match stream.read_buf(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        let mut lines = head.split("\r\n");
        let request_line = lines.next().unwrap_or_default();
        let mut parts = request_line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_string();
        let path = parts.next().unwrap_or_default().to_string();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
        let content_length: usize = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        if content_length > 64 * 1024 * 1024 {
            return;
        }
        let close = headers
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case("connection") && v.eq_ignore_ascii_case("close"));
        while buf.len() < head_end + content_length {
            match stream.read_buf(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
        let body = buf[head_end..head_end + content_length].to_vec();
        buf.drain(..head_end + content_length);
        let request = HttpRequest {
            method,
            path,
            headers,
            body,
        };
        match handle(&shared, &request).await {
            Action::Reset => {
                stream.reset();
                return;
            }
            Action::Respond(resp) => {
                let mut out = format!("HTTP/1.1 {} {}\r\n", resp.status, reason(resp.status));
                if let Some(ct) = &resp.content_type {
                    out.push_str(&format!("Content-Type: {ct}\r\n"));
                }
                out.push_str(&format!("Content-Length: {}\r\n", resp.body.len()));
                if let Some(s) = resp.retry_after {
                    out.push_str(&format!("Retry-After: {s}\r\n"));
                }
                if close {
                    out.push_str("Connection: close\r\n");
                }
                out.push_str("\r\n");
                let mut bytes = out.into_bytes();
                bytes.extend_from_slice(&resp.body);
                if stream.write_all(&bytes).await.is_err() || stream.flush().await.is_err() {
                    return;
                }
                if close {
                    return;
                }
            }
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

/// splitmix64 → [0, 1)
fn next_f64(rng: &mut u64) -> f64 {
    *rng = rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *rng;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Upsert,
    EmailUnsub,
    EmailSub,
    SmsUnsub,
    SmsSub,
}

async fn handle(shared: &Shared, req: &HttpRequest) -> Action {
    let cfg = lock(&shared.cfg).clone();
    let index = {
        let mut st = lock(&shared.state);
        st.log.push(SeenRequest {
            path: req.path.clone(),
            partner: req.header("X-PARTNER-NAME").map(str::to_string),
            status: None,
            body_bytes: req.body.len(),
        });
        st.received.push((req.path.clone(), req.body.clone()));
        st.log.len() - 1
    };
    if cfg.hang {
        std::future::pending::<()>().await;
    }
    while lock(&shared.cfg).hold_paths.contains(&req.path) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    if !cfg.latency.is_zero() {
        tokio::time::sleep(cfg.latency).await;
    }
    let action = decide(shared, &cfg, req);
    let mut st = lock(&shared.state);
    match &action {
        Action::Reset => st.resets += 1,
        Action::Respond(r) => {
            *st.by_status.entry(r.status).or_default() += 1;
            if let Some(seen) = st.log.get_mut(index) {
                seen.status = Some(r.status);
            }
        }
    }
    action
}

fn decide(shared: &Shared, cfg: &SimConfig, req: &HttpRequest) -> Action {
    // Injected faults come first: nothing is applied.
    {
        let mut st = lock(&shared.state);
        let first = *st.first_request.get_or_insert_with(Instant::now);
        if let Some(c) = &cfg.canned {
            return Action::Respond(HttpResponse {
                status: c.status,
                content_type: c.content_type.clone(),
                body: c.body.clone(),
                retry_after: cfg.retry_after_value.clone(),
            });
        }
        if cfg.storm.is_some_and(|storm| first.elapsed() < storm) {
            let mut resp = respond(503, json!({"error": "service unavailable"}));
            resp.retry_after = cfg.retry_after_value.clone();
            return Action::Respond(resp);
        }
        if st.fail_first_used < cfg.fail_first {
            st.fail_first_used += 1;
            let message = if cfg.fail_first_status == 429 {
                "rejected: too many requests"
            } else {
                "internal server error"
            };
            let mut resp = respond(cfg.fail_first_status, json!({ "error": message }));
            resp.retry_after = cfg.retry_after_value.clone();
            return Action::Respond(resp);
        }
        if next_f64(&mut st.rng) < cfg.reset_prob {
            return Action::Reset;
        }
        if next_f64(&mut st.rng) < cfg.error_5xx_prob {
            let status = if next_f64(&mut st.rng) < 0.5 {
                500
            } else {
                503
            };
            return Action::Respond(respond(status, json!({"error": "internal server error"})));
        }
    }

    let kind = match req.path.as_str() {
        UPSERT => Kind::Upsert,
        EMAIL_UNSUBSCRIBE => Kind::EmailUnsub,
        EMAIL_SUBSCRIBE => Kind::EmailSub,
        SMS_UNSUBSCRIBE => Kind::SmsUnsub,
        SMS_SUBSCRIBE => Kind::SmsSub,
        _ => return Action::Respond(respond(404, json!({"error": "not found"}))),
    };
    let contact = kind != Kind::Upsert;
    let contact_error = |status: u16, message: &str| {
        let status = if cfg.contact_errors_as_200 {
            200
        } else {
            status
        };
        Action::Respond(respond(status, json!({ "statusMessage": message })))
    };
    if req.method != "POST" {
        return Action::Respond(respond(405, json!({"error": "method not allowed"})));
    }

    // Credentials.
    let expected_token = match kind {
        Kind::Upsert => &cfg.upsert_token,
        Kind::EmailUnsub | Kind::SmsUnsub => &cfg.unsubscribe_token,
        Kind::EmailSub | Kind::SmsSub => &cfg.resubscribe_token,
    };
    let partner_ok = req.header("X-PARTNER-NAME") == Some(cfg.partner.as_str())
        && cfg.partner == cfg.partner.to_lowercase();
    let token_ok = req.header("X-REQUEST-TOKEN") == Some(expected_token.as_str());
    if !partner_ok || !token_ok {
        return if contact {
            contact_error(401, "Unauthorized")
        } else {
            Action::Respond(respond(401, json!({"error": "unauthorized"})))
        };
    }

    // Rate window, per endpoint.
    if let Some(limit) = cfg.window_limit {
        let mut st = lock(&shared.state);
        let now = Instant::now();
        let entry = st.windows.entry(req.path.clone()).or_insert((now, 0));
        if now.duration_since(entry.0) >= cfg.window {
            *entry = (now, 0);
        }
        if entry.1 >= limit {
            let left = cfg.window.saturating_sub(now.duration_since(entry.0));
            let secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
            let mut resp = respond(429, json!({"error": "rejected: too many requests"}));
            if let Some(v) = &cfg.retry_after_value {
                resp.retry_after = Some(v.clone());
            } else if cfg.retry_after_header {
                resp.retry_after = Some(secs.max(1).to_string());
            }
            return Action::Respond(resp);
        }
        entry.1 += 1;
    }

    let content_type_ok = req
        .header("Content-Type")
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("application/json"));
    if !content_type_ok {
        return if contact {
            contact_error(400, "Bad request")
        } else {
            Action::Respond(respond(
                400,
                json!({"error": "content type must be application/json: bad request"}),
            ))
        };
    }

    let result = if contact {
        contact_request(shared, cfg, kind, req)
    } else {
        upsert(shared, cfg, req)
    };
    let result = match result {
        Ok(resp) => resp,
        Err(resp) => return Action::Respond(resp),
    };
    if cfg.reset_after_apply_prob > 0.0 {
        let mut st = lock(&shared.state);
        if next_f64(&mut st.rng) < cfg.reset_after_apply_prob {
            return Action::Reset;
        }
    }
    Action::Respond(result)
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn valid_email(s: &str) -> bool {
    // ^.+@.+\..+$
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain
                    .rsplit_once('.')
                    .is_some_and(|(a, b)| !a.is_empty() && !b.is_empty())
                && !s.contains('\n')
        }
        None => false,
    }
}

fn valid_phone(s: &str) -> bool {
    // ^\+[1-9]\d{6,14}$
    let Some(digits) = s.strip_prefix('+') else {
        return false;
    };
    (7..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

fn upsert(
    shared: &Shared,
    cfg: &SimConfig,
    req: &HttpRequest,
) -> Result<HttpResponse, HttpResponse> {
    if req.body.len() > cfg.max_body_bytes {
        return Err(respond(
            400,
            json!({"error": format!("request body is bigger than maximum allowed size {} bytes", thousands(cfg.max_body_bytes))}),
        ));
    }
    let Ok(body) = serde_json::from_slice::<Value>(&req.body) else {
        return Err(respond(
            400,
            json!({"error": "invalid request body: bad request"}),
        ));
    };
    let Some(users) = body
        .get("users")
        .and_then(Value::as_array)
        .filter(|u| !u.is_empty())
    else {
        return Err(respond(
            400,
            json!({"error": "users must be defined: bad request"}),
        ));
    };
    if users.len() > cfg.max_users {
        return Err(respond(
            400,
            json!({"error": format!("users must contain at most {} items: bad request", cfg.max_users)}),
        ));
    }
    let skip_hook = body.get("skip_hook").and_then(Value::as_bool);

    let mut errors: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut ok = 0u64;
    let mut st = lock(&shared.state);
    for (i, user) in users.iter().enumerate() {
        let mut user_errors = validate_user(i, user);
        for key in ["email", "phone_number"] {
            if let Some(id) = user
                .pointer(&format!("/identifiers/{key}"))
                .and_then(Value::as_str)
                && (cfg.refuse_identifiers.contains(id)
                    || cfg
                        .refuse_at
                        .contains(&(UPSERT.to_string(), id.to_string())))
            {
                user_errors.push((
                    format!("users.{i}.identifiers.{key}.blocked"),
                    format!("identifier is blocked: {id}"),
                ));
            }
        }
        if user_errors.is_empty() {
            apply_user(&mut st, user, skip_hook);
            ok += 1;
        } else {
            for (k, m) in user_errors {
                errors.entry(k).or_default().push(m);
            }
        }
    }
    if let Some(i) = cfg.phantom_failure_index {
        errors
            .entry(format!("users.{i}.identifiers.*.phantom"))
            .or_default()
            .push("no such user in this request".to_string());
    }
    let failed = (users.len() as u64 - ok) + u64::from(cfg.phantom_failure_index.is_some());
    let mut data = json!({"successful": {"count": ok}});
    if failed > 0 {
        data["fail"] = json!({"count": failed, "errors": errors});
    }
    Ok(respond(200, json!({ "data": data })))
}

fn validate_user(i: usize, user: &Value) -> Vec<(String, String)> {
    let mut errs = Vec::new();
    let Some(user) = user.as_object() else {
        errs.push((
            format!("users.{i}.type(object)"),
            "user must be an object".to_string(),
        ));
        return errs;
    };
    match user.get("identifiers") {
        None if user.get("insider_id").and_then(Value::as_str).is_some() => {}
        Some(Value::Object(ids)) if !ids.is_empty() => {
            for (key, value) in ids {
                match key.as_str() {
                    "email" => {
                        let s = value.as_str().unwrap_or_default();
                        if !valid_email(s) {
                            errs.push((
                                format!("users.{i}.identifiers.*.{EMAIL_RULE}"),
                                format!("not a valid email address: {}", display(value)),
                            ));
                        }
                    }
                    "phone_number" => {
                        let s = value.as_str().unwrap_or_default();
                        if !valid_phone(s) {
                            errs.push((
                                format!("users.{i}.identifiers.*.{PHONE_RULE}"),
                                format!("user has an invalid phone number: {}", display(value)),
                            ));
                        }
                    }
                    "uuid" => {
                        if !value.is_string() {
                            errs.push((
                                format!("users.{i}.identifiers.*.type(string)"),
                                format!("uuid must be string: {}", display(value)),
                            ));
                        }
                    }
                    "custom" => {
                        if !value.is_object() {
                            errs.push((
                                format!("users.{i}.identifiers.custom.type(object)"),
                                "custom identifiers must be an object".to_string(),
                            ));
                        }
                    }
                    _ => errs.push((
                        format!("users.{i}.identifiers.*.in(defaults_column)"),
                        "key must be one of phone_number(pn), email(em) or uuid".to_string(),
                    )),
                }
            }
        }
        _ => {
            errs.push((
                format!("users.{i}.identifiers.required"),
                "either insider_id or idenifiers must be specified".to_string(),
            ));
            errs.push((
                format!("users.{i}.insider_id.required"),
                "either insider_id or idenifiers must be specified".to_string(),
            ));
        }
    }
    match user.get("attributes") {
        None => {}
        Some(Value::Object(attrs)) => {
            for key in ["email_optin", "sms_optin", "gdpr_optin", "whatsapp_optin"] {
                if let Some(v) = attrs.get(key)
                    && !v.is_boolean()
                {
                    errs.push((
                        format!("users.{i}.attributes.{key}.type(bool)"),
                        format!("{key} must be boolean: {}", display(v)),
                    ));
                }
            }
        }
        Some(_) => errs.push((
            format!("users.{i}.attributes.type(object)"),
            "attributes must be an object".to_string(),
        )),
    }
    match user.get("events") {
        None => {}
        Some(Value::Array(events)) => {
            for (j, e) in events.iter().enumerate() {
                if e.get("event_name")
                    .and_then(Value::as_str)
                    .is_none_or(str::is_empty)
                {
                    errs.push((
                        format!("users.{i}.events.{j}.event_name.required"),
                        "event_name is required".to_string(),
                    ));
                }
                let ts_ok = e
                    .get("timestamp")
                    .and_then(Value::as_str)
                    .is_some_and(|t| t.len() >= 20 && t.as_bytes().get(10) == Some(&b'T'));
                if !ts_ok {
                    errs.push((
                        format!("users.{i}.events.{j}.timestamp.required"),
                        "timestamp must be an RFC 3339 date-time".to_string(),
                    ));
                }
            }
        }
        Some(_) => errs.push((
            format!("users.{i}.events.type(array)"),
            "events must be an array".to_string(),
        )),
    }
    errs
}

fn display(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn primary_id(user: &Map<String, Value>) -> Option<String> {
    let ids = user.get("identifiers").and_then(Value::as_object);
    if let Some(ids) = ids {
        for key in ["email", "phone_number", "uuid"] {
            if let Some(v) = ids.get(key).and_then(Value::as_str) {
                return Some(v.to_string());
            }
        }
    }
    if let Some(id) = user.get("insider_id").and_then(Value::as_str) {
        return Some(id.to_string());
    }
    let custom = ids?.get("custom")?.as_object()?;
    let (k, v) = custom.iter().next()?;
    Some(format!("custom:{k}={}", display(v)))
}

fn all_ids(user: &Map<String, Value>) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(id) = user.get("insider_id").and_then(Value::as_str) {
        out.push(id.to_string());
    }
    if let Some(ids) = user.get("identifiers").and_then(Value::as_object) {
        for key in ["email", "phone_number", "uuid"] {
            if let Some(v) = ids.get(key).and_then(Value::as_str) {
                out.push(v.to_string());
            }
        }
        if let Some(custom) = ids.get("custom").and_then(Value::as_object) {
            for (k, v) in custom {
                out.push(format!("custom:{k}={}", display(v)));
            }
        }
    }
    out
}

fn apply_user(st: &mut State, user: &Value, skip_hook: Option<bool>) {
    let Some(obj) = user.as_object() else { return };
    let Some(id) = primary_id(obj) else { return };
    for alias in all_ids(obj) {
        st.aliases.insert(alias, id.clone());
    }
    let entry = st.users.entry(id).or_default();
    entry.applications += 1;
    entry.skip_hook = skip_hook;
    if let Some(ids) = obj.get("identifiers").and_then(Value::as_object) {
        merge(&mut entry.identifiers, ids);
    }
    if let Some(attrs) = obj.get("attributes").and_then(Value::as_object) {
        merge(&mut entry.attributes, attrs);
        if let Some(b) = attrs.get("email_optin").and_then(Value::as_bool) {
            entry.email_optin = Some(b);
        }
        if let Some(b) = attrs.get("sms_optin").and_then(Value::as_bool) {
            entry.sms_optin = Some(b);
        }
    }
    if let Some(events) = obj.get("events").and_then(Value::as_array) {
        entry.events.extend(events.iter().cloned());
    }
}

/// Overwrites keys; `custom` objects are merged key by key.
fn merge(into: &mut Map<String, Value>, from: &Map<String, Value>) {
    for (k, v) in from {
        match (into.get_mut(k), v) {
            (Some(Value::Object(old)), Value::Object(new)) if k == "custom" => {
                for (ck, cv) in new {
                    old.insert(ck.clone(), cv.clone());
                }
            }
            _ => {
                into.insert(k.clone(), v.clone());
            }
        }
    }
}

fn contact_request(
    shared: &Shared,
    cfg: &SimConfig,
    kind: Kind,
    req: &HttpRequest,
) -> Result<HttpResponse, HttpResponse> {
    let bad = || {
        let status = if cfg.contact_errors_as_200 { 200 } else { 400 };
        respond(status, json!({"statusMessage": "Bad request"}))
    };
    let body: Value = serde_json::from_slice(&req.body).map_err(|_| bad())?;
    let email = matches!(kind, Kind::EmailUnsub | Kind::EmailSub);
    let key = if email { "emails" } else { "phone_numbers" };
    let items = body
        .get(key)
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty() && a.len() <= cfg.max_contact_items)
        .ok_or_else(bad)?;
    let mut values = Vec::with_capacity(items.len());
    for item in items {
        let s = item.as_str().ok_or_else(bad)?;
        let valid = if email {
            valid_email(s)
        } else {
            valid_phone(s)
        };
        if !valid || cfg.refuse_at.contains(&(req.path.clone(), s.to_string())) {
            return Err(bad());
        }
        values.push(s.to_string());
    }
    // Email unsubscribe: optional group name (3–29 characters) in `group_name`, as Insider's
    // v2 page documents it; email resubscribe: optional numeric `group_id`.
    let group = match kind {
        Kind::EmailUnsub => {
            let g = body.get("group_name");
            match g {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) if (3..=29).contains(&s.chars().count()) => Some(s.clone()),
                Some(_) => return Err(bad()),
            }
        }
        Kind::EmailSub => match body.get("group_id") {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) if n.is_u64() => Some(n.to_string()),
            Some(Value::String(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
                Some(s.clone())
            }
            Some(_) => return Err(bad()),
        },
        _ => None,
    };
    let mut st = lock(&shared.state);
    for v in values {
        *st.contact_applications
            .entry((req.path.clone(), v.clone()))
            .or_default() += 1;
        match kind {
            Kind::EmailUnsub => {
                st.unsubscribed_emails.insert((v, group.clone()));
            }
            Kind::EmailSub => {
                st.subscribed_emails.insert((v, group.clone()));
            }
            Kind::SmsUnsub => {
                st.unsubscribed_phones.insert(v);
            }
            Kind::SmsSub => {
                st.subscribed_phones.insert(v);
            }
            Kind::Upsert => {}
        }
    }
    Ok(respond(200, json!({"statusMessage": "OK"})))
}

impl Sim {
    /// Every request received (answered, refused, reset or held): its path and JSON body, in
    /// arrival order.
    pub fn received(&self) -> Vec<(String, Value)> {
        lock(&self.shared.state)
            .received
            .iter()
            .map(|(path, body)| {
                (
                    path.clone(),
                    serde_json::from_slice(body).unwrap_or(Value::Null),
                )
            })
            .collect()
    }
}
