//! Socket ids and channel authorisation, as Pusher defines them. A private or presence channel is joined with
//! `auth = "<key>:<hex(HMAC-SHA256(secret, "<socket_id>:<channel>[:<channel_data>]"))>"`, which the
//! authorisation endpoint gives only for the caller's own channels and the socket checks on subscribe.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// The most digits either half of a socket id has (two `u64`s).
const MAX_SOCKET_ID_PART: usize = 20;

/// The application's key (public, in the client's configuration) and secret (the server's only).
#[derive(Clone)]
pub struct AppCredentials {
    pub key: String,
    secret: Vec<u8>,
}

impl std::fmt::Debug for AppCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppCredentials").field("key", &self.key).field("secret", &"<redacted>").finish()
    }
}

impl AppCredentials {
    pub fn new(key: impl Into<String>, secret: impl Into<Vec<u8>>) -> Self {
        AppCredentials { key: key.into(), secret: secret.into() }
    }

    fn mac(&self, socket_id: &str, channel: &str, channel_data: Option<&str>) -> HmacSha256 {
        // HMAC takes a key of any length: this cannot fail.
        let mut mac = HmacSha256::new_from_slice(&self.secret).expect("HMAC accepts any key length");
        mac.update(socket_id.as_bytes());
        mac.update(b":");
        mac.update(channel.as_bytes());
        if let Some(data) = channel_data {
            mac.update(b":");
            mac.update(data.as_bytes());
        }
        mac
    }

    /// The `auth` value that lets `socket_id` join `channel` (with `channel_data` for a presence channel).
    pub fn sign(&self, socket_id: &str, channel: &str, channel_data: Option<&str>) -> String {
        let digest = self.mac(socket_id, channel, channel_data).finalize().into_bytes();
        format!("{}:{}", self.key, hex::encode(digest))
    }

    /// Whether `auth` is this application's signature for that socket, channel and data (compared in
    /// constant time).
    pub fn verify(&self, auth: &str, socket_id: &str, channel: &str, channel_data: Option<&str>) -> bool {
        let Some((key, signature)) = auth.split_once(':') else {
            return false;
        };
        let Ok(signature) = hex::decode(signature) else {
            return false;
        };
        key == self.key && self.mac(socket_id, channel, channel_data).verify_slice(&signature).is_ok()
    }
}

/// Whether `socket_id` has Pusher's form, `<digits>.<digits>`: the authorisation endpoint signs nothing else.
pub fn is_socket_id(socket_id: &str) -> bool {
    let digits =
        |part: &str| !part.is_empty() && part.len() <= MAX_SOCKET_ID_PART && part.bytes().all(|b| b.is_ascii_digit());
    socket_id.split_once('.').is_some_and(|(a, b)| digits(a) && digits(b))
}

/// The socket id of an API Gateway connection: its connection id (`L0SM9cOFvHcCIhw=`) is not in Pusher's form,
/// so the socket id is derived from it — two numbers from its SHA-256 — and stored beside it.
pub fn socket_id_of(connection_id: &str) -> String {
    let digest = Sha256::digest(connection_id.as_bytes());
    let half = |bytes: &[u8]| u64::from_be_bytes(bytes.try_into().unwrap_or([0; 8]));
    format!("{}.{}", half(&digest[0..8]), half(&digest[8..16]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pusher's documented worked example of a private channel's signature.
    #[test]
    fn a_private_channel_is_signed_as_pusher_documents_it() {
        let app = AppCredentials::new("278d425bdf160c739803", "7ad3773142a6692b25b8");
        let auth = app.sign("1234.1234", "private-foobar", None);
        assert_eq!(auth, "278d425bdf160c739803:58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4");
        assert!(app.verify(&auth, "1234.1234", "private-foobar", None));
    }

    #[test]
    fn a_signature_holds_for_its_socket_channel_and_data_only() {
        let app = AppCredentials::new("key", "secret");
        let data = r#"{"user_id":"c-1","user_info":{"name":"Ann"}}"#;
        let auth = app.sign("1.2", "presence-support", Some(data));
        assert!(app.verify(&auth, "1.2", "presence-support", Some(data)));
        assert!(!app.verify(&auth, "1.3", "presence-support", Some(data)), "another socket");
        assert!(!app.verify(&auth, "1.2", "presence-admins", Some(data)), "another channel");
        assert!(!app.verify(&auth, "1.2", "presence-support", Some(r#"{"user_id":"c-2"}"#)), "another member");
        assert!(!app.verify(&auth, "1.2", "presence-support", None), "without its data");
        let other = AppCredentials::new("key", "another secret");
        assert!(!other.verify(&auth, "1.2", "presence-support", Some(data)), "another secret");
        for forged in ["", "key", "key:", "key:zz", "other:00", &auth.replace("key:", "kez:")] {
            assert!(!app.verify(forged, "1.2", "presence-support", Some(data)), "{forged}");
        }
        assert!(!format!("{app:?}").contains("secret\""), "the secret is never printed");
    }

    #[test]
    fn socket_ids_have_pushers_form() {
        for good in ["1.2", "1234.1234", "18446744073709551615.0"] {
            assert!(is_socket_id(good), "{good}");
        }
        for bad in ["", "1", "1.", ".1", "1.2.3", "a.1", "1.2 ", "-1.2", "123456789012345678901.1", "1:2"] {
            assert!(!is_socket_id(bad), "{bad}");
        }
    }

    #[test]
    fn a_connections_socket_id_is_stable_distinct_and_well_formed() {
        let a = socket_id_of("L0SM9cOFvHcCIhw=");
        assert_eq!(a, socket_id_of("L0SM9cOFvHcCIhw="));
        assert_ne!(a, socket_id_of("L0SM9cOFvHcCIhx="));
        assert!(is_socket_id(&a), "{a}");
    }
}
