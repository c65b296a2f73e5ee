//! Architecture tidy test: the rings of ARCHITECTURE.md, checked from
//! `cargo metadata` so they cannot erode silently.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::collections::{BTreeSet, HashMap};
use std::process::Command;

use serde_json::Value;

/// Crates that do I/O or bring a runtime; pure crates must not reach them.
const IMPURE: [&str; 12] = [
    "tokio",
    "sqlx",
    "sqlx-core",
    "axum",
    "hyper",
    "object_store",
    "reqwest",
    "mio",
    "socket2",
    "tower",
    "libsqlite3-sys",
    "rustls",
];

const ADAPTERS: [&str; 4] = ["kontor-store", "kontor-blob", "kontor-http", "kontor-extract"];
const NOT_DOMAIN: [&str; 7] = [
    "kontor-app",
    "kontor-store",
    "kontor-blob",
    "kontor-http",
    "kontor-extract",
    "kontor",
    "kontor-e2e",
];

struct Graph {
    names: HashMap<String, String>,
    normal: HashMap<String, Vec<String>>,
    members: Vec<String>,
}

fn graph() -> Graph {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--manifest-path",
            concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.toml"),
        ])
        .output()
        .expect("run cargo metadata");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).expect("metadata json");
    let names: HashMap<String, String> = v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap().to_string(),
                p["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut normal = HashMap::new();
    for n in v["resolve"]["nodes"].as_array().unwrap() {
        let deps = n["deps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["dep_kinds"].as_array().unwrap().iter().any(|k| k["kind"].is_null()))
            .map(|d| d["pkg"].as_str().unwrap().to_string())
            .collect();
        normal.insert(n["id"].as_str().unwrap().to_string(), deps);
    }
    let members = v["workspace_members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap().to_string())
        .collect();
    Graph { names, normal, members }
}

impl Graph {
    fn id_of(&self, name: &str) -> String {
        self.members
            .iter()
            .find(|m| self.names[*m] == name)
            .unwrap_or_else(|| panic!("no workspace member {name}"))
            .clone()
    }

    /// Names of all crates `name` depends on at run time, transitively.
    fn closure(&self, name: &str) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![self.id_of(name)];
        while let Some(id) = stack.pop() {
            for d in self.normal.get(&id).into_iter().flatten() {
                if seen.insert(self.names[d].clone()) {
                    stack.push(d.clone());
                }
            }
        }
        seen
    }

    fn direct(&self, name: &str) -> BTreeSet<String> {
        self.normal[&self.id_of(name)]
            .iter()
            .map(|d| self.names[d].clone())
            .collect()
    }

    fn member_names(&self) -> Vec<String> {
        self.members.iter().map(|m| self.names[m].clone()).collect()
    }
}

#[test]
fn domain_crates_are_pure_and_independent() {
    let g = graph();
    let domain: Vec<String> = g
        .member_names()
        .into_iter()
        .filter(|n| !NOT_DOMAIN.contains(&n.as_str()))
        .collect();
    assert!(domain.contains(&"kontor-core".to_string()));
    for d in &domain {
        let deps = g.closure(d);
        for bad in IMPURE {
            assert!(
                !deps.contains(bad),
                "domain crate {d} must not depend on {bad} (through {deps:?})"
            );
        }
        for other in &domain {
            if other != d && other != "kontor-core" {
                assert!(
                    !deps.contains(other),
                    "domain crate {d} must not depend on domain crate {other}"
                );
            }
        }
        for outer in NOT_DOMAIN {
            assert!(!deps.contains(outer), "domain crate {d} must not depend on {outer}");
        }
    }
}

#[test]
fn application_layer_knows_no_database_web_or_storage_crate() {
    let g = graph();
    let deps = g.closure("kontor-app");
    for bad in IMPURE {
        assert!(!deps.contains(bad), "kontor-app must not depend on {bad}");
    }
    for a in ADAPTERS {
        assert!(!deps.contains(a), "kontor-app must not depend on adapter {a}");
    }
}

#[test]
fn adapters_do_not_depend_on_each_other_and_only_the_binary_wires_them() {
    let g = graph();
    for a in ADAPTERS {
        let deps = g.direct(a);
        for b in ADAPTERS {
            assert!(
                a == b || !deps.contains(b),
                "adapter {a} must not depend on adapter {b}"
            );
        }
        assert!(!deps.contains("kontor"), "{a} must not depend on the binary");
    }
    let bin = g.direct("kontor");
    for a in ADAPTERS {
        assert!(bin.contains(a), "the binary wires {a}");
    }
}
