//! `antleak audit`: what each leaked API key was used for since it leaked.
//!
//! For each leaked key matched to exactly one organization key (see
//! [`super::leaked`]), reads the Usage API (`GET
//! /v1/organizations/usage_report/messages`, daily buckets grouped by model,
//! every page) from the day it first leaked, and prints tokens by day and
//! model with an estimated cost ([`super::prices`]). Days from the leak on
//! are marked, so the owner can tell their own traffic from someone else's.
//!
//! What leaves the machine: the admin key (`ANTHROPIC_ADMIN_KEY`) and the
//! matched key ids and dates in the queries. Never a leaked key.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;
use serde::Serialize;

use super::admin::{Admin, ApiKey, UsageBucket};
use super::base_url::BaseUrl;
use super::leaked::{self, Found, LeakedKey};
use super::prices::PriceTable;
use crate::config::PriceEntry;
use crate::exit::Outcome;

/// How `audit` runs.
pub struct Options {
    /// `YYYY-MM-DD` to start from instead of each key's first leak.
    pub since: Option<String>,
    pub base: BaseUrl,
    pub timeout: Duration,
    pub json: bool,
    pub output: Option<PathBuf>,
}

/// The leaked keys to audit, and the `[prices]` of the config that applies.
pub type Leaked = (Vec<LeakedKey>, BTreeMap<String, PriceEntry>);

/// `leaked` reads the keys (a saved report, or a history scan) once the
/// arguments and the admin key have been checked.
pub fn run(args: &Options, leaked: impl FnOnce() -> Result<Leaked>) -> Result<Outcome> {
    let since = match &args.since {
        Some(text) => Some(
            day_of(text)
                .ok_or_else(|| anyhow::anyhow!("--since {text}: expected a date, YYYY-MM-DD"))?,
        ),
        None => None,
    };
    let admin = Admin::from_env(args.base.clone(), args.timeout)?;
    // Prices may come from the scanned repository's .antleak.toml: they
    // change an estimate, never where anything is sent.
    let (leaked, prices) = leaked()?;
    let prices = PriceTable::new(&prices);
    let org_keys = if leaked.iter().any(|k| leaked::is_org_api_key(k.rule)) {
        admin.list_api_keys()?
    } else {
        Vec::new()
    };
    let mut audits = Vec::with_capacity(leaked.len());
    for key in &leaked {
        audits.push(audit_one(&admin, &prices, key, &org_keys, since)?);
    }
    let needs_attention = audits.iter().any(KeyAudit::needs_attention);
    let base = admin.base().to_string();
    let render = |out: &mut dyn Write| match args.json {
        true => write_json(&audits, out),
        false => write_human(&audits, &base, out),
    };
    match &args.output {
        Some(path) => crate::report::write_file(path, render)?,
        None => {
            let stdout = io::stdout();
            let mut out = io::BufWriter::new(stdout.lock());
            render(&mut out)?;
            out.flush()?;
        }
    }
    Ok(if needs_attention {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

/// Where a day stands relative to the leak.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Mark {
    BeforeLeak,
    /// The leak happened that day: the day's usage may be on either side.
    LeakDay,
    AfterLeak,
}

#[derive(Debug, Serialize)]
struct Row {
    date: String,
    model: String,
    uncached_input_tokens: u64,
    cache_read_input_tokens: u64,
    cache_creation_input_tokens: u64,
    output_tokens: u64,
    /// `None` for a model the price table does not know.
    estimated_cost_usd: Option<f64>,
    mark: Mark,
}

#[derive(Debug)]
enum Audit {
    NotAnApiKey,
    NoMatch,
    Several(Vec<ApiKey>),
    NoLeakDate(ApiKey),
    Usage {
        key: ApiKey,
        since: String,
        rows: Vec<Row>,
    },
}

#[derive(Debug)]
struct KeyAudit {
    leaked: LeakedKey,
    audit: Audit,
}

impl KeyAudit {
    /// Usage since the leak, or a key that could not be audited.
    fn needs_attention(&self) -> bool {
        match &self.audit {
            Audit::Usage { rows, .. } => rows.iter().any(|r| r.mark != Mark::BeforeLeak),
            _ => true,
        }
    }
}

fn audit_one(
    admin: &Admin,
    prices: &PriceTable,
    key: &LeakedKey,
    org_keys: &[ApiKey],
    since: Option<&str>,
) -> Result<KeyAudit> {
    let audit = if !leaked::is_org_api_key(key.rule) {
        Audit::NotAnApiKey
    } else {
        match leaked::find(key, org_keys) {
            Found::None => Audit::NoMatch,
            Found::Several(keys) => Audit::Several(keys.into_iter().cloned().collect()),
            Found::One(found) => {
                let leak_day = key.first_leaked.as_deref().and_then(day_of);
                match since.or(leak_day) {
                    None => Audit::NoLeakDate(found.clone()),
                    Some(start) => {
                        let buckets =
                            admin.usage_by_day(&found.id, &format!("{start}T00:00:00Z"))?;
                        Audit::Usage {
                            key: found.clone(),
                            since: start.to_string(),
                            rows: rows(&buckets, prices, leak_day.unwrap_or(start)),
                        }
                    }
                }
            }
        }
    };
    Ok(KeyAudit {
        leaked: key.clone(),
        audit,
    })
}

/// One row per day and model with any tokens, in date order.
fn rows(buckets: &[UsageBucket], prices: &PriceTable, leak_day: &str) -> Vec<Row> {
    let mut rows: Vec<Row> = buckets
        .iter()
        .flat_map(|bucket| {
            let date = day_of(&bucket.starting_at)
                .unwrap_or(&bucket.starting_at)
                .to_string();
            bucket.results.iter().filter_map(move |r| {
                let cache = r.cache_creation.clone().unwrap_or_default();
                let cache_creation =
                    cache.ephemeral_5m_input_tokens + cache.ephemeral_1h_input_tokens;
                let total = r.uncached_input_tokens
                    + r.cache_read_input_tokens
                    + cache_creation
                    + r.output_tokens;
                if total == 0 {
                    return None;
                }
                let model = r.model.clone().unwrap_or_else(|| "(no model)".to_string());
                let mark = match date.as_str().cmp(leak_day) {
                    std::cmp::Ordering::Less => Mark::BeforeLeak,
                    std::cmp::Ordering::Equal => Mark::LeakDay,
                    std::cmp::Ordering::Greater => Mark::AfterLeak,
                };
                Some(Row {
                    date: date.clone(),
                    estimated_cost_usd: prices.lookup(&model).map(|p| p.cost(r)),
                    model,
                    uncached_input_tokens: r.uncached_input_tokens,
                    cache_read_input_tokens: r.cache_read_input_tokens,
                    cache_creation_input_tokens: cache_creation,
                    output_tokens: r.output_tokens,
                    mark,
                })
            })
        })
        .collect();
    rows.sort_by(|a, b| (&a.date, &a.model).cmp(&(&b.date, &b.model)));
    rows
}

/// `YYYY-MM-DD` at the start of an RFC 3339 date or a plain date.
fn day_of(text: &str) -> Option<&str> {
    let day = text.get(..10)?;
    let ok = day.bytes().enumerate().all(|(i, b)| match i {
        4 | 7 => b == b'-',
        _ => b.is_ascii_digit(),
    });
    let rest = &text[10..];
    (ok && (rest.is_empty() || rest.starts_with('T'))).then_some(day)
}

fn write_human(audits: &[KeyAudit], base: &str, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "antleak audit: usage of {} leaked credential{} since each leaked ({base}).",
        audits.len(),
        if audits.len() == 1 { "" } else { "s" }
    )?;
    let esc = crate::messages::escape_control;
    for a in audits {
        writeln!(out)?;
        writeln!(out, "{}  {}", a.leaked.redacted, a.leaked.rule)?;
        let hint = a.leaked.redacted.replace('…', "...");
        match &a.audit {
            Audit::NotAnApiKey => writeln!(
                out,
                "  not an API key: the Usage API reports API keys only; audit it by hand (see \
                 step 5 of its checklist in `antleak history`)."
            )?,
            Audit::NoMatch => writeln!(
                out,
                "  no key of this organization has the hint {hint}: nothing to audit here."
            )?,
            Audit::Several(keys) => {
                writeln!(
                    out,
                    "  {} keys of this organization have the hint {hint}; antleak does not \
                     guess which one leaked:",
                    keys.len()
                )?;
                for k in keys {
                    writeln!(out, "    {}", k.describe())?;
                }
            }
            Audit::NoLeakDate(key) => {
                writeln!(out, "  matches {}", key.describe())?;
                writeln!(
                    out,
                    "  its leak date is unknown (not from history): pass --since YYYY-MM-DD, or \
                     use a report of `antleak history`."
                )?;
            }
            Audit::Usage { key, since, rows } => {
                writeln!(out, "  matches {}", key.describe())?;
                match &a.leaked.first_leaked {
                    Some(date) => writeln!(out, "  first leaked {date}; usage since {since}:")?,
                    None => writeln!(out, "  usage since {since}:")?,
                }
                if rows.is_empty() {
                    writeln!(out, "    none.")?;
                    continue;
                }
                let width = rows.iter().map(|r| r.model.len()).max().unwrap_or(5).max(5);
                writeln!(
                    out,
                    "    {:<10}  {:<width$}  {:>12}  {:>12}  {:>12}  {:>12}  {:>10}",
                    "date", "model", "input", "cache read", "cache write", "output", "est. USD"
                )?;
                for r in rows {
                    writeln!(
                        out,
                        "    {:<10}  {:<width$}  {:>12}  {:>12}  {:>12}  {:>12}  {:>10}{}",
                        r.date,
                        esc(&r.model),
                        r.uncached_input_tokens,
                        r.cache_read_input_tokens,
                        r.cache_creation_input_tokens,
                        r.output_tokens,
                        r.estimated_cost_usd
                            .map(|c| format!("{c:.2}"))
                            .unwrap_or_else(|| "?".to_string()),
                        match r.mark {
                            Mark::BeforeLeak => "",
                            Mark::LeakDay => "  leak day",
                            Mark::AfterLeak => "  after the leak",
                        }
                    )?;
                }
                let cost: f64 = rows.iter().filter_map(|r| r.estimated_cost_usd).sum();
                let mut unpriced: Vec<&str> = rows
                    .iter()
                    .filter(|r| r.estimated_cost_usd.is_none())
                    .map(|r| r.model.as_str())
                    .collect();
                unpriced.dedup();
                writeln!(
                    out,
                    "  estimated cost: ${cost:.2} at list prices{}.",
                    if unpriced.is_empty() {
                        String::new()
                    } else {
                        format!(
                            ", not counting {} (no price: add [prices.\"MODEL\"] to .antleak.toml)",
                            esc(&unpriced.join(", "))
                        )
                    }
                )?;
                if rows.iter().any(|r| r.mark != Mark::BeforeLeak) {
                    writeln!(
                        out,
                        "  Calls on or after the leak day that you do not recognise were made by \
                         someone else with this key."
                    )?;
                }
            }
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct JsonAudit<'a> {
    schema_version: u32,
    tool: JsonTool,
    command: &'static str,
    keys: Vec<JsonKey<'a>>,
}

#[derive(Serialize)]
struct JsonTool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct JsonKey<'a> {
    secret_redacted: &'a str,
    fingerprint: &'a str,
    rule: crate::core::rules::RuleId,
    first_leaked: Option<&'a str>,
    /// `audited`, `not_an_api_key`, `no_match`, `several_matches`, `no_leak_date`.
    result: &'static str,
    api_key_ids: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    since: Option<&'a str>,
    days: &'a [Row],
    estimated_cost_usd: f64,
}

fn write_json(audits: &[KeyAudit], out: &mut dyn Write) -> io::Result<()> {
    let keys = audits
        .iter()
        .map(|a| {
            let (result, ids, since, days): (_, Vec<&str>, _, &[Row]) = match &a.audit {
                Audit::NotAnApiKey => ("not_an_api_key", vec![], None, &[]),
                Audit::NoMatch => ("no_match", vec![], None, &[]),
                Audit::Several(keys) => (
                    "several_matches",
                    keys.iter().map(|k| k.id.as_str()).collect(),
                    None,
                    &[],
                ),
                Audit::NoLeakDate(key) => ("no_leak_date", vec![key.id.as_str()], None, &[]),
                Audit::Usage { key, since, rows } => (
                    "audited",
                    vec![key.id.as_str()],
                    Some(since.as_str()),
                    rows.as_slice(),
                ),
            };
            JsonKey {
                secret_redacted: &a.leaked.redacted,
                fingerprint: &a.leaked.fingerprint,
                rule: a.leaked.rule,
                first_leaked: a.leaked.first_leaked.as_deref(),
                result,
                api_key_ids: ids,
                since,
                days,
                estimated_cost_usd: days.iter().filter_map(|r| r.estimated_cost_usd).sum(),
            }
        })
        .collect();
    let report = JsonAudit {
        schema_version: crate::report::json::SCHEMA_VERSION,
        tool: JsonTool {
            name: "antleak",
            version: env!("CARGO_PKG_VERSION"),
        },
        command: "audit",
        keys,
    };
    serde_json::to_writer_pretty(&mut *out, &report)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_read_from_dates_and_rfc3339() {
        assert_eq!(day_of("2024-03-05T10:11:12Z"), Some("2024-03-05"));
        assert_eq!(day_of("2024-03-05"), Some("2024-03-05"));
        for bad in ["2024-3-5", "yesterday", "2024-03-05x", ""] {
            assert_eq!(day_of(bad), None, "{bad}");
        }
    }

    #[test]
    fn rows_are_marked_against_the_leak_day_and_empty_ones_dropped() {
        let buckets: Vec<UsageBucket> = serde_json::from_value(serde_json::json!([
            {"starting_at": "2024-03-04T00:00:00Z", "results": [{"model": "claude-haiku-4-5", "output_tokens": 1}]},
            {"starting_at": "2024-03-05T00:00:00Z", "results": [{"model": "claude-haiku-4-5", "output_tokens": 0}]},
            {"starting_at": "2024-03-06T00:00:00Z", "results": [{"model": "mystery", "uncached_input_tokens": 5}]}
        ]))
        .unwrap();
        let rows = rows(
            &buckets,
            &PriceTable::new(&Default::default()),
            "2024-03-05",
        );
        let got: Vec<(&str, Mark, bool)> = rows
            .iter()
            .map(|r| (r.date.as_str(), r.mark, r.estimated_cost_usd.is_some()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("2024-03-04", Mark::BeforeLeak, true),
                ("2024-03-06", Mark::AfterLeak, false)
            ]
        );
    }
}
