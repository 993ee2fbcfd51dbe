//! Insider request bodies: Upsert batches (≤ 1000 users and ≤ 5,000,000 bytes by default) and
//! contact API batches (unsubscribe/subscribe, ≤ 500 items). Bodies are built here and only here,
//! for `convert --to insider` and the upload commands alike.

use crate::record::{Channel, Code, Field, Permission, Problem, Record, timestamp};

/// How the external id is sent (`--external-id-as`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExternalIdAs {
    /// Not sent (the default).
    None,
    /// As the `uuid` identifier.
    Uuid,
    /// As a custom identifier with this name.
    Custom(String),
}

impl ExternalIdAs {
    pub fn parse(text: Option<&str>) -> Result<ExternalIdAs, String> {
        match text {
            None => Ok(ExternalIdAs::None),
            Some("uuid") => Ok(ExternalIdAs::Uuid),
            Some(t) => match t.strip_prefix("custom:") {
                Some(name)
                    if !name.is_empty()
                        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
                {
                    Ok(ExternalIdAs::Custom(name.to_string()))
                }
                _ => Err(crate::tr!("err-external-id-as", value = format!("{t:?}"))),
            },
        }
    }
}

/// Users per Upsert request: Insider's cap, and the default of `--max-users`.
pub const DEFAULT_MAX_USERS: usize = 1000;
/// Bytes per Upsert request body: Insider's cap, and the default of `--max-bytes`.
pub const DEFAULT_MAX_BYTES: usize = 5_000_000;

/// Records per contact API request: the default of `--max-contacts`.
pub const DEFAULT_MAX_CONTACTS: usize = 500;

/// Everything that shapes an Upsert user object and body.
#[derive(Debug, Clone)]
pub struct UpsertOptions {
    pub external_id_as: ExternalIdAs,
    pub skip_hook: bool,
    pub consent_event: Option<String>,
    pub max_users: usize,
    pub max_bytes: usize,
}

impl Default for UpsertOptions {
    fn default() -> UpsertOptions {
        UpsertOptions {
            external_id_as: ExternalIdAs::None,
            skip_hook: false,
            consent_event: None,
            max_users: DEFAULT_MAX_USERS,
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }
}

/// One Upsert user object as JSON.
pub fn upsert_user(r: &Record, opts: &UpsertOptions) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    write_upsert_user(&mut out, r, opts);
    out
}

/// Appends a JSON string. Texts that need no escaping (every canonical recipient, nearly every
/// platform and id) are copied as they are; the others go through serde_json's escaping.
fn json_str(out: &mut Vec<u8>, s: &str) {
    // Without an early exit the check is a few vector instructions for a whole address.
    let plain = !s.bytes().fold(false, |bad, b| {
        bad | (b < 0x20) | (b == b'"') | (b == b'\\')
    });
    if plain {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        let start = out.len();
        // Serialising a string into memory cannot fail; should it ever, nothing half-written stays.
        if serde_json::to_writer(&mut *out, s).is_err() {
            out.truncate(start);
            out.extend_from_slice(b"\"\"");
        }
    }
}

/// Appends one Upsert user object as JSON to `out`: `identifiers` (email or E.164 phone, and the
/// external id when asked), `attributes` (the channel's opt-in) and, with `--consent-event`, one
/// event carrying the platform and permission. Written by hand (the hot path of `convert`); a
/// test holds it byte for byte to the same object serialised by serde.
pub fn write_upsert_user(out: &mut Vec<u8>, r: &Record, opts: &UpsertOptions) {
    out.extend_from_slice(b"{\"identifiers\":{");
    match r.channel {
        Channel::Email => {
            out.extend_from_slice(b"\"email\":");
            json_str(out, &r.recipient);
        }
        Channel::Sms => {
            out.extend_from_slice(b"\"phone_number\":");
            json_str(out, &compact_str::format_compact!("+{}", r.recipient));
        }
    }
    match (&opts.external_id_as, r.external_id.as_deref()) {
        (ExternalIdAs::Uuid, Some(id)) => {
            out.extend_from_slice(b",\"uuid\":");
            json_str(out, id);
        }
        (ExternalIdAs::Custom(name), Some(id)) => {
            out.extend_from_slice(b",\"custom\":{");
            json_str(out, name);
            out.push(b':');
            json_str(out, id);
            out.push(b'}');
        }
        _ => {}
    }
    out.extend_from_slice(match r.channel {
        Channel::Email => b"},\"attributes\":{\"email_optin\":",
        Channel::Sms => b"},\"attributes\":{\"sms_optin\":",
    });
    out.extend_from_slice(match r.permission {
        Permission::Onay => b"true}",
        Permission::Ret => b"false}",
    });
    if let Some(name) = opts.consent_event.as_deref() {
        out.extend_from_slice(b",\"events\":[{\"event_name\":");
        json_str(out, name);
        out.extend_from_slice(b",\"timestamp\":");
        json_str(out, &timestamp::format_rfc3339(r.timestamp));
        out.extend_from_slice(b",\"event_params\":{\"custom\":{\"platform\":");
        json_str(out, &r.platform);
        out.extend_from_slice(b",\"permission\":");
        json_str(out, r.permission.as_str());
        out.extend_from_slice(b"}}}]");
    }
    out.push(b'}');
}

/// A finished request body and the items it carries, in order (index `i` of the body's array is
/// `items[i]`), so refusals can be mapped back to input rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body<T> {
    pub json: Vec<u8>,
    pub items: Vec<T>,
}

/// Fills bodies up to an item cap and a byte cap, in input order.
pub struct Batcher<T> {
    prefix: Vec<u8>,
    suffix: Vec<u8>,
    max_items: usize,
    max_bytes: usize,
    /// The body being filled: the prefix, then the items so far (the suffix is added by `take`,
    /// so a finished body is handed over without a copy).
    buf: Vec<u8>,
    items: Vec<T>,
}

/// An item larger than a whole body may be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooLarge {
    pub bytes: usize,
    pub max: usize,
}

impl TooLarge {
    /// The problem of the record whose user object is too large (it goes to the rejects file).
    pub fn problem(&self) -> Problem {
        Problem::error(
            Field::Row,
            Code::ApiRefused,
            crate::record::Message::new(
                &crate::record::message::TOO_LARGE,
                [
                    crate::record::Value::Num(self.bytes as u64),
                    crate::record::Value::Num(self.max as u64),
                ],
            ),
        )
    }
}

impl<T> Batcher<T> {
    fn new(prefix: &str, suffix: &str, max_items: usize, max_bytes: usize) -> Batcher<T> {
        Batcher {
            prefix: prefix.as_bytes().to_vec(),
            suffix: suffix.as_bytes().to_vec(),
            max_items: max_items.max(1),
            max_bytes,
            buf: prefix.as_bytes().to_vec(),
            items: Vec::new(),
        }
    }

    /// Upsert bodies: `{"users":[…]}` (with `"skip_hook":true` first when asked).
    pub fn upsert(opts: &UpsertOptions) -> Batcher<T> {
        let prefix = if opts.skip_hook {
            "{\"skip_hook\":true,\"users\":["
        } else {
            "{\"users\":["
        };
        Batcher::new(prefix, "]}", opts.max_users, opts.max_bytes)
    }

    /// Contact API bodies: `{"emails":[…]}` or `{"phone_numbers":[…]}`, with extra members
    /// (group name or id) placed before the array.
    pub fn contact(
        array: &str,
        extra: Option<(&str, serde_json::Value)>,
        max_items: usize,
    ) -> Batcher<T> {
        let extra = extra
            .map(|(k, v)| format!("{}:{},", serde_json::Value::from(k), v))
            .unwrap_or_default();
        Batcher::new(
            &format!("{{{extra}\"{array}\":["),
            "]}",
            max_items,
            usize::MAX,
        )
    }

    /// Adds one item's JSON; returns a finished body when this item did not fit in the current one.
    pub fn push(&mut self, json: &[u8], item: T) -> Result<Option<Body<T>>, (TooLarge, T)> {
        let alone = self.prefix.len() + json.len() + self.suffix.len();
        if alone > self.max_bytes {
            return Err((
                TooLarge {
                    bytes: alone,
                    max: self.max_bytes,
                },
                item,
            ));
        }
        let mut done = None;
        let would_be = self.buf.len() + 1 + json.len() + self.suffix.len();
        if !self.items.is_empty()
            && (self.items.len() >= self.max_items || would_be > self.max_bytes)
        {
            done = self.take();
        }
        if !self.items.is_empty() {
            self.buf.push(b',');
        }
        self.buf.extend_from_slice(json);
        self.items.push(item);
        Ok(done)
    }

    /// The last, partly filled body.
    pub fn finish(mut self) -> Option<Body<T>> {
        self.take()
    }

    fn take(&mut self) -> Option<Body<T>> {
        if self.items.is_empty() {
            return None;
        }
        self.buf.extend_from_slice(&self.suffix);
        // The next body is about as large as this one.
        let mut next = Vec::with_capacity(self.buf.len());
        next.extend_from_slice(&self.prefix);
        let json = std::mem::replace(&mut self.buf, next);
        Some(Body {
            json,
            items: std::mem::take(&mut self.items),
        })
    }
}

/// A contact API item: the email, or the phone number in E.164.
pub fn contact_item(r: &Record) -> Vec<u8> {
    serde_json::to_vec(&r.insider_recipient()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;

    #[derive(Serialize)]
    struct User<'a> {
        identifiers: Identifiers<'a>,
        attributes: Attributes,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        events: Vec<Event<'a>>,
    }

    #[derive(Serialize)]
    struct Identifiers<'a> {
        #[serde(skip_serializing_if = "Option::is_none")]
        email: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        phone_number: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        uuid: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        custom: Option<std::collections::BTreeMap<&'a str, &'a str>>,
    }

    #[derive(Serialize)]
    struct Attributes {
        #[serde(skip_serializing_if = "Option::is_none")]
        email_optin: Option<bool>,
        #[serde(skip_serializing_if = "Option::is_none")]
        sms_optin: Option<bool>,
    }

    #[derive(Serialize)]
    struct Event<'a> {
        event_name: &'a str,
        timestamp: String,
        event_params: EventParams<'a>,
    }

    #[derive(Serialize)]
    struct EventParams<'a> {
        custom: EventCustom<'a>,
    }

    #[derive(Serialize)]
    struct EventCustom<'a> {
        platform: &'a str,
        permission: &'a str,
    }

    /// The reference: the same object through serde, field by field.
    fn serde_upsert_user(out: &mut Vec<u8>, r: &Record, opts: &UpsertOptions) {
        let optin = Some(r.permission == Permission::Onay);
        let ext = r.external_id.as_deref();
        let user = User {
            identifiers: Identifiers {
                email: (r.channel == Channel::Email).then_some(r.recipient.as_str()),
                phone_number: (r.channel == Channel::Sms).then(|| format!("+{}", r.recipient)),
                uuid: match opts.external_id_as {
                    ExternalIdAs::Uuid => ext,
                    _ => None,
                },
                custom: match (&opts.external_id_as, ext) {
                    (ExternalIdAs::Custom(name), Some(id)) => {
                        Some([(name.as_str(), id)].into_iter().collect())
                    }
                    _ => None,
                },
            },
            attributes: Attributes {
                email_optin: if r.channel == Channel::Email {
                    optin
                } else {
                    None
                },
                sms_optin: if r.channel == Channel::Sms {
                    optin
                } else {
                    None
                },
            },
            events: opts
                .consent_event
                .as_deref()
                .map(|name| Event {
                    event_name: name,
                    timestamp: timestamp::format_rfc3339(r.timestamp),
                    event_params: EventParams {
                        custom: EventCustom {
                            platform: &r.platform,
                            permission: r.permission.as_str(),
                        },
                    },
                })
                .into_iter()
                .collect(),
        };
        // Serialising these plain structs into memory cannot fail (no maps with non-string keys, no
        // I/O); should it ever, the partial object is removed rather than left in the body.
        let start = out.len();
        if serde_json::to_writer(&mut *out, &user).is_err() {
            out.truncate(start);
        }
    }

    #[test]
    fn hand_written_user_objects_match_serde_byte_for_byte() {
        let texts = [
            "web",
            "user\"42",
            "back\\slash",
            "tab\there",
            "ünïcode ışık",
            "\u{7f}del",
            "",
        ];
        let mut checked = 0;
        for channel in [Channel::Email, Channel::Sms] {
            for permission in [Permission::Onay, Permission::Ret] {
                for text in texts {
                    for ext in [None, Some(text)] {
                        for external_id_as in [
                            ExternalIdAs::None,
                            ExternalIdAs::Uuid,
                            ExternalIdAs::Custom("crm_id".into()),
                        ] {
                            for consent_event in [None, Some("iys_consent".to_string())] {
                                let r = Record {
                                    channel,
                                    recipient: match channel {
                                        Channel::Email => "a.b+c@example.com.tr".into(),
                                        Channel::Sms => "905321234567".into(),
                                    },
                                    platform: text.into(),
                                    permission,
                                    timestamp: 1_747_308_180,
                                    external_id: ext.map(Into::into),
                                };
                                let opts = UpsertOptions {
                                    external_id_as: external_id_as.clone(),
                                    consent_event: consent_event.clone(),
                                    ..UpsertOptions::default()
                                };
                                let mut ours = Vec::new();
                                write_upsert_user(&mut ours, &r, &opts);
                                let mut reference = Vec::new();
                                serde_upsert_user(&mut reference, &r, &opts);
                                assert_eq!(
                                    String::from_utf8_lossy(&ours),
                                    String::from_utf8_lossy(&reference)
                                );
                                checked += 1;
                            }
                        }
                    }
                }
            }
        }
        assert_eq!(checked, 2 * 2 * 7 * 2 * 3 * 2);
    }

    fn rec(channel: Channel, recipient: &str, permission: Permission) -> Record {
        Record {
            channel,
            recipient: recipient.into(),
            platform: "web".into(),
            permission,
            timestamp: 1_747_308_180,
            external_id: Some("u1".into()),
        }
    }

    fn parse(b: &[u8]) -> serde_json::Value {
        serde_json::from_slice(b).unwrap_or_default()
    }

    #[test]
    fn email_user_maps_to_email_identifier_and_email_optin() {
        let u = parse(&upsert_user(
            &rec(Channel::Email, "a@b.co", Permission::Onay),
            &UpsertOptions::default(),
        ));
        assert_eq!(
            u,
            serde_json::json!({"identifiers":{"email":"a@b.co"},"attributes":{"email_optin":true}})
        );
    }

    #[test]
    fn sms_user_maps_to_e164_phone_and_sms_optin() {
        let u = parse(&upsert_user(
            &rec(Channel::Sms, "905321234567", Permission::Ret),
            &UpsertOptions::default(),
        ));
        assert_eq!(
            u,
            serde_json::json!({"identifiers":{"phone_number":"+905321234567"},"attributes":{"sms_optin":false}})
        );
    }

    #[test]
    fn external_id_and_consent_event() {
        let mut o = UpsertOptions {
            external_id_as: ExternalIdAs::Uuid,
            consent_event: Some("iys_consent".into()),
            ..UpsertOptions::default()
        };
        let r = rec(Channel::Email, "a@b.co", Permission::Onay);
        let u = parse(&upsert_user(&r, &o));
        assert_eq!(u["identifiers"]["uuid"], "u1");
        assert_eq!(u["events"][0]["event_name"], "iys_consent");
        assert_eq!(u["events"][0]["timestamp"], "2025-05-15T14:23:00+03:00");
        assert_eq!(u["events"][0]["event_params"]["custom"]["platform"], "web");
        assert_eq!(
            u["events"][0]["event_params"]["custom"]["permission"],
            "ONAY"
        );
        o.external_id_as = ExternalIdAs::Custom("crm_id".into());
        let u = parse(&upsert_user(&r, &o));
        assert_eq!(u["identifiers"]["custom"]["crm_id"], "u1");
        assert!(u["identifiers"].get("uuid").is_none());
    }

    #[test]
    fn external_id_as_parsing() {
        assert_eq!(ExternalIdAs::parse(Some("uuid")), Ok(ExternalIdAs::Uuid));
        assert_eq!(
            ExternalIdAs::parse(Some("custom:crm_id")),
            Ok(ExternalIdAs::Custom("crm_id".into()))
        );
        assert!(ExternalIdAs::parse(Some("custom:")).is_err());
        assert!(ExternalIdAs::parse(Some("email")).is_err());
    }

    #[test]
    fn batches_split_on_item_count() {
        let opts = UpsertOptions {
            max_users: 2,
            ..UpsertOptions::default()
        };
        let mut b = Batcher::upsert(&opts);
        let mut bodies = Vec::new();
        for i in 0..5 {
            if let Ok(Some(body)) = b.push(b"{}", i) {
                bodies.push(body);
            }
        }
        bodies.extend(b.finish());
        let items: Vec<Vec<i32>> = bodies.iter().map(|b| b.items.clone()).collect();
        assert_eq!(items, [vec![0, 1], vec![2, 3], vec![4]]);
        assert_eq!(bodies[0].json, b"{\"users\":[{},{}]}");
    }

    #[test]
    fn batches_split_on_bytes_and_never_exceed_the_cap() {
        let opts = UpsertOptions {
            max_bytes: 70,
            skip_hook: true,
            ..UpsertOptions::default()
        };
        let mut b = Batcher::upsert(&opts);
        let item = b"{\"x\":\"0123456\"}"; // 15 bytes
        let mut bodies = Vec::new();
        for i in 0..4 {
            if let Ok(Some(body)) = b.push(item, i) {
                bodies.push(body);
            }
        }
        bodies.extend(b.finish());
        // 29 bytes of envelope: two items (60 bytes) fit, three (76) do not.
        assert!(bodies.iter().all(|b| b.json.len() <= 70), "{bodies:?}");
        assert_eq!(
            bodies.iter().map(|b| b.items.len()).collect::<Vec<_>>(),
            [2, 2]
        );
        assert!(
            bodies
                .iter()
                .all(|b| b.json.starts_with(b"{\"skip_hook\":true,\"users\":["))
        );
        let too_big = [b'x'; 42];
        assert!(b_err(&opts, &too_big));
    }

    fn b_err(opts: &UpsertOptions, item: &[u8]) -> bool {
        let mut b: Batcher<()> = Batcher::upsert(opts);
        b.push(item, ()).is_err()
    }

    #[test]
    fn contact_bodies_carry_extra_members() {
        let mut b = Batcher::contact(
            "emails",
            Some(("name", serde_json::json!("newsletter"))),
            500,
        );
        let _ = b.push(b"\"a@b.co\"", ());
        let body = b.finish().map(|b| b.json).unwrap_or_default();
        assert_eq!(
            parse(&body),
            serde_json::json!({"name":"newsletter","emails":["a@b.co"]})
        );
    }
}
