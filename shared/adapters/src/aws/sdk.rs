//! The SDK configuration. In Lambda, everything the SDK's default chains would look for is in the environment
//! Lambda sets — the region and the execution role's credentials (`AWS_REGION`, `AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`) — so the configuration is built from those directly: the
//! chains' profile files, IMDS, SSO and container providers would each be set up at init to find nothing
//! (BENCHMARKS.md, "where init goes"). Lambda's environment-variable credentials are the ones the default
//! chain would pick first, and they are not refreshed in a running environment either. Outside Lambda (the
//! local server against AWS, the ops CLI, the tests), when a variable is missing, or when the environment sets
//! one of the SDK settings that only the default loader reads (`LOADER_ONLY`: retries, FIPS or dual-stack
//! endpoints, per-service endpoint URLs, ...), the full default chain runs, so that setting is honoured.
//!
//! In Lambda the HTTPS client trusts only the roots of Amazon Trust Services, compiled into the binary
//! (`https_client`), instead of the platform's whole store, which the default client reads from disk when the
//! first client is built — one directory listing and a file per certificate, the largest part of a function's
//! init after the loader (BENCHMARKS.md, "where init goes"). A function talks to AWS endpoints only, and in
//! the commercial and GovCloud partitions every endpoint's certificate is issued by Amazon Trust Services
//! (Amazon Root CA 1-4, cross-signed by Starfield Services Root G2); the trust store is parsed once per SDK
//! client, so five roots cost a twentieth of Mozilla's 118, and trusting nothing else is a smaller surface
//! too. In another partition (China, ISO) or with `AWS_ENDPOINT_URL` set, the client trusts Mozilla's whole
//! list, compiled in as well. Outside Lambda the default chain keeps the platform's roots (a developer's proxy
//! CA, an emulator with its own certificate).

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use base64::Engine;

/// The SDK configuration from the environment (`AWS_ENDPOINT_URL` for emulators). Reads the environment (and,
/// outside Lambda, the profile files): no network work during a Lambda's init.
pub async fn sdk_config() -> SdkConfig {
    match lambda_sdk_config(environment_variables()) {
        Some(config) => config,
        None => aws_config::defaults(BehaviorVersion::latest()).load().await,
    }
}

/// The process's environment variables whose names and values are text (`std::env::vars` would panic on
/// one that is not).
pub fn environment_variables() -> impl Iterator<Item = (String, String)> {
    std::env::vars_os().filter_map(|(name, value)| Some((name.into_string().ok()?, value.into_string().ok()?)))
}

/// SDK settings the default loader reads from the environment and this configuration does not (besides
/// `AWS_ENDPOINT_URL_<SERVICE>`): when one is set, the default chain runs instead.
const LOADER_ONLY: &[&str] = &[
    "AWS_MAX_ATTEMPTS",
    "AWS_RETRY_MODE",
    "AWS_USE_FIPS_ENDPOINT",
    "AWS_USE_DUALSTACK_ENDPOINT",
    "AWS_ACCOUNT_ID",
    "AWS_ACCOUNT_ID_ENDPOINT_MODE",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    "AWS_SDK_UA_APP_ID",
    "AWS_REQUEST_CHECKSUM_CALCULATION",
    "AWS_RESPONSE_CHECKSUM_VALIDATION",
    "AWS_DISABLE_REQUEST_COMPRESSION",
    "AWS_REQUEST_MIN_COMPRESSION_SIZE_BYTES",
];

/// The configuration of a Lambda function, from its environment (`environment_variables()`); None outside Lambda
/// (`AWS_LAMBDA_FUNCTION_NAME` unset), when the region or the credentials are missing, or when a setting only
/// the default loader reads is set.
pub fn lambda_sdk_config(environment: impl IntoIterator<Item = (String, String)>) -> Option<SdkConfig> {
    let environment: std::collections::HashMap<String, String> =
        environment.into_iter().filter(|(_, value)| !value.is_empty()).collect();
    let loader_only = |name: &String| LOADER_ONLY.contains(&name.as_str()) || name.starts_with("AWS_ENDPOINT_URL_");
    if environment.keys().any(loader_only) {
        return None;
    }
    let set = |name: &str| environment.get(name).cloned();
    set("AWS_LAMBDA_FUNCTION_NAME")?;
    let region = set("AWS_REGION").or_else(|| set("AWS_DEFAULT_REGION"))?;
    let credentials = Credentials::new(
        set("AWS_ACCESS_KEY_ID")?,
        set("AWS_SECRET_ACCESS_KEY")?,
        set("AWS_SESSION_TOKEN"),
        None,
        "LambdaEnvironment",
    );
    let endpoint = set("AWS_ENDPOINT_URL");
    let trust = if endpoint.is_none() && issued_by_amazon_trust_services(&region) {
        TrustedRoots::AmazonTrustServices
    } else {
        TrustedRoots::Mozilla
    };
    let mut config = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region))
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .http_client(https_client(trust))
        .sleep_impl(aws_smithy_async::rt::sleep::TokioSleep::new())
        .time_source(aws_smithy_async::time::SystemTimeSource::new());
    if let Some(endpoint) = endpoint {
        config = config.endpoint_url(endpoint);
    }
    Some(config.build())
}

/// Which compiled-in roots the HTTPS client trusts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrustedRoots {
    /// Amazon Trust Services' roots: enough for every endpoint of the commercial and GovCloud partitions.
    AmazonTrustServices,
    /// Mozilla's whole list.
    Mozilla,
}

/// Whether the region's endpoints are issued by Amazon Trust Services: the commercial and GovCloud partitions
/// (China's and the ISO partitions' certificates come from elsewhere).
fn issued_by_amazon_trust_services(region: &str) -> bool {
    !(region.starts_with("cn-") || region.starts_with("us-iso") || region.starts_with("eu-isoe"))
}

/// The SDK's default HTTPS client (rustls on aws-lc), trusting `roots`, compiled into the binary: building it
/// reads no file.
pub fn https_client(roots: TrustedRoots) -> SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
        .tls_context(compiled_in_tls_context(roots))
        .build_https()
}

fn compiled_in_tls_context(roots: TrustedRoots) -> TlsContext {
    let trust_store = TrustStore::empty().with_native_roots(false).with_pem_certificate(roots_pem(roots));
    // Building cannot fail without additional server names (none here); if it ever did, the platform's roots
    // (the default context) would be used.
    TlsContext::builder().with_trust_store(trust_store).build().unwrap_or_default()
}

/// Amazon Trust Services' five roots, as the SDK's trust store takes them (PEM): Mozilla's copies, which a test
/// compares byte for byte. Kept as text so that building the trust store neither searches nor encodes.
const AMAZON_TRUST_SERVICES_PEM: &str = include_str!("amazon-trust-services.pem");

/// The roots as one PEM text: the form the SDK's trust store takes.
fn roots_pem(roots: TrustedRoots) -> String {
    if roots == TrustedRoots::AmazonTrustServices {
        return AMAZON_TRUST_SERVICES_PEM.to_owned();
    }
    let certificates = webpki_root_certs::TLS_SERVER_ROOT_CERTS;
    let mut pem = String::with_capacity(certificates.iter().map(|c| c.len() * 4 / 3 + 64).sum());
    for certificate in certificates {
        pem.push_str("-----BEGIN CERTIFICATE-----\n");
        pem.push_str(&base64::engine::general_purpose::STANDARD.encode(certificate.as_ref()));
        pem.push_str("\n-----END CERTIFICATE-----\n");
    }
    pem
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_credential_types::provider::ProvideCredentials;

    fn environment(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    const LAMBDA: [(&str, &str); 4] = [
        ("AWS_LAMBDA_FUNCTION_NAME", "orders-create"),
        ("AWS_REGION", "eu-west-1"),
        ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "secret"),
    ];

    #[tokio::test]
    async fn in_lambda_the_region_and_the_role_credentials_come_from_the_environment() {
        let mut with_token = LAMBDA.to_vec();
        with_token.push(("AWS_SESSION_TOKEN", "session"));
        let config = lambda_sdk_config(environment(&with_token)).expect("a Lambda environment");
        assert_eq!(config.region().map(|r| r.as_ref()), Some("eu-west-1"));
        assert_eq!(config.endpoint_url(), None);
        let credentials = config.credentials_provider().unwrap().provide_credentials().await.unwrap();
        assert_eq!(credentials.access_key_id(), "AKIDEXAMPLE");
        assert_eq!(credentials.secret_access_key(), "secret");
        assert_eq!(credentials.session_token(), Some("session"));

        let mut emulator = LAMBDA.to_vec();
        emulator.push(("AWS_ENDPOINT_URL", "http://127.0.0.1:15000"));
        let config = lambda_sdk_config(environment(&emulator)).unwrap();
        assert_eq!(config.endpoint_url(), Some("http://127.0.0.1:15000"));
        let credentials = config.credentials_provider().unwrap().provide_credentials().await.unwrap();
        assert_eq!(credentials.session_token(), None, "long-term keys have no session token");
    }

    #[test]
    fn the_trust_store_holds_exactly_the_roots_aws_endpoints_chain_to() {
        use rustls_pki_types::CertificateDer;
        use rustls_pki_types::pem::PemObject;
        let parse = |roots| -> Vec<CertificateDer<'static>> {
            // The parser the SDK's rustls provider reads the trust store with.
            CertificateDer::pem_slice_iter(roots_pem(roots).as_bytes()).collect::<Result<_, _>>().expect("valid PEM")
        };
        assert_eq!(parse(TrustedRoots::Mozilla), webpki_root_certs::TLS_SERVER_ROOT_CERTS);
        let parsed = parse(TrustedRoots::AmazonTrustServices);
        let roots = [
            "Amazon Root CA 1",
            "Amazon Root CA 2",
            "Amazon Root CA 3",
            "Amazon Root CA 4",
            "Starfield Services Root Certificate Authority - G2",
        ];
        assert_eq!(parsed.len(), roots.len(), "one certificate per root, no other");
        for root in roots {
            // A root is self-signed: its name is in its subject and its issuer.
            let is = |der: &CertificateDer| der.windows(root.len()).filter(|w| *w == root.as_bytes()).count() == 2;
            assert_eq!(parsed.iter().filter(|der| is(der)).count(), 1, "{root}");
        }
        // Each is one of Mozilla's roots as it stands.
        for der in &parsed {
            assert!(webpki_root_certs::TLS_SERVER_ROOT_CERTS.contains(der));
        }
        let config = lambda_sdk_config(environment(&LAMBDA)).unwrap();
        assert!(config.http_client().is_some(), "the Lambda configuration brings its HTTPS client");
        for (region, amazon) in
            [("eu-west-1", true), ("us-gov-west-1", true), ("cn-north-1", false), ("us-iso-east-1", false)]
        {
            assert_eq!(issued_by_amazon_trust_services(region), amazon, "{region}");
        }
    }

    #[test]
    fn outside_lambda_or_without_a_region_or_credentials_the_default_chain_runs() {
        let without =
            |name: &str| -> Vec<(&str, &str)> { LAMBDA.iter().copied().filter(|(k, _)| *k != name).collect() };
        for missing in ["AWS_LAMBDA_FUNCTION_NAME", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] {
            assert!(lambda_sdk_config(environment(&without(missing))).is_none(), "without {missing}");
        }
        let mut empty_key = without("AWS_ACCESS_KEY_ID");
        empty_key.push(("AWS_ACCESS_KEY_ID", ""));
        assert!(lambda_sdk_config(environment(&empty_key)).is_none());
        let mut default_region = without("AWS_REGION");
        default_region.push(("AWS_DEFAULT_REGION", "us-east-1"));
        let config = lambda_sdk_config(environment(&default_region)).unwrap();
        assert_eq!(config.region().map(|r| r.as_ref()), Some("us-east-1"));
        for setting in
            [("AWS_MAX_ATTEMPTS", "5"), ("AWS_USE_FIPS_ENDPOINT", "true"), ("AWS_ENDPOINT_URL_SQS", "http://x")]
        {
            let mut with_setting = LAMBDA.to_vec();
            with_setting.push(setting);
            assert!(lambda_sdk_config(environment(&with_setting)).is_none(), "{setting:?} needs the default loader");
        }
    }
}
