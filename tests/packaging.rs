//! The conventions a user expects of a published tool (#19): licences, citation, changelog,
//! package metadata. Each is checked against Cargo.toml so they cannot drift apart.

use std::path::Path;

fn read(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Cargo.toml says MIT OR Apache-2.0; both texts ship, and so does the licence of the font the
/// binary embeds (the Bitstream Vera licence requires its notice to travel with the font).
#[test]
fn the_licences_ship_with_the_code() {
    assert!(read("Cargo.toml").contains("license = \"MIT OR Apache-2.0\""));
    assert!(read("LICENSE-MIT").contains("Permission is hereby granted"));
    assert!(read("LICENSE-APACHE").contains("Apache License"));
    assert!(read("LICENSES/DejaVu-fonts.txt").contains("Bitstream Vera"));
    let readme = read("README.md");
    for f in [
        "LICENSE-MIT",
        "LICENSE-APACHE",
        "LICENSES/DejaVu-fonts.txt",
        "CITATION.cff",
    ] {
        assert!(readme.contains(f), "README.md does not name {f}");
    }
}

/// CITATION.cff and CHANGELOG.md name the version Cargo.toml builds.
#[test]
fn the_citation_and_changelog_follow_the_version() {
    let version = env!("CARGO_PKG_VERSION");
    let cff = read("CITATION.cff");
    assert!(cff.starts_with("cff-version: 1.2.0"), "{cff}");
    assert!(
        cff.contains(&format!("version: \"{version}\"")),
        "CITATION.cff is not at {version}"
    );
    assert!(cff.contains("license: \"MIT OR Apache-2.0\""));
    assert!(read("CHANGELOG.md").contains(&format!("## [{version}]")));
}

/// The install line builds with the locked versions.
#[test]
fn the_readme_installs_with_the_lock_file() {
    let readme = read("README.md");
    assert!(
        readme.contains("cargo install --locked --path ."),
        "README.md install line"
    );
    assert!(!readme.contains("cargo install --path ."));
}
