//! The JSON report (`--report-json`), partitions (`--partition K/N`) and
//! `conform report merge`, through the real binary: reports of real runs validate
//! against the shipped `schema/report.schema.json` and agree case for case with the
//! JUnit file of the same run; three partitions of the shipped specs run every case
//! once and merge into the verdicts of the unpartitioned run.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{Scratch, conform, conform_async};
use serde_json::Value;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn shipped_schema() -> jsonschema::Validator {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/report.schema.json");
    let text = std::fs::read_to_string(&file).expect("schema/report.schema.json");
    let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    jsonschema::validator_for(&schema).expect("the schema compiles")
}

/// Reads a report and checks it against the shipped schema.
fn valid_report(file: &Path) -> Value {
    let text = std::fs::read_to_string(file).expect("report written");
    let report: Value = serde_json::from_str(&text).expect("report is JSON");
    let errors: Vec<String> = shipped_schema()
        .iter_errors(&report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}: {errors:#?}", file.display());
    report
}

/// Case id → status of a JSON report.
fn json_statuses(report: &Value) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for case in report["cases"].as_array().expect("cases") {
        let id = case["id"].as_str().expect("id").to_string();
        let status = case["status"].as_str().expect("status").to_string();
        assert!(map.insert(id.clone(), status).is_none(), "{id} twice");
    }
    map
}

/// Case id → status of a JUnit file: a failure is `failed`, an error of type
/// `inconclusive` is `inconclusive`, a skipped element `skipped`, nothing `passed`.
fn junit_statuses(file: &Path) -> BTreeMap<String, String> {
    let xml = std::fs::read_to_string(file).expect("junit written");
    let doc = roxmltree::Document::parse(&xml).expect("well-formed JUnit");
    let mut map = BTreeMap::new();
    // Advisories are testcases of their own suite, not cases.
    for case in doc.descendants().filter(|n| {
        n.has_tag_name("testcase") && n.attribute("classname") != Some("conform-advisories")
    }) {
        let name = case.attribute("name").expect("name").to_string();
        let child = |tag: &str| case.children().find(|n| n.has_tag_name(tag));
        let status = if child("failure").is_some() {
            "failed"
        } else if let Some(error) = child("error") {
            assert_eq!(error.attribute("type"), Some("inconclusive"), "{name}");
            "inconclusive"
        } else if child("skipped").is_some() {
            "skipped"
        } else {
            "passed"
        };
        map.insert(name, status.to_string());
    }
    map
}

fn last_line(text: &str) -> &str {
    // The summary line; the advisories section, when there is one, follows it.
    text.lines()
        .rev()
        .find(|l| l.contains(" passed, "))
        .unwrap_or_default()
}

/// The summary line without its time, which differs between runs.
fn counts(line: &str) -> &str {
    line.rsplit_once(" (").map_or(line, |(counts, _)| counts)
}

#[test]
fn reference_run_report_validates_and_agrees_with_junit() {
    let s = Scratch::new();
    let out = conform(
        s.path(),
        &["run", "--report-json", "out.json", "--junit", "junit.xml"],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    let report = valid_report(&s.path().join("out.json"));
    assert_eq!(report["schema_version"], 1);
    assert_eq!(report["conform"]["version"], env!("CARGO_PKG_VERSION"));
    assert!(report.get("partition").is_none(), "no partition was chosen");
    for target in report["targets"].as_array().expect("targets") {
        assert_eq!(target["target"], "bundled reference");
    }
    let statuses = json_statuses(&report);
    assert_eq!(statuses, junit_statuses(&s.path().join("junit.xml")));
    assert_eq!(
        report["totals"]["passed"].as_u64(),
        Some(statuses.len() as u64)
    );
    assert!(
        !report["coverage"].as_array().expect("coverage").is_empty(),
        "the shipped specs have branches"
    );
}

#[test]
fn three_partitions_run_every_case_once_and_merge_into_the_whole_run() {
    let s = Scratch::new();
    let whole = conform(s.path(), &["run", "--report-json", "all.json"]);
    assert_eq!(whole.code, 0, "{}", whole.all());
    let all = json_statuses(&valid_report(&s.path().join("all.json")));
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for k in 1..=3 {
        let file = format!("p{k}.json");
        let shard = format!("{k}/3");
        let out = conform(
            s.path(),
            &["run", "--partition", &shard, "--report-json", &file],
        );
        assert_eq!(out.code, 0, "{}", out.all());
        let report = valid_report(&s.path().join(&file));
        assert_eq!(report["partition"]["index"], k);
        assert_eq!(report["partition"]["count"], 3);
        let listed = conform(s.path(), &["list", "--partition", &shard]);
        for (id, status) in json_statuses(&report) {
            assert!(
                listed
                    .stdout
                    .lines()
                    .any(|l| l.starts_with(&format!("{id} "))),
                "`conform list --partition {shard}` shows {id}"
            );
            assert!(seen.insert(id.clone(), status).is_none(), "{id} ran twice");
        }
    }
    assert_eq!(seen, all, "the partitions together run every case once");

    let merged = conform(
        s.path(),
        &[
            "report",
            "merge",
            "p1.json",
            "p2.json",
            "p3.json",
            "--junit",
            "merged.xml",
            "--report-json",
            "merged.json",
        ],
    );
    assert_eq!(merged.code, whole.code, "{}", merged.all());
    assert!(merged.stderr.is_empty(), "{}", merged.stderr);
    assert_eq!(
        counts(last_line(&merged.stdout)),
        counts(last_line(&whole.stdout))
    );
    let report = valid_report(&s.path().join("merged.json"));
    assert_eq!(json_statuses(&report), all);
    assert_eq!(junit_statuses(&s.path().join("merged.xml")), all);
    let whole_report = valid_report(&s.path().join("all.json"));
    assert_eq!(report["totals"], whole_report["totals"]);
    let exercised = |r: &Value| -> BTreeMap<String, Value> {
        (r["coverage"].as_array().expect("coverage").iter())
            .map(|c| {
                (
                    c["spec"].as_str().unwrap().to_string(),
                    c["exercised"].clone(),
                )
            })
            .collect()
    };
    assert_eq!(exercised(&report), exercised(&whole_report));

    let two = conform(s.path(), &["report", "merge", "p1.json", "p3.json"]);
    assert_eq!(two.code, 0, "{}", two.all());
    assert!(
        two.stderr.contains("warning: partition 2/3 missing"),
        "{}",
        two.stderr
    );
}

#[test]
fn merge_refuses_duplicates_other_versions_and_other_files() {
    let s = Scratch::new();
    let out = conform(
        s.path(),
        &["run", "--partition", "1/2", "--report-json", "a.json"],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    std::fs::copy(s.path().join("a.json"), s.path().join("b.json")).expect("copy");
    let dup = conform(s.path(), &["report", "merge", "a.json", "b.json"]);
    assert_eq!(dup.code, 2, "{}", dup.all());
    assert!(
        dup.stderr.contains("is in both a.json and b.json"),
        "{}",
        dup.stderr
    );

    let mut report: Value =
        serde_json::from_str(&std::fs::read_to_string(s.path().join("a.json")).unwrap()).unwrap();
    report["schema_version"] = 2.into();
    s.write("v2.json", &report.to_string());
    let v2 = conform(s.path(), &["report", "merge", "v2.json"]);
    assert_eq!(v2.code, 2, "{}", v2.all());
    assert!(
        v2.stderr
            .contains("v2.json: schema_version 2 is not supported (this conform reads version 1)"),
        "{}",
        v2.stderr
    );

    s.write("other.json", r#"{"tests": []}"#);
    s.write("junk.json", "not json");
    for (file, why) in [
        ("other.json", "it has no `schema_version`"),
        ("junk.json", "not JSON"),
    ] {
        let out = conform(s.path(), &["report", "merge", file]);
        assert_eq!(out.code, 2, "{}", out.all());
        assert!(
            out.stderr
                .contains(&format!("{file}: not a conform JSON report: {why}")),
            "{}",
            out.stderr
        );
    }
    let missing = conform(s.path(), &["report", "merge", "nowhere.json"]);
    assert_eq!(missing.code, 2, "{}", missing.all());
    assert!(
        missing.stderr.contains("cannot read nowhere.json"),
        "{}",
        missing.stderr
    );
}

const SPEC: &str = r#"
title: t
document: d
cases:
  - id: pass
    section: "§1"
    tags: [a]
    account: primary
    steps: [{ request: { path: /ok }, expect: { status: 200 } }]
  - id: fail
    section: "§2"
    steps: [{ request: { path: /ok }, expect: { status: 201 } }]
  - id: skip
    section: "§3"
    account: two_factor
    steps: [{ request: { path: /ok } }]
  - id: blocked
    section: "§4"
    account: primary
    steps: [{ request: { path: /locked }, expect: { status: 200 } }]
"#;

async fn failing_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/ok"))
        .respond_with(ResponseTemplate::new(200).insert_header("content-type", "text/plain"))
        .mount(&server)
        .await;
    Mock::given(path("/locked"))
        .respond_with(ResponseTemplate::new(423))
        .mount(&server)
        .await;
    server
}

/// The target with a user name and password in it.
fn with_credentials(server: &MockServer) -> String {
    server
        .uri()
        .replacen("http://", "http://ci-user:hunter2pw@", 1)
}

#[tokio::test]
async fn failing_run_report_validates_and_agrees_with_junit() {
    let server = failing_server().await;
    let s = Scratch::new();
    s.write("spec.yaml", SPEC);
    s.write(
        "profile.yaml",
        "accounts:\n  primary: { username: a, password: pw-secret }\n",
    );
    let args = |extra: &[&str]| {
        let mut args: Vec<String> = ["run", "--target", &with_credentials(&server)]
            .into_iter()
            .chain(["--profile", "profile.yaml", "spec.yaml"])
            .map(String::from)
            .collect();
        args.extend(extra.iter().map(|a| a.to_string()));
        args
    };
    let out = conform_async(
        s.path().to_path_buf(),
        args(&["--report-json", "out.json", "--junit", "junit.xml"]),
    )
    .await;
    assert_eq!(out.code, 1, "{}", out.all());
    let report = valid_report(&s.path().join("out.json"));
    let statuses = json_statuses(&report);
    assert_eq!(statuses, junit_statuses(&s.path().join("junit.xml")));
    let expected: BTreeMap<String, String> = [
        ("spec::pass", "passed"),
        ("spec::fail", "failed"),
        ("spec::skip", "skipped"),
        ("spec::blocked", "inconclusive"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(statuses, expected);

    let text = std::fs::read_to_string(s.path().join("out.json")).unwrap();
    assert!(
        !text.contains("hunter2pw") && !text.contains("ci-user"),
        "{text}"
    );
    assert!(!text.contains("pw-secret"), "{text}");
    assert_eq!(report["targets"][0]["target"], format!("{}/", server.uri()));
    let case = |id: &str| {
        (report["cases"].as_array().unwrap().iter())
            .find(|c| c["id"] == id)
            .cloned()
            .expect(id)
    };
    let fail = case("spec::fail");
    let failure = &fail["failures"][0];
    assert_eq!(failure["kind"], "assertion");
    assert_eq!(failure["title"], "status code");
    assert_eq!(failure["location"]["file"], "spec.yaml");
    assert_eq!(failure["location"]["line"], 12, "the `status: 201` line");
    assert_eq!(fail["steps"][0]["request"]["method"], "GET");
    assert_eq!(fail["steps"][0]["response"]["status"], 200);
    assert_eq!(fail["steps"][0]["response"]["content_type"], "text/plain");
    assert_eq!(case("spec::pass")["account"], "primary");
    assert!(case("spec::skip")["reason"].is_string());
    assert!(case("spec::blocked")["reason"].is_string());

    let merged = conform(s.path(), &["report", "merge", "out.json"]);
    assert_eq!(merged.code, 1, "{}", merged.all());
    assert_eq!(
        counts(last_line(&merged.stdout)),
        counts(last_line(&out.stdout))
    );
    assert!(
        merged.stdout.contains("FAIL spec::fail — status code"),
        "{}",
        merged.stdout
    );

    let piped = conform_async(s.path().to_path_buf(), args(&["--report-json", "-"])).await;
    assert_eq!(piped.code, 1, "{}", piped.all());
    let on_stdout: Value = serde_json::from_str(&piped.stdout).expect("only JSON on stdout");
    assert_eq!(json_statuses(&on_stdout), expected);
    assert!(
        piped.stderr.contains("FAIL spec::fail"),
        "the human output goes to stderr: {}",
        piped.stderr
    );
}

#[tokio::test]
async fn report_paths_are_checked_before_the_first_request() {
    let server = failing_server().await;
    let s = Scratch::new();
    s.write("spec.yaml", SPEC);
    s.write(
        "profile.yaml",
        "accounts:\n  primary: { username: a, password: pw-secret }\n",
    );
    for flag in ["--report-json", "--junit"] {
        let args: Vec<String> = [
            "run",
            "--target",
            &server.uri(),
            "--profile",
            "profile.yaml",
            "spec.yaml",
            flag,
            "missing-dir/out",
        ]
        .into_iter()
        .map(String::from)
        .collect();
        let out = conform_async(s.path().to_path_buf(), args).await;
        assert_eq!(out.code, 2, "{}", out.all());
        assert!(
            out.stderr
                .contains(&format!("error: cannot write {flag} missing-dir/out:")),
            "{}",
            out.stderr
        );
    }
    let received = server.received_requests().await.unwrap_or_default();
    assert!(received.is_empty(), "nothing is sent: {received:?}");
}

#[tokio::test]
async fn merge_gives_github_annotations_and_a_job_summary() {
    let server = MockServer::start().await;
    Mock::given(path("/x"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let s = Scratch::new();
    s.write(
        "spec.yaml",
        "title: t\ndocument: d\ncases:\n  - id: broken\n    section: s\n    steps:\n      - request: { path: /x }\n        expect: { status: 200 }\n  - id: skipped\n    section: s\n    account: primary\n    steps: [{ request: { path: /x } }]\n",
    );
    let out = conform_async(
        s.path().to_path_buf(),
        vec![
            "run".into(),
            "--target".into(),
            server.uri(),
            "--report-json".into(),
            "one.json".into(),
            "spec.yaml".into(),
        ],
    )
    .await;
    assert_eq!(out.code, 1, "{}", out.all());
    let summary = s.path().join("summary.md");
    let merged = common::conform_env(
        s.path(),
        &["report", "merge", "--github", "--fail-on-skip", "one.json"],
        &[("GITHUB_STEP_SUMMARY", summary.to_str().unwrap_or_default())],
    );
    assert_eq!(merged.code, 1, "{}", merged.all());
    assert!(
        merged
            .stdout
            .contains("::error file=spec.yaml,line=8,col=27,title=spec%3A%3Abroken%3A status code::actual status is 500"),
        "{}",
        merged.stdout
    );
    let markdown = std::fs::read_to_string(&summary).unwrap_or_default();
    assert!(markdown.contains("| spec::broken | failed |"), "{markdown}");
}
