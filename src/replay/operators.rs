//! The generic login-security operators: mutants of a recording, each derived from its
//! exchanges. An operator with nothing to act on carries the reason instead of a
//! script: it survives with that reason ("no case sends a wrong password").

use std::collections::HashMap;

use serde_json::Value;

use super::json_edit::{drop_at, rename_at, retype_at};
use super::jwt::{JwtEdit, has_jwt};
use super::reads::{ReadPath, pointers};
use super::recording::{Answer, CodeRole, Exchange, Recording};
use super::server::Script;
use crate::mutate::DeviationInfo;
use crate::profile::{AccountName, Profile};
use crate::reference::DeviationKind;

/// One mutant or variant of a recording.
pub(crate) struct Operator {
    pub(crate) info: DeviationInfo,
    /// What the replay answers, or why the operator has nothing to act on.
    pub(crate) script: Result<Script, String>,
}

pub(crate) fn mutant(
    id: impl Into<String>,
    description: impl Into<String>,
    script: Result<Script, String>,
) -> Operator {
    Operator {
        info: DeviationInfo::generic(id, DeviationKind::Mutant, description),
        script,
    }
}

/// The recording's answers with `edit` applied to each; `None` when it changed none.
pub(crate) fn edit_answers(
    recording: &Recording,
    mut edit: impl FnMut(&Exchange, &mut Answer) -> bool,
) -> Option<Script> {
    let mut script = Script::identity(recording);
    let mut changed = false;
    for (e, a) in recording.exchanges.iter().zip(&mut script.answers) {
        changed |= edit(e, a);
    }
    changed.then_some(script)
}

/// Every generic mutant of `recording`, for a spec that reads `reads`.
pub(crate) fn mutants(
    recording: &Recording,
    reads: &[ReadPath],
    profile: &Profile,
) -> Vec<Operator> {
    let mut out = vec![mutant(
        "wrong-password-accepted",
        "a login with a wrong password is answered like the same login with the right one",
        wrong_password_accepted(recording),
    )];
    let two_factor = profile.accounts.values().any(|a| a.code.is_some());
    if two_factor {
        out.push(mutant(
            "second-factor-skipped",
            "the code-required answer to a 2FA account's password is replaced by the success answer",
            second_factor_skipped(recording),
        ));
        for (id, role, what, reason) in [
            (
                "any-code-accepted",
                CodeRole::Wrong,
                "a wrong code",
                "no case sends a wrong code",
            ),
            (
                "stale-code-accepted",
                CodeRole::Stale,
                "a stale code",
                "no case sends a stale code",
            ),
            (
                "replayed-code-accepted",
                CodeRole::Last,
                "a code sent again",
                "no case sends a code again (`last_code`)",
            ),
        ] {
            out.push(mutant(
                id,
                format!("{what} is answered like the correct code"),
                code_accepted(recording, role, reason),
            ));
        }
    }
    out.push(mutant(
        "password-echoed",
        "the submitted password is inserted into the success answer",
        password_echoed(recording),
    ));
    if recording
        .exchanges
        .iter()
        .any(|e| answer_has_jwt(&e.answer))
    {
        for (id, edit, what) in [
            (
                "jwt-alg-none",
                JwtEdit::AlgNone,
                "every JWT gets `alg: none` and no signature",
            ),
            (
                "jwt-signature-stripped",
                JwtEdit::SignatureStripped,
                "every JWT loses its signature",
            ),
            (
                "jwt-exp-24h-later",
                JwtEdit::ExpLater,
                "every JWT expires a day later than issued",
            ),
            (
                "jwt-exp-past",
                JwtEdit::ExpPast,
                "every JWT expired an hour ago",
            ),
        ] {
            let mut script = Script::identity(recording);
            script.jwt = edit;
            out.push(mutant(id, what, Ok(script)));
        }
    }
    out.extend(field_mutants(recording, reads));
    out.extend(status_mutants(recording));
    if let Some(script) = xml_as_json(recording) {
        out.push(mutant(
            "xml-as-json",
            "XML answers are sent as JSON",
            Ok(script),
        ));
    }
    out.push(mutant(
        "other-account-token",
        "the credentials issued to one account are given to another account's login",
        other_account_token(recording),
    ));
    out
}

fn answer_has_jwt(a: &Answer) -> bool {
    has_jwt(&String::from_utf8_lossy(&a.body)) || a.headers.iter().any(|(_, v)| has_jwt(v))
}

/// The index of the best donor among `candidates` for `target`: same account first,
/// then a success answer, then the earliest.
fn donor(
    recording: &Recording,
    target: &Exchange,
    candidates: impl Iterator<Item = usize>,
) -> Option<usize> {
    candidates.min_by_key(|&j| {
        let d = &recording.exchanges[j];
        (
            d.account != target.account,
            (&d.method, &d.path) != (&target.method, &target.path),
            !d.answer.success(),
            j,
        )
    })
}

fn wrong_password_accepted(recording: &Recording) -> Result<Script, String> {
    let ex = &recording.exchanges;
    if !ex.iter().any(Exchange::wrong_password) {
        return Err("no case sends a wrong password".into());
    }
    edit_answers(recording, |e, a| {
        if !e.wrong_password() {
            return false;
        }
        let candidates = (0..ex.len())
            .filter(|&j| ex[j].password_only() && ex[j].method == e.method && ex[j].path == e.path);
        match donor(recording, e, candidates) {
            Some(j) => {
                *a = ex[j].answer.clone();
                true
            }
            None => false,
        }
    })
    .ok_or_else(|| {
        "no case logs in with the right password where one sends a wrong one, so there is no answer to copy".into()
    })
}

fn second_factor_skipped(recording: &Recording) -> Result<Script, String> {
    let ex = &recording.exchanges;
    let mut success: HashMap<Option<AccountName>, usize> = HashMap::new();
    for (i, e) in ex.iter().enumerate() {
        if e.code == Some(CodeRole::Code) && e.answer.success() {
            success.entry(e.account).or_insert(i);
        }
    }
    if !ex.iter().any(|e| e.code == Some(CodeRole::Code)) {
        return Err("no case sends a second-factor code".into());
    }
    edit_answers(recording, |e, a| match success.get(&e.account) {
        Some(&j) if e.password_only() => {
            *a = ex[j].answer.clone();
            true
        }
        _ => false,
    })
    .ok_or_else(|| "no case sends a 2FA account's password without its code".into())
}

fn code_accepted(recording: &Recording, role: CodeRole, reason: &str) -> Result<Script, String> {
    let ex = &recording.exchanges;
    if !ex.iter().any(|e| e.code == Some(role)) {
        return Err(reason.into());
    }
    edit_answers(recording, |e, a| {
        if e.code != Some(role) {
            return false;
        }
        let candidates = (0..ex.len())
            .filter(|&j| ex[j].code == Some(CodeRole::Code) && ex[j].account == e.account);
        match donor(recording, e, candidates) {
            Some(j) => {
                *a = ex[j].answer.clone();
                true
            }
            None => false,
        }
    })
    .ok_or_else(|| "no case sends the correct code, so there is no answer to copy".into())
}

fn password_echoed(recording: &Recording) -> Result<Script, String> {
    edit_answers(recording, |e, a| {
        let Some(password) = e.sent_password.as_deref().filter(|_| a.success()) else {
            return false;
        };
        if let Some(Value::Object(mut map)) = a.json() {
            map.insert("password".into(), password.into());
            a.set_json(&Value::Object(map));
            return true;
        }
        let text = String::from_utf8_lossy(&a.body).into_owned();
        match text.rfind("</") {
            Some(at) if a.is_xml() => {
                let mut s = text;
                s.insert_str(
                    at,
                    &format!("<password>{}</password>", xml_escape(password)),
                );
                a.body = s.into_bytes();
                true
            }
            _ => false,
        }
    })
    .ok_or_else(|| "no case logs in successfully with a JSON or XML answer".into())
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn field_mutants(recording: &Recording, reads: &[ReadPath]) -> Vec<Operator> {
    let mut out = Vec::new();
    type Edit = fn(&mut Value, &str) -> bool;
    let edits: [(&str, &str, Edit); 3] = [
        ("field-dropped", "is left out", drop_at),
        ("field-renamed", "is renamed (`…Renamed`)", rename_at),
        ("field-retyped", "has another JSON type", retype_at),
    ];
    for read in reads {
        for (id, what, edit) in edits {
            let script = edit_answers(recording, |_, a| {
                let Some(mut value) = a.json() else {
                    return false;
                };
                let mut at = pointers(&read.path, &value);
                at.retain(|p| !p.is_empty());
                at.reverse();
                let changed = at.iter().fold(false, |c, p| edit(&mut value, p) | c);
                if changed {
                    a.set_json(&value);
                }
                changed
            });
            if let Some(script) = script {
                out.push(mutant(
                    format!("{id}:{}", read.text),
                    format!("`{}` {what} in every answer that has it", read.text),
                    Ok(script),
                ));
            }
        }
    }
    out
}

/// The most common status of the answers `pick` admits.
fn common_status(recording: &Recording, pick: impl Fn(u16) -> bool, default: u16) -> u16 {
    let mut counts: HashMap<u16, usize> = HashMap::new();
    for e in &recording.exchanges {
        if pick(e.answer.status) {
            *counts.entry(e.answer.status).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .max_by_key(|&(s, n)| (n, std::cmp::Reverse(s)))
        .map_or(default, |(s, _)| s)
}

fn status_mutants(recording: &Recording) -> Vec<Operator> {
    let refusal = common_status(recording, |s| (400..500).contains(&s), 401);
    let success = common_status(recording, |s| (200..300).contains(&s), 200);
    let swapped = edit_answers(recording, |_, a| {
        let to = match a.status {
            200..=299 => refusal,
            400..=499 => success,
            _ => return false,
        };
        a.status = to;
        true
    });
    let server_error = edit_answers(recording, |_, a| {
        a.success().then(|| a.status = 500).is_some()
    });
    let html = edit_answers(recording, |_, a| {
        if a.body.is_empty() {
            return false;
        }
        a.set_header("content-type", "text/html; charset=utf-8".into());
        true
    });
    let none = || "no answer to change".to_string();
    vec![
        mutant(
            "status-swapped",
            format!("success answers get status {refusal} and refusals {success}"),
            swapped.ok_or_else(none),
        ),
        mutant(
            "status-500",
            "success answers get status 500 (same body)",
            server_error.ok_or_else(none),
        ),
        mutant(
            "media-type-html",
            "every answer with a body says `Content-Type: text/html`",
            html.ok_or_else(none),
        ),
    ]
}

fn xml_as_json(recording: &Recording) -> Option<Script> {
    edit_answers(recording, |_, a| {
        if !a.is_xml() {
            return false;
        }
        let response = crate::assert::Response::new(a.status, a.headers.clone(), a.body.clone());
        let Ok(value) = response.xml_view() else {
            return false;
        };
        let value = value.clone();
        a.set_json(&value);
        a.set_header("content-type", "application/json".into());
        true
    })
}

fn other_account_token(recording: &Recording) -> Result<Script, String> {
    let mut issued: Vec<(Option<AccountName>, &Vec<String>)> = Vec::new();
    for e in &recording.exchanges {
        if e.account.is_some()
            && e.answer.success()
            && !e.issued.is_empty()
            && !issued.iter().any(|(a, _)| *a == e.account)
        {
            issued.push((e.account, &e.issued));
        }
    }
    if issued.len() < 2 {
        return Err("no two accounts are issued credentials, so none can be swapped".into());
    }
    edit_answers(recording, |e, a| {
        let Some((_, theirs)) = issued.iter().find(|(acc, _)| *acc != e.account) else {
            return false;
        };
        if e.issued.is_empty() || e.account.is_none() {
            return false;
        }
        let mut body = String::from_utf8_lossy(&a.body).into_owned();
        let mut changed = false;
        for (mine, other) in e.issued.iter().zip(theirs.iter()) {
            if mine != other && body.contains(mine.as_str()) {
                body = body.replace(mine.as_str(), other);
                changed = true;
            }
            for (_, v) in &mut a.headers {
                if v.contains(mine.as_str()) && mine != other {
                    *v = v.replace(mine.as_str(), other);
                    changed = true;
                }
            }
        }
        if changed {
            a.body = body.into_bytes();
        }
        changed
    })
    .ok_or_else(|| "no answer carries a credential another account was issued too".into())
}
