//! `use:` — starting a step from a named step of the spec and overriding parts of it.
//!
//! Rules: scalar request fields and `expect`, `branch`, `snapshot` are replaced by the
//! local ones; `query`, `headers`, `form` and `capture` are merged key by key (the
//! local value wins, `null` removes an inherited key).

use indexmap::IndexMap;

use crate::spec::{RequestSpec, StepSpec};

/// Merges `local` over `base`.
pub fn merge_step(base: &StepSpec, local: &StepSpec) -> StepSpec {
    let request = match (&base.request, &local.request) {
        (Some(b), Some(l)) => Some(merge_request(b, l)),
        (b, l) => l.clone().or_else(|| b.clone()),
    };
    let mut capture = base.capture.clone();
    for (k, v) in &local.capture {
        capture.insert(k.clone(), v.clone());
    }
    StepSpec {
        name: local.name.clone().or_else(|| base.name.clone()),
        use_step: None,
        request,
        expect: local.expect.clone().or_else(|| base.expect.clone()),
        capture,
        branch: local.branch.clone().or_else(|| base.branch.clone()),
        snapshot: local.snapshot.clone().or_else(|| base.snapshot.clone()),
    }
}

fn merge_request(base: &RequestSpec, local: &RequestSpec) -> RequestSpec {
    let local_has_body = local.json.is_some() || local.form.is_some() || local.body.is_some();
    RequestSpec {
        method: local.method.clone().or_else(|| base.method.clone()),
        fallback_method: local
            .fallback_method
            .clone()
            .or_else(|| base.fallback_method.clone()),
        path: local.path.clone().or_else(|| base.path.clone()),
        query: merge_map(&base.query, &local.query),
        headers: merge_map(&base.headers, &local.headers),
        json: if local_has_body {
            local.json.clone()
        } else {
            base.json.clone()
        },
        form: match (&base.form, &local.form) {
            (Some(b), Some(l)) => Some(merge_map(b, l)),
            _ if local_has_body => local.form.clone(),
            _ => base.form.clone(),
        },
        body: if local_has_body {
            local.body.clone()
        } else {
            base.body.clone()
        },
        content_type: local
            .content_type
            .clone()
            .or_else(|| base.content_type.clone()),
        timeout: local.timeout.clone().or_else(|| base.timeout.clone()),
    }
}

fn merge_map<V: Clone>(
    base: &IndexMap<String, V>,
    local: &IndexMap<String, V>,
) -> IndexMap<String, V> {
    let mut out = base.clone();
    for (k, v) in local {
        out.insert(k.clone(), v.clone());
    }
    out
}
