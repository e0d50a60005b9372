//! The one date format of antleak's reports: RFC 3339, UTC, to the second
//! (`2024-03-05T10:11:12Z`).

/// `seconds` since the Unix epoch as RFC 3339 UTC; a timestamp outside years
/// 0–9999 (a forged commit) is shown as raw seconds rather than failing.
pub fn rfc3339_utc(seconds: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| seconds.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_to_the_second_and_survives_forged_dates() {
        assert_eq!(rfc3339_utc(1_709_633_472), "2024-03-05T10:11:12Z");
        assert_eq!(rfc3339_utc(i64::MAX), i64::MAX.to_string());
    }
}
