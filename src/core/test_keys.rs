//! Keys for the tests (unit and integration), made at run time from a seed:
//! no key literal is ever written in the source (the repository scans
//! itself). Public only for the integration tests and fuzz targets.

/// The characters of a key body.
pub const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

/// `len` characters drawn from the key alphabet, deterministic in `seed`.
pub fn random_body(len: usize, seed: u64) -> String {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ALPHABET[(state >> 58) as usize] as char
        })
        .collect()
}

/// A full-shape key: `sk-ant-<kind>-` + 93 characters + `AA`.
pub fn fake_key(kind: &str, seed: u64) -> String {
    format!("sk-ant-{kind}-{}AA", random_body(93, seed))
}
