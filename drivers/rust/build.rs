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
    println!(
        "cargo:rustc-env=COPILOT_SDK_SOURCE={}",
        source.unwrap_or("path")
    );
}
