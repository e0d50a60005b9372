//! Every form, placeholder trap and resource trap of [`detect`], with keys
//! and archives built at run time.

use std::io::{Cursor, Write};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use proptest::prelude::*;

use super::engine::WINDOW;
use super::*;
use crate::core::finding::Secret;
use crate::core::test_keys::fake_key;

fn key(seed: u64) -> String {
    fake_key("api03", seed)
}

/// (secret, member, encoding, line, column) of each finding; a failed
/// comparison prints the secret redacted.
type Row = (Secret, Vec<String>, Vec<Step>, u64, u64);

fn rows(d: &Detection) -> Vec<Row> {
    d.matches
        .iter()
        .map(|f| {
            let s = f.secret.clone();
            (s, f.member.clone(), f.encoding.clone(), f.line, f.column)
        })
        .collect()
}

fn found(bytes: &[u8]) -> Vec<Row> {
    rows(&detect(bytes, &Limits::default()))
}

fn row(k: &str, member: &[&str], encoding: &[Step], line: u64, column: u64) -> Row {
    let member = member.iter().map(|m| m.to_string()).collect();
    let secret = Secret::new(k.to_string());
    (secret, member, encoding.to_vec(), line, column)
}

/// The text wrapped at `width` columns, each line indented by `indent`.
fn wrap(text: &str, width: usize, indent: &str) -> String {
    text.as_bytes()
        .chunks(width)
        .map(|c| format!("{indent}{}\n", std::str::from_utf8(c).unwrap()))
        .collect()
}

fn zip_of(files: &[(&str, &[u8])], method: ::zip::CompressionMethod) -> Vec<u8> {
    let mut zip = ::zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = ::zip::write::SimpleFileOptions::default().compression_method(method);
    for (name, data) in files {
        zip.start_file(*name, options).unwrap();
        zip.write_all(data).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn deflated(files: &[(&str, &[u8])]) -> Vec<u8> {
    zip_of(files, ::zip::CompressionMethod::Deflated)
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(data).unwrap();
    gz.finish().unwrap()
}

fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut tar = ::tar::Builder::new(Vec::new());
    for (name, data) in files {
        let mut header = ::tar::Header::new_ustar();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, name, *data).unwrap();
    }
    tar.into_inner().unwrap()
}

#[test]
fn plain_keys_keep_their_place_and_no_encoding() {
    let k = key(1);
    let text = format!("a\nkey = \"{k}\"\n");
    assert_eq!(found(text.as_bytes()), vec![row(&k, &[], &[], 2, 8)]);
    assert_eq!(
        detect(text.as_bytes(), &Limits::default()).bytes,
        text.len() as u64
    );
}

#[test]
fn base64_in_both_alphabets_every_alignment_padded_or_not() {
    let k = key(2);
    for engine in [&STANDARD, &URL_SAFE, &URL_SAFE_NO_PAD] {
        for pad in 0..3 {
            for newline in ["", "\n"] {
                let plain = format!("{}{k}{newline}", "x".repeat(pad));
                let encoded = engine.encode(&plain);
                let text = format!("line one\nsecret: \"{encoded}\"\n");
                // The key's first byte is byte `pad`: its bits start in
                // character pad of the encoded text (pad < 3).
                let column = 10 + pad as u64;
                assert_eq!(
                    found(text.as_bytes()),
                    vec![row(&k, &[], &[Step::Base64], 2, column)],
                    "{pad} {newline:?} {encoded}"
                );
            }
        }
    }
}

#[test]
fn wrapped_base64_env_in_a_yaml_block_and_a_heredoc_wherever_the_breaks_fall() {
    let (a, b) = (key(3), fake_key("admin01", 4));
    for shift in 0..80 {
        let env = format!(
            "# {}\nANTHROPIC_API_KEY={a}\nADMIN={b}\n",
            "p".repeat(shift)
        );
        let encoded = STANDARD.encode(&env);
        let yaml = format!(
            "apiVersion: v1\nkind: ConfigMap\ndata:\n  env.b64: |\n{}  other: x\n",
            wrap(&encoded, 76, "    ")
        );
        let heredoc = format!("base64 -d > .env <<EOF\n{}EOF\n", wrap(&encoded, 76, ""));
        for (text, first_line, indent) in [(&yaml, 5, 4), (&heredoc, 2, 0)] {
            let got = found(text.as_bytes());
            let secrets: Vec<&str> = got.iter().map(|r| r.0.expose()).collect();
            assert_eq!(secrets, vec![a.as_str(), b.as_str()], "shift {shift}");
            for (r, k) in got.iter().zip([&a, &b]) {
                let at = env.find(k.as_str()).unwrap();
                let char_index = at / 3 * 4 + at % 3;
                let line = first_line + (char_index / 76) as u64;
                let column = indent + (char_index % 76) as u64 + 1;
                assert_eq!((r.2.clone(), r.3, r.4), (vec![Step::Base64], line, column));
            }
        }
    }
}

#[test]
fn a_docker_config_json_nested_in_a_kubernetes_secret() {
    let k = key(5);
    let auth = STANDARD.encode(format!("deploy:{k}"));
    let config = format!(r#"{{"auths":{{"registry.example.com":{{"auth":"{auth}"}}}}}}"#);
    let secret = format!(
        "apiVersion: v1\nkind: Secret\ntype: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: {}\n",
        STANDARD.encode(&config)
    );
    let got = found(secret.as_bytes());
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].0.expose(), k);
    assert_eq!(
        (&got[0].2, got[0].3),
        (&vec![Step::Base64, Step::Base64], 5)
    );
    // The plain config.json, with `auth` encoded once.
    let got = found(config.as_bytes());
    assert_eq!((&got[0].2, got[0].3), (&vec![Step::Base64], 1));
}

#[test]
fn hex_in_either_case_and_utf16_either_byte_order() {
    let k = key(6);
    for hex in [hex::encode(&k), hex::encode_upper(&k)] {
        let text = format!("blob = 0x{hex}\n");
        assert_eq!(
            found(text.as_bytes()),
            vec![row(&k, &[], &[Step::Hex], 1, 10)]
        );
    }
    // PowerShell's `>`: UTF-16LE with a BOM, CRLF line ends.
    let text = format!("$env:X = 1\r\n$env:ANTHROPIC_API_KEY = \"{k}\"\r\n");
    let le: Vec<u8> = [0xff, 0xfe]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    // Byte columns: in LE the line's first byte is the zero after `\n`.
    let column = 2 * "$env:ANTHROPIC_API_KEY = \"".len() as u64 + 1;
    assert_eq!(
        found(&le),
        vec![row(&k, &[], &[Step::Utf16Le], 2, column + 1)]
    );
    let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    assert_eq!(found(&be), vec![row(&k, &[], &[Step::Utf16Be], 2, column)]);
    // Two keys in one run: each found once.
    let two = format!("{k}\n{k}\n")
        .encode_utf16()
        .flat_map(u16::to_be_bytes)
        .collect::<Vec<u8>>();
    assert_eq!(found(&two).len(), 2);
    let two = hex::encode(format!("{k} {k}"));
    assert_eq!(found(two.as_bytes()).len(), 2);
}

#[test]
fn glued_on_both_sides_as_in_a_pyc() {
    let k = key(7);
    for next in [b'N', b')', b'Z', 0xe3] {
        let mut pyc = vec![0xcb, 0x0d, 0x0d, 0x0a, 0, 0, 0, 0, 0xe3, b'Z', 108];
        pyc.extend_from_slice(k.as_bytes());
        pyc.push(next);
        pyc.extend_from_slice(b"\xe9\x00\x00\x00\x00");
        // The magic number ends in `\r\n`.
        assert_eq!(found(&pyc), vec![row(&k, &[], &[], 2, 8)], "{next}");
    }
}

#[test]
fn archives_by_content_with_member_paths_and_places() {
    let k = key(8);
    let props = format!("# config\napi.key={k}\n");
    let jar = deflated(&[
        ("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\n"),
        ("config/app.properties", props.as_bytes()),
    ]);
    let want = |member: &[&str], encoding: &[Step]| vec![row(&k, member, encoding, 2, 9)];
    assert_eq!(found(&jar), want(&["config/app.properties"], &[Step::Zip]));
    let stored = zip_of(
        &[("a.txt", props.as_bytes())],
        ::zip::CompressionMethod::Stored,
    );
    assert_eq!(found(&stored), want(&["a.txt"], &[Step::Zip]));
    // A war holding the jar: zip in zip.
    let war = deflated(&[("WEB-INF/lib/app.jar", &jar)]);
    let d = detect(&war, &Limits::default());
    assert_eq!(
        rows(&d),
        want(
            &["WEB-INF/lib/app.jar", "config/app.properties"],
            &[Step::Zip, Step::Zip]
        )
    );
    assert_eq!(d.members.len(), 3);
    assert_eq!(found(&gzip(props.as_bytes())), want(&[], &[Step::Gzip]));
    let tgz = gzip(&tar_of(&[("app/.env", props.as_bytes())]));
    let d = detect(&tgz, &Limits::default());
    assert_eq!(rows(&d), want(&["app/.env"], &[Step::Gzip, Step::Tar]));
    assert_eq!(d.members, vec![vec!["app/.env".to_string()]]);
    // Forms combine: base64 in a zip member.
    let b64 = format!("k: {}\n", STANDARD.encode(&k));
    let z = deflated(&[("s.yaml", b64.as_bytes())]);
    assert_eq!(
        found(&z),
        vec![row(&k, &["s.yaml"], &[Step::Zip, Step::Base64], 1, 4)]
    );
}

#[test]
fn placeholders_stay_quiet_in_every_form() {
    let fake = format!("sk-ant-api03-{}AA", "X".repeat(93));
    let docs = format!("Set ANTHROPIC_API_KEY={fake}\nor sk-ant-api03-your-key-here\n");
    let forms: Vec<Vec<u8>> = vec![
        docs.clone().into_bytes(),
        STANDARD.encode(&docs).into_bytes(),
        hex::encode(&docs).into_bytes(),
        docs.encode_utf16().flat_map(u16::to_le_bytes).collect(),
        gzip(docs.as_bytes()),
        deflated(&[
            ("README.md", docs.as_bytes()),
            ("docs/setup.md", docs.as_bytes()),
        ]),
        tar_of(&[("README.md", docs.as_bytes())]),
    ];
    for bytes in forms {
        assert_eq!(found(&bytes), vec![]);
    }
}

#[test]
fn the_allow_marker_on_the_encoded_line_suppresses_a_decoded_key() {
    let (a, b) = (key(9), key(10));
    let text = format!(
        "x: {}  # antleak:allow\ny: {}\n",
        STANDARD.encode(&a),
        hex::encode(&b)
    );
    assert_eq!(
        found(text.as_bytes()),
        vec![row(&b, &[], &[Step::Hex], 2, 4)]
    );
}

#[test]
fn bad_input_is_no_finding() {
    let k = key(11);
    let zip = deflated(&[("a", k.as_bytes())]);
    for bytes in [
        zip[..zip.len() / 2].to_vec(),
        gzip(k.as_bytes())[..20].to_vec(),
        b"PK\x03\x04".to_vec(),
        vec![0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff, 1, 2, 3],
    ] {
        let d = detect(&bytes, &Limits::default());
        assert!(d.matches.iter().all(|f| f.secret.expose() == k), "{d:?}");
    }
}

#[test]
fn a_zip_bomb_stops_at_the_inflate_budget_and_says_so() {
    let limits = Limits {
        max_inflated_bytes: 64 << 20,
        ..Limits::default()
    };
    let mut zip = ::zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = ::zip::write::SimpleFileOptions::default().large_file(true);
    zip.start_file("zeros.bin", options).unwrap();
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..256 {
        zip.write_all(&chunk).unwrap();
    }
    let k = key(12);
    zip.start_file("after.txt", options).unwrap();
    zip.write_all(k.as_bytes()).unwrap();
    let bomb = zip.finish().unwrap().into_inner();
    assert!(bomb.len() < 1 << 20, "{}", bomb.len());
    let start = Instant::now();
    let d = detect(&bomb, &limits);
    assert!(start.elapsed() < Duration::from_secs(20));
    assert_eq!(d.unexpanded.len(), 1);
    let u = &d.unexpanded[0];
    assert_eq!(
        (u.limit, &u.member[..]),
        ("max_inflated_bytes", &["zeros.bin".to_string()][..])
    );
    // The member after it is deflated too, past the budget: counted, not read.
    assert_eq!(u.count, 2);
    assert!(d.matches.is_empty());
    // Stored, it is read: a budget of inflated bytes does not hide it.
    let zip = zip_of(&[("a.txt", k.as_bytes())], ::zip::CompressionMethod::Stored);
    let none = Limits {
        max_inflated_bytes: 0,
        ..Limits::default()
    };
    assert_eq!(detect(&zip, &none).matches.len(), 1);
}

#[test]
fn inputs_full_of_literals_stay_linear() {
    let le: String = "sk-ant-".chars().flat_map(|c| [c, '\0']).collect();
    for unit in [
        format!("{} ", &STANDARD.encode("sk-ant-")[..8]),
        format!("{}\n", STANDARD.encode("sk-ant-")),
        "736b2d616e742d ".to_string(),
        "sk-ant-api03-".to_string(),
        le,
    ] {
        let text = unit.repeat((4 << 20) / unit.len());
        let start = Instant::now();
        assert!(
            detect(text.as_bytes(), &Limits::default())
                .matches
                .is_empty()
        );
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{unit:?}: {:?}",
            start.elapsed()
        );
    }
}

/// 30 levels, each holding the next twice (two entries sharing one body):
/// 2^30 paths in a few kilobytes.
fn doubling_zip(levels: usize, k: &str) -> Vec<u8> {
    let mut inner = deflated(&[("key.txt", k.as_bytes())]);
    for _ in 0..levels {
        let mut zip = ::zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = ::zip::write::SimpleFileOptions::default()
            .compression_method(::zip::CompressionMethod::Stored);
        zip.start_file("a.zip", options).unwrap();
        zip.write_all(&inner).unwrap();
        zip.shallow_copy_file("a.zip", "b.zip").unwrap();
        inner = zip.finish().unwrap().into_inner();
    }
    inner
}

#[test]
fn a_doubling_nest_is_bounded_by_depth_and_members() {
    let k = key(13);
    let bomb = doubling_zip(30, &k);
    assert!(bomb.len() < 64 << 10, "{}", bomb.len());
    let start = Instant::now();
    let d = detect(&bomb, &Limits::default());
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
    let limits: Vec<&str> = d.unexpanded.iter().map(|u| u.limit).collect();
    assert_eq!(limits, vec!["max_depth"]);
    assert_eq!(d.unexpanded[0].member.len(), 8);
    // Shallow enough, the key is found on every path.
    let d = detect(&doubling_zip(3, &k), &Limits::default());
    assert_eq!(d.matches.len(), 8);
    assert_eq!(d.matches[0].member, ["a.zip", "a.zip", "a.zip", "key.txt"]);
    assert!(d.unexpanded.is_empty());
    let few = Limits {
        max_archive_members: 5,
        ..Limits::default()
    };
    let d = detect(&doubling_zip(3, &k), &few);
    assert_eq!(d.unexpanded[0].limit, "max_archive_members");
    assert_eq!(d.members.len(), 5);
}

#[test]
fn windows_keep_lines_columns_and_keys_across_boundaries() {
    let (k1, k2, k3) = (key(1), key(2), key(3));
    // A key right at a window boundary, a key after many lines, and a key
    // on a line far longer than a window.
    let mut data = Vec::new();
    let line = "x".repeat(99) + "\n";
    while data.len() + 50 < WINDOW {
        data.extend_from_slice(line.as_bytes());
    }
    let lines_before_k1 = data.len() / line.len();
    data.extend_from_slice(format!("abc{k1}\n").as_bytes());
    data.extend(std::iter::repeat_n(b'y', WINDOW + 5000));
    data.extend_from_slice(format!(" {k2}\n\n{k3}").as_bytes());
    let d = detect_reader(&data[..], &Limits::default(), &mut Vec::new()).unwrap();
    assert_eq!(d.bytes, data.len() as u64);
    let got: Vec<(u64, u64, &str)> = d
        .matches
        .iter()
        .map(|f| (f.line, f.column, f.secret.expose()))
        .collect();
    let l1 = lines_before_k1 as u64 + 1;
    assert_eq!(
        got,
        vec![
            (l1, 4, k1.as_str()),
            (l1 + 1, WINDOW as u64 + 5000 + 2, k2.as_str()),
            (l1 + 3, 1, k3.as_str())
        ]
    );
}

#[test]
fn a_wrapped_base64_run_across_a_window_edge_is_found() {
    let k = key(15);
    let encoded = STANDARD.encode(format!("{}{k}\n", "e".repeat(300)));
    let block = wrap(&encoded, 76, "  ");
    let at = block.find(&encoded[400..408]).unwrap();
    for lead in [WINDOW - at - 100, WINDOW - at, WINDOW - at + 60] {
        let mut data = vec![b'.'; lead];
        data[lead - 1] = b'\n';
        data.extend_from_slice(block.as_bytes());
        let d = detect_reader(&data[..], &Limits::default(), &mut Vec::new()).unwrap();
        let got: Vec<(u64, u64)> = d.matches.iter().map(|f| (f.line, f.column)).collect();
        // Character 400 (byte 300) starts line 2 + 400 / 76 of the block.
        assert_eq!(got, vec![(2 + 400 / 76, 3 + 400 % 76)], "{lead}");
    }
}

#[test]
fn streams_expand_archives_and_bound_what_they_hold() {
    let k = key(14);
    let props = format!("x\napi.key={k}\n");
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let noise: Vec<u8> = (0..20 << 20)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    // A tar.gz larger than a window streams; a zip larger than a window is
    // read whole up to max_archive_bytes.
    let tgz = gzip(&tar_of(&[
        ("noise.bin", &noise),
        ("app/.env", props.as_bytes()),
    ]));
    assert!(tgz.len() > WINDOW);
    let d = detect_reader(&tgz[..], &Limits::default(), &mut Vec::new()).unwrap();
    assert_eq!(
        rows(&d),
        vec![row(&k, &["app/.env"], &[Step::Gzip, Step::Tar], 2, 9)]
    );
    assert_eq!(d.bytes, tgz.len() as u64);
    let zip = zip_of(
        &[("noise.bin", &noise), ("a.properties", props.as_bytes())],
        ::zip::CompressionMethod::Stored,
    );
    let d = detect_reader(&zip[..], &Limits::default(), &mut Vec::new()).unwrap();
    assert_eq!(
        rows(&d),
        vec![row(&k, &["a.properties"], &[Step::Zip], 2, 9)]
    );
    let small = Limits {
        max_archive_bytes: 10 << 20,
        ..Limits::default()
    };
    let d = detect_reader(&zip[..], &small, &mut Vec::new()).unwrap();
    assert_eq!(d.unexpanded[0].limit, "max_archive_bytes");
    // Still found, as raw bytes of the zip.
    assert_eq!(d.matches.len(), 1);
    assert!(d.matches[0].member.is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn a_base64_key_anywhere_wrapped_at_any_width_is_found_at_its_line(
        before in "[ -~\n]{0,300}",
        after in "[ -~\n]{0,300}",
        prefix in "[ -~]{0,5}",
        width in 40usize..=120,
        url in any::<bool>(),
        seed in any::<u64>(),
        context in "[a-z ]{0,20}\n",
    ) {
        let k = key(seed);
        let engine = if url { &URL_SAFE } else { &STANDARD };
        let plain = format!("{prefix}{k}\n");
        let encoded = engine.encode(&plain);
        let text = format!("{before}\n{context}{}{after}", wrap(&encoded, width, "  "));
        let got = found(text.as_bytes());
        let ours: Vec<_> = got.iter().filter(|r| r.0.expose() == k).collect();
        prop_assert_eq!(ours.len(), 1, "{:?}", got);
        let first_line = 3 + before.matches('\n').count() as u64;
        let at = prefix.len();
        let char_index = (at / 3 * 4 + at % 3) as u64;
        prop_assert_eq!(ours[0].3, first_line + char_index / width as u64);
        prop_assert_eq!(ours[0].4, 3 + char_index % width as u64);
        prop_assert_eq!(&ours[0].2, &vec![Step::Base64]);
    }
}
