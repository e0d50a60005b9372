//! The repositories a `history` run audits, resolved from its options into
//! local directories: `--repo DIR`, `--repos-under DIR`, and `--repo URL`,
//! each URL mirror-cloned ([`sources::clone`]) into a temporary directory
//! (removed when the run ends) or into `--clone-dir`, where the next run
//! fetches into it instead.
//!
//! `--github-org`, `--github-user` and `--gitlab-group` add the
//! repositories a forge lists ([`forges`]); `--shard I/N` keeps a stable
//! part of all of them ([`Shard`]).
//!
//! A URL that cannot be cloned (or an organisation that cannot be listed, or
//! a repository whose listing antleak refuses) is not fatal: it is recorded as not scanned
//! (`repositories`, with git's reason) and the others are audited; the run
//! is then incomplete. A URL antleak refuses to hand to git (see
//! [`RemoteUrl::parse`]) is a usage error. Credentials in a URL never
//! appear in what is printed or reported: each repository is named by its
//! URL without them.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use std::time::Duration;

use super::args::TargetArgs;
use crate::core::remote_url::{self, RemoteUrl};
use crate::core::shard::Shard;
use crate::online::base_url::BaseUrl;
use crate::online::forges::{self, Owner};
use crate::sources::{self, Stats, clone::GitConfig};

/// One repository to audit.
pub struct Target {
    /// Its directory; `None`: the one git would use (`GIT_DIR`, or the one
    /// holding the current directory).
    pub dir: Option<PathBuf>,
    /// The `root` its findings carry: set only when a run audits several.
    pub label: Option<String>,
    /// A clone of a URL: its directory is antleak's, not the user's.
    pub remote: bool,
}

pub struct Resolved {
    pub targets: Vec<Target>,
    /// The report's top-level `root`: the one repository named, if one was.
    pub root: Option<String>,
    /// Where the clones live while the run needs them.
    _temporary: Option<tempfile::TempDir>,
}

/// A repository as the options name it, before any clone, with the name
/// `--shard` sorts it by.
pub enum Named {
    Dir {
        dir: PathBuf,
        key: String,
    },
    Url {
        url: RemoteUrl,
        config: GitConfig,
        key: String,
    },
}

impl Named {
    fn key(&self) -> &str {
        match self {
            Named::Dir { key, .. } | Named::Url { key, .. } => key,
        }
    }
}

pub fn resolve(args: &TargetArgs, quiet: bool, stats: &Stats) -> Result<Resolved> {
    let shard = args
        .shard
        .as_deref()
        .map(Shard::parse)
        .transpose()
        .map_err(|why| anyhow::anyhow!(why))?;
    let owners = owners(args);
    let requested = !args.repo.is_empty() || args.repos_under.is_some() || !owners.is_empty();
    let mut named = Vec::new();
    for value in &args.repo {
        named.push(classify(value)?);
    }
    if let Some(folder) = &args.repos_under {
        named.extend(
            sources::repos::find_under(folder, stats)?
                .into_iter()
                .map(|dir| Named::Dir {
                    key: dir.to_string_lossy().into_owned(),
                    dir,
                }),
        );
    }
    if !owners.is_empty() {
        let options = forge_options(args)?;
        for owner in &owners {
            if !quiet {
                crate::messages::print_note(format_args!("listing {}", owner.describe()));
            }
            match forges::list(owner, &options) {
                Ok(listing) => {
                    // Shard by name too, so that the shards' reports add up
                    // to the whole run's.
                    for (key, item, why) in listing.refused {
                        if shard.is_none_or(|s| s.holds(&key)) {
                            stats.not_scanned("repositories", &item, &why, &why);
                        }
                    }
                    named.extend(listing.repos.into_iter().map(|r| Named::Url {
                        url: r.url,
                        config: r.git_config,
                        key: r.name,
                    }));
                }
                Err(why) => stats.not_scanned(
                    "organisations",
                    &owner.describe(),
                    "could not be listed",
                    why,
                ),
            }
        }
    }
    if let Some(shard) = shard {
        named.retain(|n| shard.holds(n.key()));
    }
    clone_all(named, requested, args.clone_dir.as_deref(), quiet, stats)
}

fn owners(args: &TargetArgs) -> Vec<Owner> {
    let mut owners: Vec<Owner> = args
        .github_org
        .iter()
        .cloned()
        .map(Owner::GithubOrg)
        .collect();
    owners.extend(args.github_user.iter().cloned().map(Owner::GithubUser));
    owners.extend(args.gitlab_group.iter().cloned().map(Owner::GitlabGroup));
    owners
}

/// Where the forges' APIs are, with the rules of every base URL (https, or
/// http to loopback only), and their tokens, from the environment only.
fn forge_options(args: &TargetArgs) -> Result<forges::Options> {
    let token = |name: &str| std::env::var(name).ok().filter(|t| !t.trim().is_empty());
    Ok(forges::Options {
        github_api: BaseUrl::parse(&args.github_api_url, "--github-api-url")?,
        gitlab_api: BaseUrl::parse(&args.gitlab_api_url, "--gitlab-api-url")?,
        github_token: token(forges::GITHUB_TOKEN_ENV),
        gitlab_token: token(forges::GITLAB_TOKEN_ENV),
        include_forks: args.include_forks,
        include_archived: args.include_archived,
        timeout: Duration::from_secs(30),
    })
}

/// A `--repo` value: a directory that exists is a directory, whatever its
/// name looks like; otherwise a text written as a URL is one.
fn classify(value: &Path) -> Result<Named> {
    let key = value.to_string_lossy().into_owned();
    let Some(text) = value.to_str() else {
        return Ok(Named::Dir {
            dir: value.to_path_buf(),
            key,
        });
    };
    if value.exists() || !remote_url::looks_like_url(text) {
        return Ok(Named::Dir {
            dir: value.to_path_buf(),
            key,
        });
    }
    let url = RemoteUrl::parse(text).map_err(|why| anyhow::anyhow!("--repo {why}"))?;
    Ok(Named::Url {
        key: url.url.clone(),
        url,
        config: GitConfig::new(),
    })
}

/// Clones the URLs among `named` and returns every repository to audit,
/// with labels when there are several; none named and none `requested`:
/// the repository git would use.
pub fn clone_all(
    named: Vec<Named>,
    requested: bool,
    clone_dir: Option<&Path>,
    quiet: bool,
    stats: &Stats,
) -> Result<Resolved> {
    let several = named.len() > 1;
    let root = match &named[..] {
        [Named::Dir { dir, .. }] => Some(dir.to_string_lossy().into_owned()),
        [Named::Url { url, .. }] => Some(url.url.clone()),
        _ => None,
    };
    let needs_clones = named.iter().any(|n| matches!(n, Named::Url { .. }));
    let temporary = match (needs_clones, clone_dir) {
        (true, None) => Some(
            tempfile::Builder::new()
                .prefix("antleak-clones-")
                .tempdir()
                .context("creating a temporary directory for the clones")?,
        ),
        _ => None,
    };
    let clone_dir = match clone_dir {
        Some(dir) if needs_clones => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("--clone-dir {}: creating", dir.display()))?;
            Some(
                dir.canonicalize()
                    .with_context(|| format!("--clone-dir {}", dir.display()))?,
            )
        }
        _ => None,
    };
    let mut targets = Vec::new();
    if named.is_empty() && !requested {
        targets.push(Target {
            dir: None,
            label: None,
            remote: false,
        });
    }
    let base = clone_dir
        .as_deref()
        .or(temporary.as_ref().map(|t| t.path()))
        .unwrap_or(Path::new("."));
    // Mirroring is mostly waiting on the network: a few at a time, results
    // in the order the repositories were named.
    let cloned = clone_each(&named, base, quiet);
    for (item, cloned) in named.into_iter().zip(cloned) {
        match (item, cloned) {
            (Named::Dir { dir, .. }, _) => targets.push(Target {
                label: several.then(|| dir.to_string_lossy().into_owned()),
                dir: Some(dir),
                remote: false,
            }),
            (Named::Url { url, .. }, Ok(dir)) => targets.push(Target {
                dir: Some(dir),
                label: several.then(|| url.url.clone()),
                remote: true,
            }),
            (Named::Url { url, .. }, Err(why)) => stats.not_scanned(
                "repositories",
                &url.url,
                "could not be cloned or fetched",
                why,
            ),
        }
    }
    Ok(Resolved {
        targets,
        root,
        _temporary: temporary,
    })
}

/// Clones running at once: enough to overlap the network waits of a large
/// organisation, few enough not to look like abuse to the forge.
const CLONES_AT_ONCE: usize = 4;

/// Mirrors each URL of `named` under `base`, [`CLONES_AT_ONCE`] at a time:
/// for each item, the directory to audit (a named one as it is), or why a
/// URL's mirror could not be made.
fn clone_each(named: &[Named], base: &Path, quiet: bool) -> Vec<Result<PathBuf, String>> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let done = std::sync::Mutex::new(Vec::with_capacity(named.len()));
    std::thread::scope(|scope| {
        for _ in 0..CLONES_AT_ONCE.min(named.len()) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(item) = named.get(i) else { break };
                    let result = match item {
                        Named::Dir { dir, .. } => Ok(dir.clone()),
                        Named::Url { url, config, .. } => {
                            if !quiet {
                                crate::messages::print_note(format_args!("mirroring {}", url.url));
                            }
                            let dir = base.join(mirror_name(url));
                            sources::clone::mirror(url, &dir, config).map(|()| dir)
                        }
                    };
                    crate::core::sync::lock(&done).push((i, result));
                }
            });
        }
    });
    let mut done = done
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, result)| result).collect()
}

/// The directory name of a URL's mirror: host and path, one safe word
/// (`github.com_org_app.git`), never `..` or a hidden name.
fn mirror_name(url: &RemoteUrl) -> String {
    let rest = url
        .url
        .split_once("://")
        .map_or(url.url.as_str(), |(_, r)| r);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    let mut name: String = rest
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    name = name
        .trim_start_matches(['.', '_'])
        .trim_end_matches('_')
        .to_string();
    if name.is_empty() {
        name = "repository".to_string();
    }
    if !name.ends_with(".git") {
        name.push_str(".git");
    }
    name
}
