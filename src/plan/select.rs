//! Choosing which cases run: `--filter` patterns on ids, `--tag` filters and
//! `--partition K/N` shards.

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

/// One of N disjoint shards of the cases (`--partition K/N`): a case belongs to shard
/// `fnv1a64(id) mod N == K - 1`. The hash is fixed (FNV-1a, 64 bits, over the UTF-8 of
/// `spec::case`), so every machine and every release puts a case in the same shard, and
/// the N shards together hold every case exactly once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Partition {
    /// Which shard, 1-based (`K`).
    pub index: u64,
    /// How many shards (`N`).
    pub count: u64,
}

impl Partition {
    /// Whether the case with this full id (`spec::case`) is in the shard.
    pub fn contains(&self, id: &str) -> bool {
        fnv1a64(id.as_bytes()) % self.count == self.index - 1
    }
}

impl std::fmt::Display for Partition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl std::str::FromStr for Partition {
    type Err = String;

    /// Parses `K/N` with 1 ≤ K ≤ N.
    fn from_str(text: &str) -> Result<Self, String> {
        let Some((k, n)) = text.trim().split_once('/') else {
            return Err(format!(
                "`{text}` is not a partition K/N such as 1/3 (the first of three)"
            ));
        };
        let number = |s: &str| s.trim().parse::<u64>().ok();
        match (number(k), number(n)) {
            (Some(index), Some(count)) if count >= 1 && (1..=count).contains(&index) => {
                Ok(Self { index, count })
            }
            (Some(_), Some(0)) => Err(format!("`{text}`: N must be at least 1")),
            (Some(_), Some(count)) => Err(format!(
                "`{text}`: K must be between 1 and N ({count}); shards are numbered from 1"
            )),
            _ => Err(format!(
                "`{text}` is not a partition K/N such as 1/3 (the first of three)"
            )),
        }
    }
}

/// FNV-1a, 64 bits: small, fixed by its definition, the same everywhere (unlike
/// `DefaultHasher`, whose output may change between Rust releases).
fn fnv1a64(bytes: &[u8]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes
        .iter()
        .fold(OFFSET, |hash, &b| (hash ^ u64::from(b)).wrapping_mul(PRIME))
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

    /// Keeps only the cases of one shard (specs left empty stay, with no cases).
    pub fn select_partition(&mut self, partition: Partition) {
        for spec in &mut self.specs {
            spec.cases.retain(|c| partition.contains(&c.id));
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

    #[test]
    fn fnv1a64_is_the_published_function() {
        // Test vectors of the FNV reference (draft-eastlake-fnv).
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn partitions_parse_k_of_n() {
        assert_eq!("2/3".parse(), Ok(Partition { index: 2, count: 3 }));
        assert_eq!("1/1".parse(), Ok(Partition { index: 1, count: 1 }));
        for bad in ["0/3", "4/3", "1/0", "3", "a/b", "-1/3", ""] {
            assert!(bad.parse::<Partition>().is_err(), "{bad}");
        }
        assert_eq!(
            "0/3".parse::<Partition>().unwrap_err(),
            "`0/3`: K must be between 1 and N (3); shards are numbered from 1"
        );
    }

    #[test]
    fn three_partitions_of_the_shipped_specs_hold_every_case_once() {
        let specs = crate::spec::load_embedded().expect("embedded specs load");
        let profile = std::sync::Arc::new(crate::profile::reference_profile());
        let plan = crate::plan::build_plan(&specs, profile, &crate::plan::PlanOptions::default())
            .expect("embedded specs plan");
        let ids: Vec<&str> = plan.cases().map(|c| c.id.as_str()).collect();
        assert!(ids.len() > 30, "the shipped specs have many cases");
        let shards: Vec<Partition> = (1..=3).map(|index| Partition { index, count: 3 }).collect();
        for id in &ids {
            let holders = shards.iter().filter(|p| p.contains(id)).count();
            assert_eq!(holders, 1, "{id} is in {holders} shards");
        }
        for p in &shards {
            let n = ids.iter().filter(|id| p.contains(id)).count();
            assert!(n > 0, "shard {p} of the shipped specs is empty");
        }
    }
}
