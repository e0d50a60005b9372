//! Archive-shaped inputs for `forms::detect`: the fuzzer's bytes wrapped as
//! a gzip, a zip member, a tar member, nested, or glued after an archive's
//! magic bytes, so that mutations reach the archive readers' deep states
//! (headers that parse, bodies that do not). Nothing may panic, hang or grow
//! memory past libFuzzer's limit.
#![no_main]

use std::io::{Cursor, Write};

use antleak::core::forms::{self, Limits};
use libfuzzer_sys::fuzz_target;

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(data).unwrap();
    gz.finish().unwrap()
}

fn zip(name: &str, data: &[u8], stored: bool) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let method = if stored {
        zip::CompressionMethod::Stored
    } else {
        zip::CompressionMethod::Deflated
    };
    let options = zip::write::SimpleFileOptions::default().compression_method(method);
    zip.start_file(name, options).unwrap();
    zip.write_all(data).unwrap();
    zip.finish().unwrap().into_inner()
}

fn tar(name: &str, data: &[u8]) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_ustar();
    header.set_size(data.len() as u64);
    header.set_cksum();
    tar.append_data(&mut header, name, data).unwrap();
    tar.into_inner().unwrap()
}

fuzz_target!(|input: &[u8]| {
    let Some((&mode, data)) = input.split_first() else {
        return;
    };
    let bytes = match mode % 8 {
        0 => data.to_vec(),
        1 => gzip(data),
        2 => zip("a/.env", data, false),
        3 => zip("x.jar", &zip("in.properties", data, true), true),
        4 => gzip(&tar(".env", data)),
        5 => [&b"PK\x03\x04"[..], data].concat(),
        6 => [&[0x1f, 0x8b, 0x08][..], data].concat(),
        // A real archive whose tail the fuzzer overwrites.
        _ => {
            let mut z = zip("m", b"some member text\n", false);
            let n = data.len().min(z.len());
            let start = z.len() - n;
            z[start..].copy_from_slice(&data[..n]);
            z
        }
    };
    let limits = Limits {
        max_inflated_bytes: 64 << 20,
        ..Limits::default()
    };
    let d = forms::detect(&bytes, &limits);
    assert!(d.matches.iter().all(|f| f.line >= 1 && f.column >= 1));
});
