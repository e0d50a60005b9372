//! The price table behind `antleak audit`'s cost estimate.
//!
//! Built-in list prices (USD per million tokens) for the models the usage
//! report names, overridable per model in `.antleak.toml`
//! (`[prices."claude-sonnet-4-5"]`), because prices change and contracts
//! differ. A model is priced by the longest table entry its name starts
//! with, so `claude-sonnet-4-5-20250929` takes the `claude-sonnet-4-5` row.
//! An estimate only: the invoice is the authority.

use std::collections::BTreeMap;

use super::admin::UsageResult;
use crate::config::PriceEntry;

/// USD per million tokens.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Price {
    pub input: f64,
    pub output: f64,
    pub cache_read: f64,
    pub cache_write_5m: f64,
    pub cache_write_1h: f64,
}

impl Price {
    /// Cache prices as the usual multiples of the input price.
    fn standard(input: f64, output: f64) -> Price {
        Price {
            input,
            output,
            cache_read: input * 0.1,
            cache_write_5m: input * 1.25,
            cache_write_1h: input * 2.0,
        }
    }

    fn from_entry(entry: &PriceEntry) -> Price {
        let standard = Price::standard(entry.input_per_mtok, entry.output_per_mtok);
        Price {
            cache_read: entry.cache_read_per_mtok.unwrap_or(standard.cache_read),
            cache_write_5m: entry
                .cache_write_5m_per_mtok
                .unwrap_or(standard.cache_write_5m),
            cache_write_1h: entry
                .cache_write_1h_per_mtok
                .unwrap_or(standard.cache_write_1h),
            ..standard
        }
    }

    /// The estimated cost of one usage result, in USD.
    pub fn cost(&self, r: &UsageResult) -> f64 {
        let cache = r.cache_creation.clone().unwrap_or_default();
        (r.uncached_input_tokens as f64 * self.input
            + r.cache_read_input_tokens as f64 * self.cache_read
            + cache.ephemeral_5m_input_tokens as f64 * self.cache_write_5m
            + cache.ephemeral_1h_input_tokens as f64 * self.cache_write_1h
            + r.output_tokens as f64 * self.output)
            / 1e6
    }
}

/// Public list prices (input, output) as of 2025-11.
const BUILTIN: &[(&str, f64, f64)] = &[
    ("claude-opus-4-5", 5.0, 25.0),
    ("claude-opus-4-1", 15.0, 75.0),
    ("claude-opus-4", 15.0, 75.0),
    ("claude-sonnet-4-5", 3.0, 15.0),
    ("claude-sonnet-4", 3.0, 15.0),
    ("claude-3-7-sonnet", 3.0, 15.0),
    ("claude-3-5-sonnet", 3.0, 15.0),
    ("claude-haiku-4-5", 1.0, 5.0),
    ("claude-3-5-haiku", 0.8, 4.0),
    ("claude-3-opus", 15.0, 75.0),
    ("claude-3-haiku", 0.25, 1.25),
];

pub struct PriceTable {
    entries: BTreeMap<String, Price>,
}

impl PriceTable {
    /// The built-in table with the user's entries on top.
    pub fn new(overrides: &BTreeMap<String, PriceEntry>) -> PriceTable {
        let mut entries: BTreeMap<String, Price> = BUILTIN
            .iter()
            .map(|&(model, input, output)| (model.to_string(), Price::standard(input, output)))
            .collect();
        for (model, entry) in overrides {
            entries.insert(model.clone(), Price::from_entry(entry));
        }
        PriceTable { entries }
    }

    /// The price of the longest entry `model` starts with.
    pub fn lookup(&self, model: &str) -> Option<Price> {
        self.entries
            .iter()
            .filter(|(name, _)| model.starts_with(name.as_str()))
            .max_by_key(|(name, _)| name.len())
            .map(|(_, price)| *price)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_prefix_wins_and_overrides_replace() {
        let table = PriceTable::new(&BTreeMap::new());
        assert_eq!(table.lookup("claude-opus-4-5-20251101").unwrap().input, 5.0);
        assert_eq!(table.lookup("claude-opus-4-20250514").unwrap().input, 15.0);
        assert_eq!(table.lookup("gpt-4"), None);
        let mut overrides = BTreeMap::new();
        overrides.insert(
            "claude-sonnet-4-5".to_string(),
            PriceEntry {
                input_per_mtok: 2.0,
                output_per_mtok: 10.0,
                cache_read_per_mtok: Some(0.5),
                cache_write_5m_per_mtok: None,
                cache_write_1h_per_mtok: None,
            },
        );
        let table = PriceTable::new(&overrides);
        let price = table.lookup("claude-sonnet-4-5-20250929").unwrap();
        assert_eq!(
            (price.input, price.cache_read, price.cache_write_5m),
            (2.0, 0.5, 2.5)
        );
    }

    #[test]
    fn cost_counts_every_kind_of_token() {
        let price = Price::standard(3.0, 15.0);
        let result: UsageResult = serde_json::from_value(serde_json::json!({
            "uncached_input_tokens": 1_000_000, "cache_read_input_tokens": 1_000_000,
            "cache_creation": {"ephemeral_5m_input_tokens": 1_000_000, "ephemeral_1h_input_tokens": 1_000_000},
            "output_tokens": 1_000_000
        }))
        .unwrap();
        assert!((price.cost(&result) - (3.0 + 0.3 + 3.75 + 6.0 + 15.0)).abs() < 1e-9);
    }
}
