//! Choosing which cases run: `--filter` patterns on ids and `--tag` filters.

use super::model::{CasePlan, Plan};

/// A case selection from the command line.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Id patterns; a case matches if any does: a substring of `spec::case`, or with
    /// `*` a glob over the whole id or the case id alone.
    pub filters: Vec<String>,
    /// Tags; a case needs one of the plain tags and none of the `!`-prefixed ones.
    pub tags: Vec<String>,
}

impl Selection {
    /// Whether a case is selected.
    pub fn matches(&self, case: &CasePlan) -> bool {
        let id_ok = self.filters.is_empty() || self.filters.iter().any(|p| id_matches(p, &case.id));
        let wanted: Vec<&str> = self
            .tags
            .iter()
            .filter(|t| !t.starts_with('!'))
            .map(String::as_str)
            .collect();
        let unwanted: Vec<&str> = self
            .tags
            .iter()
            .filter_map(|t| t.strip_prefix('!'))
            .collect();
        let tag_ok = (wanted.is_empty() || case.tags.iter().any(|t| wanted.contains(&t.as_str())))
            && !case.tags.iter().any(|t| unwanted.contains(&t.as_str()));
        id_ok && tag_ok
    }
}

/// A pattern without `*` matches as a substring of `spec::case`; one with `*` is a glob
/// over the whole id or over the case id alone (`json*` matches `txty::json.login`).
fn id_matches(pattern: &str, id: &str) -> bool {
    if !pattern.contains('*') {
        return id.contains(pattern);
    }
    let parts: Vec<String> = pattern.split('*').map(regex::escape).collect();
    let Ok(glob) = regex::Regex::new(&format!("^{}$", parts.join(".*"))) else {
        return false;
    };
    let case_id = id.split_once("::").map(|(_, case)| case);
    glob.is_match(id) || case_id.is_some_and(|case| glob.is_match(case))
}

impl Plan {
    /// Keeps only the selected cases (specs left empty stay, with no cases).
    pub fn select(&mut self, selection: &Selection) {
        for spec in &mut self.specs {
            spec.cases.retain(|c| selection.matches(c));
        }
    }

    /// The case ids of every spec (without the spec prefix).
    pub fn case_ids(
        &self,
    ) -> std::collections::BTreeMap<String, std::collections::HashSet<String>> {
        self.specs
            .iter()
            .map(|s| {
                let prefix = format!("{}::", s.name);
                let ids = s
                    .cases
                    .iter()
                    .map(|c| c.id.strip_prefix(&prefix).unwrap_or(&c.id).to_string())
                    .collect();
                (s.name.clone(), ids)
            })
            .collect()
    }

    /// Number of cases in the plan.
    pub fn case_count(&self) -> usize {
        self.specs.iter().map(|s| s.cases.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        assert!(id_matches("2fa", "txty::login.2fa.json"));
        assert!(id_matches("txty::*.json", "txty::login.2fa.json"));
        assert!(!id_matches("txty::*.xml", "txty::login.2fa.json"));
    }

    #[test]
    fn globs_match_the_case_id_without_its_spec() {
        let id = "txty::json.login.primary";
        assert!(id_matches("json*", id));
        assert!(id_matches("txty::json*", id));
        assert!(id_matches("*.primary", id));
        assert!(id_matches("*login*", id));
        assert!(
            !id_matches("login*", id),
            "a glob is anchored at the start of either id"
        );
        assert!(!id_matches("xml*", id));
        assert!(
            !id_matches("json", "txty::xml.login"),
            "no `*`: a substring"
        );
        assert!(id_matches("n.lo", id));
    }
}
