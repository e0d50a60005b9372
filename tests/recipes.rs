//! The organisation-audit recipes of `docs/recipes/` (a GitHub Actions
//! matrix, GitLab `parallel:`, a Kubernetes Indexed Job) are copied as they
//! are: every antleak option they use must exist, and each must shard and
//! merge. (`.ci/run` validates them against their platforms' schemas.)

use std::path::Path;

use crate::util::*;

#[test]
fn every_recipe_uses_options_antleak_has_and_shards() {
    let sb = Sandbox::new();
    let help = format!(
        "{}{}",
        sb.antleak(&["history", "--help"]).stdout,
        sb.antleak(&["merge", "--help"]).stdout
    );
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/recipes");
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let mut recipes = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        recipes += 1;
        assert!(
            readme.contains(&format!("docs/recipes/{name}")),
            "README does not link {name}"
        );
        assert!(
            text.contains("--shard") && text.contains("antleak history"),
            "{name}"
        );
        for (i, _) in text.match_indices("--") {
            let option: String = text[i..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            // cargo install's own options.
            if option.len() <= 2 || ["--locked", "--git"].contains(&option.as_str()) {
                continue;
            }
            assert!(
                help.contains(&format!("{option} ")) || help.contains(&format!("{option}\n")),
                "{name}: antleak has no {option}"
            );
        }
    }
    assert_eq!(recipes, 3);
}
