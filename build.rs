//! Rebuilds the crate when a message catalogue (`i18n/<lang>/*.ftl`) is added, changed or removed:
//! `fluent_templates::static_loader!` embeds the files it found when it was expanded.

fn main() {
    println!("cargo:rerun-if-changed=i18n");
}
