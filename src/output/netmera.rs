//! The exact Netmera upload format: `recipient;platform;PERMISSION;dd.MM.yyyy HH:mm:ss[;external_id]`,
//! no header, UTF-8, no spaces, four fields when there is no external id.

use crate::record::{Record, timestamp};

/// Appends one Netmera line (with `\n`) for a record.
pub fn write_line(out: &mut Vec<u8>, r: &Record) {
    out.extend_from_slice(r.recipient.as_bytes());
    out.push(b';');
    out.extend_from_slice(r.platform.as_bytes());
    out.push(b';');
    out.extend_from_slice(r.permission.as_str().as_bytes());
    out.push(b';');
    out.extend_from_slice(timestamp::format_netmera(r.timestamp).as_bytes());
    if let Some(id) = &r.external_id {
        out.push(b';');
        out.extend_from_slice(id.as_bytes());
    }
    out.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Channel, Permission};

    #[test]
    fn exact_format_with_and_without_external_id() {
        let mut r = Record {
            channel: Channel::Sms,
            recipient: "905331234562".into(),
            platform: "SMS".into(),
            permission: Permission::Ret,
            timestamp: 1_747_308_180, // 15.05.2025 14:23:00 +03:00
            external_id: Some("user456".into()),
        };
        let mut out = Vec::new();
        write_line(&mut out, &r);
        r.external_id = None;
        write_line(&mut out, &r);
        assert_eq!(
            String::from_utf8_lossy(&out),
            "905331234562;SMS;RET;15.05.2025 14:23:00;user456\n905331234562;SMS;RET;15.05.2025 14:23:00\n"
        );
    }
}
