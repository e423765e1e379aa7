//! The crate graph is the layer order (docs/architecture.md): read from `cargo metadata`, every dependency
//! between the workspace's crates must point down a layer, the core stays free of a runtime and the core and
//! the store of AWS and network clients, and the Lambda binaries must not carry the in-memory backend. A new
//! crate must be placed here too.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;

/// Each workspace crate's layer: a crate may depend only on crates of lower layers, except where `SIDEWAYS`
/// says otherwise.
const LAYERS: &[(&str, u8)] = &[
    ("proxy-core", 0),
    ("store", 1),
    ("adapters", 1),
    ("platform", 2),
    ("api", 2),
    ("cache", 3),
    ("pricing", 4),
    ("queues", 4),
    ("monitoring", 5),
    ("orders", 5),
    ("realtime", 5),
    ("inventory", 6),
    ("analytics", 7),
    ("dashboards", 8),
    ("shared", 9),
    ("functions", 10),
    ("local-server", 10),
    ("integration-tests", 11),
    ("bench", 11),
];

/// The domain, the repositories and the contexts: every crate below the Lambda edge (and the adapters).
const BELOW_THE_EDGE: [&str; 13] = [
    "proxy-core",
    "store",
    "api",
    "platform",
    "cache",
    "pricing",
    "queues",
    "monitoring",
    "orders",
    "realtime",
    "inventory",
    "analytics",
    "dashboards",
];

/// Same-layer edges that are allowed: the benchmarks reuse the integration tests' fixtures and harness.
const SIDEWAYS: &[(&str, &str)] = &[("bench", "integration-tests")];

/// External crates the core, the store and the contexts must not depend on: the domain, the key design and the
/// business rules stay plain Rust, testable without a network client or the SDK (the world is reached through
/// the ports, which the adapters implement).
const NO_SDK_OR_NETWORK_CLIENT: &[&str] = &[
    "aws-config",
    "aws-sdk-dynamodb",
    "aws-sdk-sqs",
    "aws-sdk-lambda",
    "lambda_http",
    "lambda_runtime",
    "hyper",
    "redis",
];

struct Dependency {
    name: String,
    kind: String,
    features: Vec<String>,
}

/// The workspace's crates and their declared dependencies, read once for all the tests here.
fn workspace_crates() -> &'static BTreeMap<String, Vec<Dependency>> {
    static CRATES: std::sync::OnceLock<BTreeMap<String, Vec<Dependency>>> = std::sync::OnceLock::new();
    CRATES.get_or_init(read_workspace_crates)
}

fn read_workspace_crates() -> BTreeMap<String, Vec<Dependency>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let output = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline"])
        .current_dir(&root)
        .output()
        .expect("run cargo metadata");
    assert!(output.status.success(), "cargo metadata failed: {}", String::from_utf8_lossy(&output.stderr));
    let metadata: Value = serde_json::from_slice(&output.stdout).expect("cargo metadata's JSON");
    let packages = metadata["packages"].as_array().expect("packages");
    packages
        .iter()
        .map(|package| {
            let dependencies = package["dependencies"]
                .as_array()
                .expect("dependencies")
                .iter()
                .map(|d| Dependency {
                    name: d["name"].as_str().unwrap_or_default().to_owned(),
                    kind: d["kind"].as_str().unwrap_or("normal").to_owned(),
                    features: d["features"]
                        .as_array()
                        .map(|f| f.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                        .unwrap_or_default(),
                })
                .collect();
            (package["name"].as_str().expect("package name").to_owned(), dependencies)
        })
        .collect()
}

fn layer(name: &str) -> Option<u8> {
    LAYERS.iter().find(|(crate_name, _)| *crate_name == name).map(|(_, layer)| *layer)
}

#[test]
fn every_workspace_crate_has_a_layer_and_every_edge_points_down() {
    let crates = workspace_crates();
    let unplaced: Vec<&String> = crates.keys().filter(|name| layer(name).is_none()).collect();
    assert!(unplaced.is_empty(), "place these crates in LAYERS (and docs/architecture.md): {unplaced:?}");
    let mut upward = Vec::new();
    for (name, dependencies) in crates {
        for dependency in dependencies.iter().filter(|d| crates.contains_key(&d.name)) {
            let (from, to) = (layer(name).unwrap(), layer(&dependency.name).unwrap());
            let sideways = SIDEWAYS.contains(&(name.as_str(), dependency.name.as_str()));
            if to >= from && !sideways {
                upward.push(format!("{name} (layer {from}) -> {} (layer {to}, {})", dependency.name, dependency.kind));
            }
        }
    }
    assert!(upward.is_empty(), "dependencies that do not point down the layers: {upward:#?}");
}

/// The contexts know the platform below them and the contexts they use, never the edge (`shared`), the
/// adapters or the composition root: a context that needs something of the world asks for a capability.
#[test]
fn the_contexts_depend_on_no_adapter_and_no_edge() {
    let crates = workspace_crates();
    // Every crate below the edge but the core and the store, whose dependencies the next test names exactly.
    for name in BELOW_THE_EDGE.into_iter().filter(|name| !["proxy-core", "store"].contains(name)) {
        let reaching: Vec<&String> = crates[name]
            .iter()
            .filter(|d| d.kind == "normal" && ["shared", "adapters"].contains(&d.name.as_str()))
            .map(|d| &d.name)
            .collect();
        assert!(reaching.is_empty(), "{name} depends on {reaching:?}");
    }
}

#[test]
fn the_core_depends_on_no_workspace_crate_and_store_and_adapters_only_on_the_core() {
    let crates = workspace_crates();
    let workspace_dependencies = |name: &str| -> BTreeSet<String> {
        crates[name].iter().filter(|d| crates.contains_key(&d.name)).map(|d| d.name.clone()).collect()
    };
    assert_eq!(workspace_dependencies("proxy-core"), BTreeSet::new());
    assert_eq!(workspace_dependencies("store"), BTreeSet::from(["proxy-core".to_owned()]));
    assert_eq!(workspace_dependencies("adapters"), BTreeSet::from(["proxy-core".to_owned()]));
}

#[test]
fn the_core_links_no_runtime_and_neither_it_nor_the_store_nor_a_context_a_network_client_or_sdk() {
    let crates = workspace_crates();
    for name in BELOW_THE_EDGE {
        let forbidden: Vec<&String> = crates[name]
            .iter()
            .filter(|d| d.kind == "normal" && NO_SDK_OR_NETWORK_CLIENT.contains(&d.name.as_str()))
            .map(|d| &d.name)
            .collect();
        assert!(forbidden.is_empty(), "{name} depends on {forbidden:?}");
    }
    // The store sleeps between retries of a colliding transaction (tokio's timer); the core needs nothing.
    let core_tokio = crates["proxy-core"].iter().any(|d| d.kind == "normal" && d.name == "tokio");
    assert!(!core_tokio, "proxy-core must not need a runtime");
}

/// What `sam build` resolves: it runs `cargo lambda build --bin <function>` at the workspace root, where Cargo
/// unifies the features of every selected member. Only the default members are selected there, and they must
/// not switch on the in-memory backend or provisioning.
#[test]
fn a_build_at_the_root_as_sam_runs_it_leaves_the_dev_features_off() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let output = Command::new(env!("CARGO"))
        .args(["tree", "--offline", "--edges", "features", "--invert", "adapters", "--prefix", "none"])
        .current_dir(&root)
        .output()
        .expect("run cargo tree");
    assert!(output.status.success(), "cargo tree failed: {}", String::from_utf8_lossy(&output.stderr));
    let tree = String::from_utf8_lossy(&output.stdout);
    assert!(tree.contains("adapters feature \"default\""), "the functions link the adapters: {tree}");
    for dev_only in ["memory", "provision"] {
        assert!(
            !tree.contains(&format!("adapters feature \"{dev_only}\"")),
            "{dev_only} is on in a root build: {tree}"
        );
    }
    // Nor the OpenAPI document's schemas (the `openapi` features): schemars is not in the functions' tree.
    let output = Command::new(env!("CARGO"))
        .args(["tree", "--offline", "--edges", "normal", "--prefix", "none"])
        .current_dir(&root)
        .output()
        .expect("run cargo tree");
    assert!(output.status.success(), "cargo tree failed: {}", String::from_utf8_lossy(&output.stderr));
    let tree = String::from_utf8_lossy(&output.stdout);
    assert!(tree.lines().any(|l| l.starts_with("serde_json ")), "the functions' tree is listed: {tree}");
    assert!(!tree.lines().any(|l| l.starts_with("schemars")), "schemars is in a root build: {tree}");
}

#[test]
fn lambda_binaries_carry_neither_the_in_memory_backend_nor_provisioning() {
    let crates = workspace_crates();
    for dependency in crates["functions"].iter().filter(|d| d.kind == "normal") {
        let dev_only: Vec<&String> = dependency
            .features
            .iter()
            .filter(|f| ["memory", "provision", "openapi"].iter().any(|d| f.contains(d)))
            .collect();
        assert!(dev_only.is_empty(), "functions enables {dev_only:?} of {}", dependency.name);
        assert_ne!(dependency.name, "integration-tests", "a test harness in a Lambda binary");
    }
    // The crates below the edge enable the in-memory adapters for their own tests only.
    for name in BELOW_THE_EDGE.iter().copied().chain(["shared"]) {
        let in_normal: Vec<&String> = crates[name]
            .iter()
            .filter(|d| d.kind == "normal")
            .flat_map(|d| d.features.iter())
            .filter(|f| f.contains("memory"))
            .collect();
        assert!(in_normal.is_empty(), "{name} enables {in_normal:?} outside its tests");
    }
}
