//! Whether a credential ships to the browser: the value of a variable that a
//! web framework inlines into the client bundle, or a file of a built browser
//! bundle. Such a key is readable by anyone who loads the page, whoever can
//! read the repository, so it is critical whatever else is true. Pure: a path
//! and the bytes of a line in, a verdict out.

/// Why a credential is exposed to browsers (JSON and SARIF: `"exposure":
/// "browser"`; the human report and the runbook name the reason).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Exposure {
    /// The key is the value of this variable, which the framework its
    /// prefix belongs to ships to the client (`NEXT_PUBLIC_ANTHROPIC_KEY`).
    PublicVariable(String),
    /// The key sits in a file of a built browser bundle.
    Bundle,
}

impl Exposure {
    /// The value of `exposure` in JSON and SARIF.
    pub fn as_str(&self) -> &'static str {
        "browser"
    }

    /// What the human report and the runbook say about it.
    pub fn reason(&self) -> String {
        match self {
            Exposure::PublicVariable(name) => format!(
                "it is the value of {name}, a variable the framework inlines into the code it \
                 sends to the browser"
            ),
            Exposure::Bundle => "it is in a built browser bundle".to_string(),
        }
    }

    /// The reason in a few words, for a heading or a location.
    pub fn short(&self) -> String {
        match self {
            Exposure::PublicVariable(name) => format!("{name} ships to the client"),
            Exposure::Bundle => "in a built browser bundle".to_string(),
        }
    }
}

/// Prefixes of the variables web frameworks ship to the client: Next.js,
/// Vite, Create React App, Expo, Nuxt, SvelteKit (`$env/static/public`),
/// Gatsby. Case-sensitive, as environment variable names are.
pub const PUBLIC_PREFIXES: &[&str] = &[
    "NEXT_PUBLIC_",
    "VITE_",
    "REACT_APP_",
    "EXPO_PUBLIC_",
    "NUXT_PUBLIC_",
    "PUBLIC_",
    "GATSBY_",
];

/// How far before a key, on its own line, a public variable is looked for:
/// 64 bytes. Enough for `NEXT_PUBLIC_ANTHROPIC_API_KEY=`, `"VITE_ANTHROPIC_KEY":
/// "`, `export EXPO_PUBLIC_CLAUDE_KEY='` and
/// `process.env.REACT_APP_ANTHROPIC_KEY || "`; short enough that a public
/// variable earlier on a long line (another statement of a minified file)
/// does not make an unrelated key look public.
pub const LOOKBACK: usize = 64;

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The public variable whose value the key that follows `before` is:
/// `before` holds the bytes of the key's line up to the key. The nearest
/// identifier within [`LOOKBACK`] bytes that starts (at a word boundary) with
/// one of [`PUBLIC_PREFIXES`] and is longer than the prefix.
pub fn public_variable(before: &[u8]) -> Option<String> {
    let from = before.len().saturating_sub(LOOKBACK);
    let mut end = before.len();
    while end > from {
        if !is_ident_byte(before[end - 1]) {
            end -= 1;
            continue;
        }
        let mut start = end;
        while start > 0 && is_ident_byte(before[start - 1]) {
            start -= 1;
        }
        // A word cut by the window is looked at whole: where it starts is
        // what decides its prefix.
        let word = &before[start..end];
        let public = PUBLIC_PREFIXES
            .iter()
            .any(|p| word.len() > p.len() && word.starts_with(p.as_bytes()));
        if public {
            return Some(String::from_utf8_lossy(word).into_owned());
        }
        end = start;
    }
    None
}

/// Folders of built browser bundles, matched at a folder boundary anywhere
/// in a `/`-separated path: Next.js (`.next/static/`, `out/_next/` of `next
/// export`), Vite (`dist/assets/`), Create React App (`build/static/js/`),
/// Nuxt (`.output/public/`), SvelteKit (`.svelte-kit/output/client/`).
pub const BUNDLE_DIRS: &[&str] = &[
    ".next/static/",
    "dist/assets/",
    "build/static/js/",
    "out/_next/",
    ".output/public/",
    ".svelte-kit/output/client/",
];

/// File name endings of webpack and Parcel bundles.
pub const BUNDLE_SUFFIXES: &[&str] = &[".chunk.js", ".bundle.js", ".chunk.mjs", ".bundle.mjs"];

/// Whether `path` (`/`-separated) is a file of a built browser bundle.
pub fn is_bundle_path(path: &str) -> bool {
    let in_dir = BUNDLE_DIRS.iter().any(|dir| {
        path.match_indices(dir)
            .any(|(i, _)| i == 0 || path.as_bytes()[i - 1] == b'/')
    });
    let name = path.rsplit('/').next().unwrap_or(path);
    in_dir
        || BUNDLE_SUFFIXES
            .iter()
            .any(|s| name.len() > s.len() && name.ends_with(s))
}

/// A credential at `path` whose line names `public_variable` before it
/// (see [`public_variable`]): exposed to browsers, or not.
pub fn of(path: &str, public_variable: Option<&str>) -> Option<Exposure> {
    match public_variable {
        Some(name) => Some(Exposure::PublicVariable(name.to_string())),
        None if is_bundle_path(path) => Some(Exposure::Bundle),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_variables_before_the_key() {
        let cases: &[(&str, Option<&str>)] = &[
            (
                "NEXT_PUBLIC_ANTHROPIC_API_KEY=",
                Some("NEXT_PUBLIC_ANTHROPIC_API_KEY"),
            ),
            ("  VITE_ANTHROPIC_KEY: \"", Some("VITE_ANTHROPIC_KEY")),
            (
                "const k = process.env.REACT_APP_X || \"",
                Some("REACT_APP_X"),
            ),
            ("export EXPO_PUBLIC_KEY='", Some("EXPO_PUBLIC_KEY")),
            ("\"NUXT_PUBLIC_CLAUDE\": \"", Some("NUXT_PUBLIC_CLAUDE")),
            ("PUBLIC_ANTHROPIC_KEY=", Some("PUBLIC_ANTHROPIC_KEY")),
            ("GATSBY_KEY=", Some("GATSBY_KEY")),
            ("ANTHROPIC_API_KEY=", None),
            // Not at a word boundary, or only the prefix.
            ("RSA_PUBLIC_KEY=", None),
            ("MY_VITE_KEY=", None),
            ("VITE_=", None),
            ("vite_key=", None),
        ];
        for (before, expected) in cases {
            assert_eq!(
                public_variable(before.as_bytes()).as_deref(),
                *expected,
                "{before}"
            );
        }
    }

    #[test]
    fn a_public_variable_farther_than_the_lookback_does_not_count() {
        let far = format!("VITE_URL=x;{}key=\"", " ".repeat(LOOKBACK));
        assert_eq!(public_variable(far.as_bytes()), None);
    }

    #[test]
    fn bundle_paths() {
        for path in [
            ".next/static/chunks/app.js",
            "apps/web/.next/static/chunks/pages/index.js",
            "dist/assets/index-3f2a.js",
            "build/static/js/main.8e1c.js",
            "out/_next/static/chunks/x.js",
            ".output/public/_nuxt/entry.js",
            "vendor.chunk.js",
            "public/js/app.bundle.js",
        ] {
            assert!(is_bundle_path(path), "{path}");
        }
        for path in [
            "src/app.js",
            "server/.env",
            ".next/server/app.js",
            "mydist/assets/x.js",
            "dist/server.js",
            ".chunk.js",
        ] {
            assert!(!is_bundle_path(path), "{path}");
        }
    }
}
