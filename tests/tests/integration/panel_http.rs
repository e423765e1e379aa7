//! The 3x-ui HTTP panel client against a local fake panel that behaves like 3x-ui: form login with a session
//! cookie, JSON answers `{success, msg}`, 404 for API calls without a valid session, duplicate e-mails refused.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response, StatusCode};
use shared::adapters::aws::Secret;
use shared::adapters::panel_http::{HttpPanelClient, PanelCredentials};
use shared::domain::{ClientId, Server, ServerId, ServerStatus};
use shared::ports::{PanelClient, PanelClientSpec};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct FakePanel {
    /// The one valid session; a new login replaces it (so a test can expire it).
    session: Option<String>,
    logins: u32,
    /// inbound -> client uuid -> client JSON.
    clients: BTreeMap<u64, BTreeMap<String, serde_json::Value>>,
}

fn answer(success: bool, msg: &str) -> Response<Full<Bytes>> {
    Response::new(Full::new(Bytes::from(serde_json::json!({"success": success, "msg": msg, "obj": null}).to_string())))
}

async fn serve(state: Arc<Mutex<FakePanel>>, request: Request<hyper::body::Incoming>) -> Response<Full<Bytes>> {
    let path = request.uri().path().to_owned();
    let cookie = request.headers().get("cookie").and_then(|c| c.to_str().ok()).map(str::to_owned);
    let body = request.into_body().collect().await.unwrap().to_bytes();
    let mut panel = state.lock().unwrap();
    if path == "/login" {
        let form = String::from_utf8_lossy(&body).into_owned();
        if form != "username=admin&password=s%3Dcr%26t+pw" {
            return answer(false, "Invalid username or password");
        }
        panel.logins += 1;
        let session = format!("3x-ui=session-{}", panel.logins);
        panel.session = Some(session.clone());
        let mut response = answer(true, "Login Successfully");
        response.headers_mut().insert("set-cookie", format!("{session}; Path=/; HttpOnly").parse().unwrap());
        return response;
    }
    if cookie.is_none() || cookie != panel.session {
        let mut response = Response::new(Full::new(Bytes::from("404 page not found")));
        *response.status_mut() = StatusCode::NOT_FOUND;
        return response;
    }
    if path == "/panel/api/inbounds/addClient" {
        let request: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let inbound = request["id"].as_u64().unwrap();
        let settings: serde_json::Value = serde_json::from_str(request["settings"].as_str().unwrap()).unwrap();
        let client = settings["clients"][0].clone();
        let email = client["email"].as_str().unwrap().to_owned();
        let taken = panel.clients.values().flat_map(|c| c.values()).any(|c| c["email"] == email);
        if taken {
            return answer(false, &format!("Duplicate email: {email}"));
        }
        panel.clients.entry(inbound).or_default().insert(client["id"].as_str().unwrap().to_owned(), client);
        return answer(true, "Client(s) added Successfully");
    }
    if let Some(rest) = path.strip_prefix("/panel/api/inbounds/") {
        let parts: Vec<&str> = rest.split('/').collect();
        if let [inbound, "delClient", uuid] = parts[..] {
            let removed = panel.clients.entry(inbound.parse().unwrap()).or_default().remove(uuid);
            return if removed.is_some() { answer(true, "Client deleted") } else { answer(false, "Client Not Found") };
        }
    }
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = StatusCode::NOT_FOUND;
    response
}

async fn start() -> (Arc<Mutex<FakePanel>>, u16) {
    let state = Arc::new(Mutex::new(FakePanel::default()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let shared_state = state.clone();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let state = shared_state.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |r| {
                    let state = state.clone();
                    async move { Ok::<_, std::convert::Infallible>(serve(state, r).await) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (state, port)
}

fn server(port: u16) -> Server {
    Server {
        id: ServerId::generate(),
        name: "fake".into(),
        location: "Local".into(),
        country: "DE".into(),
        status: ServerStatus::Up,
        max_clients: 10,
        active_clients: 0,
        held_clients: 0,
        free_slots: 10,
        panel_host: "127.0.0.1".into(),
        panel_port: port,
        created_at: chrono::Utc::now(),
    }
}

fn spec(email: &str) -> PanelClientSpec {
    PanelClientSpec {
        id: ClientId::generate(),
        email: email.into(),
        inbound_id: 3,
        total_bytes: 100_000_000_000,
        expiry_time_ms: 1_800_000_000_000,
    }
}

fn client(password: &str) -> HttpPanelClient {
    HttpPanelClient::new(PanelCredentials { username: "admin".into(), password: Secret::value(password) }, "http")
        .unwrap()
}

#[tokio::test]
async fn clients_are_added_and_removed_with_one_session_renewed_when_it_expires() {
    let (state, port) = start().await;
    let server = server(port);
    let panel = client("s=cr&t pw");

    let first = spec("ord-1-0-0");
    panel.add_client(&server, &first).await.unwrap();
    panel.add_client(&server, &spec("ord-1-0-1")).await.unwrap();
    {
        let fake = state.lock().unwrap();
        assert_eq!(fake.logins, 1, "one login serves many calls");
        let stored = &fake.clients[&3][first.id.as_str()];
        assert_eq!(
            (stored["totalGB"].as_u64(), stored["expiryTime"].as_i64()),
            (Some(100_000_000_000), Some(1_800_000_000_000))
        );
        assert_eq!(stored["enable"], true);
    }
    // Redelivery: the panel refuses the duplicate, which means the client is there.
    panel.add_client(&server, &first).await.unwrap();

    // The session expires (someone else logged in): the client logs in again and carries on.
    state.lock().unwrap().session = Some("3x-ui=someone-else".into());
    panel.remove_client(&server, 3, &first.id).await.unwrap();
    assert_eq!(state.lock().unwrap().logins, 2);
    assert!(!state.lock().unwrap().clients[&3].contains_key(first.id.as_str()));
    // Removing a client that is gone is fine too.
    panel.remove_client(&server, 3, &first.id).await.unwrap();
}

#[tokio::test]
async fn wrong_credentials_and_an_absent_panel_are_backend_errors() {
    let (_, port) = start().await;
    let refused = client("wrong").add_client(&server(port), &spec("x")).await.unwrap_err();
    assert!(refused.to_string().contains("login refused"), "{refused}");
    let nobody = client("s=cr&t pw").add_client(&server(9), &spec("x")).await.unwrap_err();
    assert!(matches!(nobody, shared::error::PortError::Unavailable { .. } | shared::error::PortError::Timeout { .. }));
}

#[tokio::test]
async fn the_password_kept_in_secrets_manager_is_read_on_the_first_login() {
    let (state, port) = start().await;
    let secret = integration_tests::stored_secret("s=cr&t pw").await;
    let password = Secret::secrets_manager(integration_tests::secrets_manager().await, secret);
    let client = HttpPanelClient::new(PanelCredentials { username: "admin".into(), password }, "http").unwrap();
    client.add_client(&server(port), &spec("from-secret")).await.unwrap();
    assert_eq!(state.lock().unwrap().logins, 1);
    assert_eq!(state.lock().unwrap().clients.values().map(BTreeMap::len).sum::<usize>(), 1);
}

#[tokio::test]
async fn a_rotated_password_is_read_again_when_the_panel_refuses_the_old_one() {
    let (state, port) = start().await;
    let client = integration_tests::secrets_manager().await;
    let secret = integration_tests::stored_secret("the-password-before-rotation").await;
    let password = Secret::secrets_manager(client.clone(), &secret);
    let panel = HttpPanelClient::new(PanelCredentials { username: "admin".into(), password }, "http").unwrap();
    let refused = panel.add_client(&server(port), &spec("rotated")).await.unwrap_err();
    assert!(refused.to_string().contains("login refused"), "{refused}");
    client.put_secret_value().secret_id(&secret).secret_string("s=cr&t pw").send().await.unwrap();
    panel.add_client(&server(port), &spec("rotated")).await.expect("the rotated password, read again");
    assert_eq!(state.lock().unwrap().clients.values().map(BTreeMap::len).sum::<usize>(), 1);
}

#[tokio::test]
async fn a_probe_asks_nothing_of_the_panel_but_an_answer_within_its_limit() {
    let (state, port) = start().await;
    let client = client("s=cr&t pw");
    // A 404 without a session is an answer: the panel is up. No login is spent on it.
    client.probe(&server(port)).await.expect("the panel answers");
    assert_eq!(state.lock().unwrap().logins, 0);
    // Nothing listening, or a host that accepts and never answers: refused, within the probe's limit.
    let closed = server(9);
    assert!(client.probe(&closed).await.is_err());
    let (hung, _task) = integration_tests::silent_endpoint().await;
    let hung_port: u16 = hung.rsplit(':').next().unwrap().parse().unwrap();
    let started = std::time::Instant::now();
    let timed_out = client.probe(&server(hung_port)).await.expect_err("no answer");
    assert!(matches!(timed_out, shared::error::PortError::Timeout { .. }), "{timed_out:?}");
    let limit = shared::ports::panel::PROBE_LIMIT;
    assert!(started.elapsed() < limit + std::time::Duration::from_millis(500), "{:?}", started.elapsed());
}
