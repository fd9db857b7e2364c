// A build script reports failure by panicking: expect is the right tool here.
#![allow(clippy::expect_used)]
//! Compiles every `rules/*.md` page into the binary, so `poollint explain` and SARIF
//! help text need no files at run time.
use std::fs;
use std::path::Path;

fn main() {
    let dir = Path::new("rules");
    println!("cargo:rerun-if-changed=rules");
    let mut pages: Vec<String> = fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "md"))
                .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
                .collect()
        })
        .unwrap_or_default();
    pages.sort();
    let mut out = String::from("pub static PAGES: &[(&str, &str)] = &[\n");
    for name in &pages {
        let path = fs::canonicalize(dir.join(format!("{name}.md"))).expect("rule page path");
        println!("cargo:rerun-if-changed={}", path.display());
        out.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            path.display().to_string()
        ));
    }
    out.push_str("];\n");
    let target = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("rule_pages.rs");
    fs::write(target, out).expect("write rule_pages.rs");
}
