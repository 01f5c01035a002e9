//! Tells the driver which github-copilot-sdk it is built against: the
//! version Cargo resolved, read from Cargo.lock (a registry release, another
//! published version, or a local checkout given as a path dependency).

use std::{env, fs, path::Path};

const SDK_CRATE: &str = "github-copilot-sdk";

fn main() {
    let lock = Path::new(&env::var("CARGO_MANIFEST_DIR").unwrap()).join("Cargo.lock");
    println!("cargo:rerun-if-changed={}", lock.display());
    let text =
        fs::read_to_string(&lock).unwrap_or_else(|e| panic!("reading {}: {e}", lock.display()));
    // Cargo.lock is a list of [[package]] tables whose first keys are name
    // and version; a path dependency's entry has no `source`.
    let (version, source) = text
        .split("[[package]]")
        .find_map(|entry| {
            let field = |key: &str| {
                entry.lines().find_map(|l| {
                    l.strip_prefix(key)?
                        .trim()
                        .strip_prefix("= \"")?
                        .strip_suffix('"')
                })
            };
            (field("name ") == Some(SDK_CRATE)).then(|| (field("version "), field("source ")))
        })
        .unwrap_or_else(|| panic!("{SDK_CRATE} is not in {}", lock.display()));
    let version =
        version.unwrap_or_else(|| panic!("{SDK_CRATE} has no version in {}", lock.display()));
    println!("cargo:rustc-env=COPILOT_SDK_VERSION={version}");
    // Contract generation 1 (`get_bearer_token`) is the SDK up to 1.0.4;
    // 1.0.5 renamed it `bearer_token_provider` and added the session id. A
    // placeholder version (a checkout's 0.0.0-dev) is taken for the newest.
    println!("cargo::rustc-check-cfg=cfg(copilot_sdk_gen1)");
    if is_generation_1(version) {
        println!("cargo:rustc-cfg=copilot_sdk_gen1");
    }
    println!(
        "cargo:rustc-env=COPILOT_SDK_SOURCE={}",
        source.unwrap_or("path")
    );
}

/// Whether an SDK version is of contract generation 1: a release up to
/// 1.0.4, its pre-releases included (a 1.0.5 pre-release is taken for 1.0.5).
fn is_generation_1(version: &str) -> bool {
    let release = version.split(['-', '+']).next().unwrap_or(version);
    let parts: Vec<u64> = release.split('.').map(|p| p.parse().unwrap_or(0)).collect();
    let (major, minor, patch) = (
        parts[0],
        *parts.get(1).unwrap_or(&0),
        *parts.get(2).unwrap_or(&0),
    );
    (major, minor, patch) != (0, 0, 0) && (major, minor, patch) <= (1, 0, 4)
}
