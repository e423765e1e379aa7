//! The 3x-ui panel API over HTTP(S): `POST /login` (form) for a session cookie, then
//! `POST /panel/api/inbounds/addClient` and `POST /panel/api/inbounds/{inbound}/delClient/{uuid}`, each
//! answering `{"success": bool, "msg": "..."}`. Sessions are kept per panel and renewed when they expire.

use crate::aws::Secret;
use crate::timeout::with_timeout;
use async_trait::async_trait;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use proxy_core::domain::{ClientId, Server};
use proxy_core::error::{Backend, PortError, PortResult};
use proxy_core::ports::{PanelClient, PanelClientSpec};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

#[derive(Clone)]
pub struct PanelCredentials {
    pub username: String,
    /// Read on the first login.
    pub password: Secret,
}

impl std::fmt::Debug for PanelCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PanelCredentials").field("username", &self.username).finish_non_exhaustive()
    }
}

type HttpsClient = Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>;

pub struct HttpPanelClient {
    /// Built on first use: loading the system's root certificates costs milliseconds, and only the worker that
    /// provisions ever talks to a panel — every other function would pay it in its cold start for nothing.
    client: std::sync::OnceLock<Result<HttpsClient, String>>,
    credentials: PanelCredentials,
    /// `https` in production; `http` for a panel on a private network (and the tests' fake panel).
    scheme: String,
    /// Session cookie per panel base URL.
    sessions: Mutex<HashMap<String, String>>,
    timeout: Duration,
}

#[derive(serde::Deserialize)]
struct PanelAnswer {
    success: bool,
    #[serde(default)]
    msg: String,
}

fn unavailable(detail: impl std::fmt::Display) -> PortError {
    PortError::unavailable(Backend::Panel, detail)
}

enum Outcome {
    Done(PanelAnswer),
    /// The session is missing or expired.
    LoggedOut,
}

impl HttpPanelClient {
    pub fn new(credentials: PanelCredentials, scheme: impl Into<String>) -> PortResult<Self> {
        Ok(Self {
            client: std::sync::OnceLock::new(),
            credentials,
            scheme: scheme.into(),
            sessions: Mutex::new(HashMap::new()),
            timeout: Duration::from_secs(10),
        })
    }

    fn client(&self) -> PortResult<&HttpsClient> {
        let built = self.client.get_or_init(|| {
            let connector = hyper_rustls::HttpsConnectorBuilder::new()
                .with_native_roots()
                .map_err(|e| e.to_string())?
                .https_or_http()
                .enable_http1()
                .build();
            Ok(Client::builder(TokioExecutor::new()).build(connector))
        });
        built.as_ref().map_err(unavailable)
    }

    fn base(&self, server: &Server) -> String {
        format!("{}://{}:{}", self.scheme, server.panel_host, server.panel_port)
    }

    fn session(&self, base: &str) -> Option<String> {
        self.sessions.lock().unwrap_or_else(|p| p.into_inner()).get(base).cloned()
    }

    async fn login(&self, base: &str) -> PortResult<String> {
        let password = self.credentials.password.get().await.map_err(unavailable)?;
        let form = format!("username={}&password={}", form_encode(&self.credentials.username), form_encode(&password));
        let request = Request::post(format!("{base}/login"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Full::new(Bytes::from(form)))
            .map_err(unavailable)?;
        let response = self.client()?.request(request).await.map_err(unavailable)?;
        let cookie = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .find(|c| c.contains('='))
            .map(str::to_owned);
        let body = response.into_body().collect().await.map_err(unavailable)?.to_bytes();
        let answer: PanelAnswer =
            serde_json::from_slice(&body).map_err(|_| unavailable("login answered with no JSON"))?;
        match (answer.success, cookie) {
            (true, Some(cookie)) => {
                self.sessions.lock().unwrap_or_else(|p| p.into_inner()).insert(base.to_owned(), cookie.clone());
                Ok(cookie)
            }
            _ => {
                // The password may have been rotated since this instance read it: the next login reads it again.
                self.credentials.password.forget();
                Err(unavailable(format!("panel login refused: {}", answer.msg)))
            }
        }
    }

    async fn post(&self, url: &str, cookie: &str, body: Option<String>) -> PortResult<Outcome> {
        let mut request = Request::post(url).header("cookie", cookie).header("accept", "application/json");
        if body.is_some() {
            request = request.header("content-type", "application/json");
        }
        let request = request.body(Full::new(Bytes::from(body.unwrap_or_default()))).map_err(unavailable)?;
        let response = self.client()?.request(request).await.map_err(unavailable)?;
        let status = response.status();
        if matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND)
            || status.is_redirection()
        {
            return Ok(Outcome::LoggedOut);
        }
        let bytes = response.into_body().collect().await.map_err(unavailable)?.to_bytes();
        if !status.is_success() {
            return Err(unavailable(format!("panel answered {status}")));
        }
        serde_json::from_slice(&bytes).map(Outcome::Done).map_err(|_| unavailable("panel answered with no JSON"))
    }

    /// Calls the API with the panel's session, logging in first or again when needed.
    async fn call(&self, server: &Server, path: &str, body: Option<String>) -> PortResult<PanelAnswer> {
        let base = self.base(server);
        let url = format!("{base}{path}");
        let work = async {
            let cookie = match self.session(&base) {
                Some(cookie) => cookie,
                None => self.login(&base).await?,
            };
            match self.post(&url, &cookie, body.clone()).await? {
                Outcome::Done(answer) => Ok(answer),
                Outcome::LoggedOut => {
                    let cookie = self.login(&base).await?;
                    match self.post(&url, &cookie, body).await? {
                        Outcome::Done(answer) => Ok(answer),
                        Outcome::LoggedOut => Err(unavailable("panel refuses the session it just gave")),
                    }
                }
            }
        };
        with_timeout(Backend::Panel, "panel call", self.timeout, work).await
    }
}

/// `application/x-www-form-urlencoded` for a value.
fn form_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            b' ' => "+".to_owned(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[async_trait]
impl PanelClient for HttpPanelClient {
    async fn add_client(&self, server: &Server, client: &PanelClientSpec) -> PortResult<()> {
        let settings = serde_json::json!({ "clients": [{
            "id": client.id,
            "email": client.email,
            "enable": true,
            "limitIp": 0,
            "totalGB": client.total_bytes,
            "expiryTime": client.expiry_time_ms,
            "tgId": "",
            "subId": "",
            "reset": 0,
        }]});
        let body = serde_json::json!({ "id": client.inbound_id, "settings": settings.to_string() });
        let answer = self.call(server, "/panel/api/inbounds/addClient", Some(body.to_string())).await?;
        // A redelivered provisioning finds the client there already: that is success.
        if answer.success || answer.msg.to_lowercase().contains("duplicate") {
            Ok(())
        } else {
            Err(unavailable(format!("panel refused the client: {}", answer.msg)))
        }
    }

    async fn remove_client(&self, server: &Server, inbound_id: u32, client: &ClientId) -> PortResult<()> {
        let path = format!("/panel/api/inbounds/{inbound_id}/delClient/{client}");
        let answer = self.call(server, &path, None).await?;
        if answer.success || answer.msg.to_lowercase().contains("not found") {
            Ok(())
        } else {
            Err(unavailable(format!("panel refused to remove the client: {}", answer.msg)))
        }
    }

    async fn probe(&self, server: &Server) -> PortResult<()> {
        let request =
            Request::get(format!("{}/", self.base(server))).body(Full::new(Bytes::new())).map_err(unavailable)?;
        let work = async {
            // Any answer, a redirect to the login page included, is a panel that is up.
            let response = self.client()?.request(request).await.map_err(unavailable)?;
            drop(response);
            Ok(())
        };
        with_timeout(Backend::Panel, "panel probe", proxy_core::ports::panel::PROBE_LIMIT, work).await
    }
}
