//! Hostile inputs: the shipped specs and profiles, mutated at random (byte flips,
//! lines deleted, duplicated, swapped or re-indented, control and non-ASCII characters,
//! scalars replaced by huge numbers, empty strings, deep nesting, templates, anchors and
//! aliases, truncation), must load and plan or fail with diagnostics that each point at
//! a line and column — never panic. A few dozen mutated files also go through the real
//! binary, which must exit 0 or 2 with a `--> file:line:col` per error.
//!
//! Deterministic: the seed is fixed (`CONFORM_FUZZ_SEED` overrides it,
//! `CONFORM_FUZZ_ITERATIONS` sets the count for a longer run), and each iteration's
//! generator derives from the seed and its index, so a failure names both and prints
//! the input.

mod common;

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use conform::diagnostic::{Diagnostic, SourceFile};
use conform::plan::{PlanOptions, build_plan};
use conform::profile::{Profile, reference_profile, resolve_profile};
use conform::spec::{LoadedSpec, load_spec_text};

/// The default seed; any value reproduces its own run.
const SEED: u64 = 0x5EED_C0F0_2024_0009;
/// In-process iterations per test (specs and profiles each).
const ITERATIONS: u64 = 1500;
/// Mutated files run through the binary.
const BINARY_RUNS: u64 = 40;

/// The secrets of the reference profile: no profile diagnostic may show them.
const REFERENCE_SECRETS: [&str; 4] = [
    "Tr0ub4dor&3-primary",
    "c0rrect-h0rse-2fa",
    "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
    "5f0c3e2a9b7d41c8a6e4d2b0c9f8e7a1",
];

/// xorshift64*: tiny, deterministic, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn for_iteration(seed: u64, i: u64) -> Self {
        // SplitMix64 of seed and index, so iteration `i` can be rerun alone.
        let mut z = seed ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

fn seed() -> u64 {
    std::env::var("CONFORM_FUZZ_SEED")
        .ok()
        .and_then(|s| {
            let s = s.trim_start_matches("0x");
            u64::from_str_radix(s, 16).ok()
        })
        .unwrap_or(SEED)
}

fn iterations() -> u64 {
    std::env::var("CONFORM_FUZZ_ITERATIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(ITERATIONS)
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `(display name, text)` of every regular `*.yaml` file in `dir` (the `/dev/zero`
/// fixture is a symlink to a device and is left out).
fn yaml_files(dir: &str) -> Vec<(String, String)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .expect("fixture directory")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .filter(|p| std::fs::symlink_metadata(p).is_ok_and(|m| m.is_file()))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .filter_map(|p| {
            let text = std::fs::read_to_string(&p).ok()?;
            let name = p.strip_prefix(root()).unwrap_or(&p).display().to_string();
            Some((name, text))
        })
        .collect()
}

fn spec_inputs() -> Vec<(String, String)> {
    let mut inputs = yaml_files("specs");
    inputs.extend(
        yaml_files("fixtures/bad-profiles")
            .into_iter()
            .filter(|(n, _)| n.ends_with("/spec.yaml")),
    );
    inputs
}

fn profile_inputs() -> Vec<(String, String)> {
    let reference = "fixtures/reference-profile.yaml";
    let mut inputs = vec![(
        reference.to_string(),
        std::fs::read_to_string(root().join(reference)).expect("reference profile"),
    )];
    inputs.extend(
        yaml_files("fixtures/bad-profiles")
            .into_iter()
            .filter(|(n, _)| !n.ends_with("/spec.yaml")),
    );
    inputs
}

/// Values a scalar is replaced by.
fn hostile_scalar(rng: &mut Rng) -> String {
    let depth = *rng.pick(&[8, 300, 5000]);
    match rng.below(20) {
        0 => "99999999999999999999999999999999999999".into(),
        1 => "-1".into(),
        2 => "1e999".into(),
        3 => "\"\"".into(),
        4 => "".into(),
        5 => format!("{}{}", "[".repeat(depth), "]".repeat(depth)),
        6 => format!("{}1{}", "{a: ".repeat(depth), "}".repeat(depth)),
        7 => "\"{{\"".into(),
        8 => "\"{{ vars.nope }}\"".into(),
        9 => "\"{{ account.password \"".into(),
        10 => "\"}} {{ {{ }}\"".into(),
        11 => "&anchor value".into(),
        12 => "*anchor".into(),
        13 => "*undefined_alias".into(),
        14 => "!!binary AAAA".into(),
        15 => "~".into(),
        16 => "|\n  block\n".into(),
        17 => "x".repeat(20_000),
        18 => "\"a\\r\\nX-Injected: 1\"".into(),
        _ => "[a, {b: c}, *anchor]".into(),
    }
}

/// Characters inserted at random places.
const ODD_CHARS: [&str; 14] = [
    "\0", "\r", "\t", "\u{1b}", "\u{7f}", "\u{85}", "\u{2028}", "\u{feff}", "é", "😀", "\u{202e}",
    "\r\n", "#", "\"",
];

/// Applies one random mutation and returns its name (for the failure message).
fn mutate(text: &mut String, rng: &mut Rng) -> &'static str {
    let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
    let n = lines.len();
    let name = match rng.below(10) {
        0 => {
            let mut bytes = std::mem::take(text).into_bytes();
            if !bytes.is_empty() {
                let i = rng.below(bytes.len());
                bytes[i] ^= 1 << rng.below(8);
            }
            *text = String::from_utf8_lossy(&bytes).into_owned();
            return "byte flip";
        }
        1 => {
            lines.remove(rng.below(n));
            "delete line"
        }
        2 => {
            let i = rng.below(n);
            let line = lines[i].clone();
            lines.insert(i, line);
            "duplicate line"
        }
        3 => {
            let (a, b) = (rng.below(n), rng.below(n));
            lines.swap(a, b);
            "swap lines"
        }
        4 => {
            let i = rng.below(n);
            let trimmed = lines[i].trim_start().to_string();
            let indent = *rng.pick(&["", " ", "   ", "      ", "\t", "          "]);
            lines[i] = format!("{indent}{trimmed}");
            "re-indent line"
        }
        5 => {
            let chars: Vec<(usize, char)> = text.char_indices().collect();
            let at = chars.get(rng.below(chars.len())).map_or(0, |(i, _)| *i);
            let odd = *rng.pick(&ODD_CHARS);
            text.insert_str(at, odd);
            return "insert character";
        }
        6 | 7 => {
            let with_value: Vec<usize> = (0..n).filter(|&i| lines[i].contains(": ")).collect();
            if with_value.is_empty() {
                return "no scalar to replace";
            }
            let i = *rng.pick(&with_value);
            let cut = lines[i].find(": ").map_or(0, |c| c + 2);
            lines[i].truncate(cut);
            lines[i].push_str(&hostile_scalar(rng));
            "replace scalar"
        }
        8 => {
            let i = rng.below(n);
            let key = lines[i]
                .trim_start()
                .split(':')
                .next()
                .unwrap_or("")
                .to_string();
            lines[i] = lines[i].replacen(&key, &format!("{key}_x"), 1);
            "rename key"
        }
        _ => {
            let chars: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
            let at = chars.get(rng.below(chars.len())).copied().unwrap_or(0);
            text.truncate(at);
            return "truncate";
        }
    };
    *text = lines.join("\n");
    name
}

/// A mutated input: 1 to 3 mutations of one of `inputs`.
fn mutated(inputs: &[(String, String)], rng: &mut Rng) -> (String, String, Vec<&'static str>) {
    let (name, text) = rng.pick(inputs);
    let mut text = text.clone();
    let steps = (0..1 + rng.below(3))
        .map(|_| mutate(&mut text, rng))
        .collect();
    (name.clone(), text, steps)
}

/// Why diagnostics are not acceptable, if they are not: one without a location, or one
/// whose rendering panics or shows no `-->`.
fn located(diagnostics: &[Diagnostic]) -> Result<(), String> {
    for d in diagnostics {
        let Some(span) = &d.span else {
            return Err(format!("a diagnostic without location: {d}"));
        };
        if span.line == 0 || span.column == 0 {
            return Err(format!("a diagnostic at line or column 0: {d}"));
        }
        let rendered = d.render(false);
        if !rendered.contains(&format!("--> {}", span.location())) {
            return Err(format!("rendered without its location:\n{rendered}"));
        }
    }
    Ok(())
}

fn check_spec(name: &str, text: String, profile: &Arc<Profile>) -> Result<(), String> {
    let spec = match load_spec_text(name, text, root().join("specs")) {
        Ok(spec) => spec,
        Err(d) => return located(&[d]),
    };
    match build_plan(&[spec], Arc::clone(profile), &PlanOptions::default()) {
        Ok(_) => Ok(()),
        Err(ds) => located(&ds),
    }
}

fn check_profile(name: &str, text: String, specs: &[LoadedSpec]) -> Result<(), String> {
    let source = SourceFile::new(name, text);
    match resolve_profile(&source, &HashMap::<String, String>::new()) {
        Ok(profile) => match build_plan(specs, Arc::new(profile), &PlanOptions::default()) {
            Ok(_) => Ok(()),
            Err(ds) => located(&ds),
        },
        Err(ds) => {
            located(&ds)?;
            let shown: String = ds.iter().map(|d| d.render(false)).collect();
            match REFERENCE_SECRETS.iter().find(|s| shown.contains(*s)) {
                Some(secret) => Err(format!("a diagnostic shows `{secret}`:\n{shown}")),
                None => Ok(()),
            }
        }
    }
}

/// Runs `check` on every iteration's input, catching panics; fails with the seed, the
/// iteration, the mutations and the input of the first bad one.
fn fuzz(
    what: &str,
    inputs: &[(String, String)],
    check: impl Fn(&str, String) -> Result<(), String>,
) {
    let seed = seed();
    for i in 0..iterations() {
        let mut rng = Rng::for_iteration(seed, i);
        let (name, text, steps) = mutated(inputs, &mut rng);
        let outcome = catch_unwind(AssertUnwindSafe(|| check(&name, text.clone())));
        let problem = match outcome {
            Ok(Ok(())) => continue,
            Ok(Err(problem)) => problem,
            Err(panic) => format!(
                "panicked: {}",
                panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default()
            ),
        };
        panic!(
            "{what} fuzz failed: seed {seed:#x}, iteration {i} ({name}, {steps:?})\n\
             rerun: CONFORM_FUZZ_SEED={seed:x} cargo test --test fuzz_inputs\n\
             {problem}\n--- input ---\n{text}\n--- end of input ---"
        );
    }
}

#[test]
fn mutated_specs_plan_or_fail_with_a_location() {
    let profile = Arc::new(reference_profile());
    fuzz("spec", &spec_inputs(), |name, text| {
        check_spec(name, text, &profile)
    });
}

#[test]
fn mutated_profiles_resolve_or_fail_with_a_location_and_no_secret() {
    let specs: Vec<LoadedSpec> = spec_inputs()
        .into_iter()
        .filter(|(n, _)| n.starts_with("specs/"))
        .map(|(n, t)| load_spec_text(&n, t, root().join("specs")).expect("shipped spec"))
        .collect();
    fuzz("profile", &profile_inputs(), |name, text| {
        check_profile(name, text, &specs)
    });
}

/// What a `conform lint` run of a mutated file did wrong, if anything.
fn lint_problem(out: &common::Output, file: &str) -> Option<String> {
    if out.code != 0 && out.code != 2 {
        return Some(format!("exit {} (101 is a panic, -1 a signal)", out.code));
    }
    if out.stderr.contains("panicked") {
        return Some("a panic message".into());
    }
    if out.code == 2 {
        let errors = out
            .stderr
            .lines()
            .filter(|l| l.starts_with("error"))
            .count();
        let location =
            regex::Regex::new(&format!(r"(?m)^ *--> {}:\d+:\d+$", regex::escape(file))).ok()?;
        let located = location.find_iter(&out.stderr).count();
        if errors == 0 || located != errors {
            return Some(format!("{errors} error(s) but {located} location(s)"));
        }
    }
    None
}

#[test]
fn the_binary_lints_mutated_files_with_exit_0_or_2_and_locations() {
    let seed = seed();
    let scratch = common::Scratch::new();
    let specs = spec_inputs();
    let profiles = profile_inputs();
    let plain_spec = root().join("fixtures/bad-profiles/spec.yaml");
    let plain_spec = plain_spec.to_string_lossy();
    for i in 0..BINARY_RUNS {
        let mut rng = Rng::for_iteration(seed ^ 0xB1, i);
        let profile_run = i % 2 == 1;
        let inputs = if profile_run { &profiles } else { &specs };
        let (name, text, steps) = mutated(inputs, &mut rng);
        let file = format!("m{i}.yaml");
        scratch.write(&file, &text);
        let out = if profile_run {
            common::conform(scratch.path(), &["lint", "--profile", &file, &plain_spec])
        } else {
            common::conform(scratch.path(), &["lint", &file])
        };
        if let Some(problem) = lint_problem(&out, &file) {
            panic!(
                "binary fuzz failed: seed {seed:#x}, run {i} ({name}, {steps:?}): {problem}\n\
                 --- stderr ---\n{}\n--- input ---\n{text}\n--- end of input ---",
                out.stderr
            );
        }
    }
}

/// Inputs the fuzzer found problems with, kept as they were minimised.
#[test]
fn regressions_found_by_the_fuzzer() {
    let profile = Arc::new(reference_profile());
    // A one-character span on a multi-byte character (U+2028 after a quoted scalar)
    // made the excerpt slice inside the character and panic.
    let spec = "title: \"t\"\u{2028}\ndocument: d\ncases: []\n";
    let checked = catch_unwind(AssertUnwindSafe(|| {
        check_spec("specs/r.yaml", spec.into(), &profile)
    }));
    assert_eq!(checked.ok(), Some(Ok(())), "no panic, a located error");
    // A spec with no cases was refused without saying where.
    let empty = "title: t\ndocument: d\ncases: []\n";
    assert_eq!(check_spec("specs/e.yaml", empty.into(), &profile), Ok(()));
    let specs: Vec<LoadedSpec> = Vec::new();
    for (profile_text, secret) in [
        // A lost line break: the password rode on the username's line.
        (
            "accounts:\n  two_factor:\n    username: bob\u{b}    password: \"c0rrect-h0rse-2fa\"\n",
            "c0rrect-h0rse-2fa",
        ),
        // A byte flip made a password key unknown and its value a comment.
        (
            "accounts:\n  primary:\n    passwmrd: #\"Tr0ub4dor&3-primary\"\n",
            "Tr0ub4dor&3-primary",
        ),
    ] {
        let source = SourceFile::new("p.yaml", profile_text);
        let errors = resolve_profile(&source, &HashMap::<String, String>::new())
            .expect_err("the profile is invalid");
        let shown: String = errors.iter().map(|d| d.render(false)).collect();
        assert!(!shown.contains(secret), "{shown}");
        assert_eq!(check_profile("p.yaml", profile_text.into(), &specs), Ok(()));
    }
}
