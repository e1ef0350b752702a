//! One named deviation of a reference server, and the whole catalog.

use super::super::api::Api;
use super::super::faults::{Faults, PasswordCheck};

/// The edit that turns the correct behaviour into a deviation.
pub(super) type Edit = fn(&mut Faults);

/// Whether a deviation must be caught or must be tolerated by a spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DeviationKind {
    /// Breaks one documented promise or rule of login security: a spec must fail it.
    Mutant,
    /// Differs only where the document is silent: a spec must pass it.
    Variant,
}

impl DeviationKind {
    /// `mutant` or `variant`.
    pub fn name(self) -> &'static str {
        match self {
            DeviationKind::Mutant => "mutant",
            DeviationKind::Variant => "variant",
        }
    }
}

/// A variant of one API's reference server, named and described.
#[derive(Clone, Debug)]
pub struct Deviation {
    /// The API it deviates from.
    pub api: Api,
    /// Stable id, unique within the API (e.g. `bypass-2fa`).
    pub id: &'static str,
    /// Mutant or variant.
    pub kind: DeviationKind,
    /// One line: what changes, and for a mutant the promise it breaks, quoted.
    pub description: &'static str,
    /// The switches that produce it.
    pub faults: Faults,
    /// For a mutant that breaks no documented promise, only a rule of login security:
    /// the advisory (`json-as-html`) that must catch it instead of a failing case.
    pub advisory: Option<&'static str>,
}

impl Deviation {
    /// A mutant of `api` made by `edit` on the correct behaviour.
    pub(super) fn mutant(
        api: Api,
        id: &'static str,
        description: &'static str,
        edit: Edit,
    ) -> Self {
        Self::new(api, id, DeviationKind::Mutant, description, edit)
    }

    /// A mutant of `api` that only advisory `advisory` can catch: the document promises
    /// nothing it breaks.
    pub(super) fn advisory_only(
        api: Api,
        id: &'static str,
        advisory: &'static str,
        description: &'static str,
        edit: Edit,
    ) -> Self {
        let mut d = Self::new(api, id, DeviationKind::Mutant, description, edit);
        d.advisory = Some(advisory);
        d
    }

    /// A conformant variant of `api` made by `edit` on the correct behaviour.
    pub(super) fn variant(
        api: Api,
        id: &'static str,
        description: &'static str,
        edit: Edit,
    ) -> Self {
        Self::new(api, id, DeviationKind::Variant, description, edit)
    }

    fn new(
        api: Api,
        id: &'static str,
        kind: DeviationKind,
        description: &'static str,
        edit: Edit,
    ) -> Self {
        let mut faults = Faults::default();
        edit(&mut faults);
        Self {
            api,
            id,
            kind,
            description,
            faults,
            advisory: None,
        }
    }

    /// `api/id`, the name used in reports.
    pub fn qualified_id(&self) -> String {
        format!("{}/{}", self.api, self.id)
    }
}

/// Every deviation of `api`: its mutants, then its variants, in a stable order.
pub fn deviations_of(api: Api) -> Vec<Deviation> {
    let mut all = match api {
        Api::Txty => super::txty::deviations(),
        Api::Cielo24 => super::cielo24::deviations(),
        Api::RocketChat => super::rocketchat::deviations(),
        Api::Payroll => super::payroll::deviations(),
        Api::Coldstream => super::coldstream::deviations(),
    };
    all.extend(shared_mutants(api));
    // Stable: mutants first, each kind in the order its file lists it.
    all.sort_by_key(|d| d.kind);
    all
}

/// The mutants every API has: the password checks that the reference's accounts do
/// for all of them.
fn shared_mutants(api: Api) -> Vec<Deviation> {
    vec![
        Deviation::mutant(
            api,
            "password-ignores-case",
            "passwords are compared ignoring case, so the password in swapped case logs in (login security)",
            |f| f.password_check = PasswordCheck::IgnoreCase,
        ),
        Deviation::mutant(
            api,
            "password-prefix",
            "passwords are compared on their first 8 characters only, so the password plus one character logs in (login security)",
            |f| f.password_check = PasswordCheck::Prefix(8),
        ),
    ]
}

/// Every deviation of every API, in seed order.
pub fn catalog() -> Vec<Deviation> {
    Api::ALL.into_iter().flat_map(deviations_of).collect()
}

/// The deviation `id` of `api` of the given kind.
pub fn find_deviation(api: Api, kind: DeviationKind, id: &str) -> Option<Deviation> {
    deviations_of(api)
        .into_iter()
        .find(|d| d.kind == kind && d.id == id)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn ids_are_unique_and_kebab_case_per_api() {
        for api in Api::ALL {
            let mut seen = HashSet::new();
            for d in deviations_of(api) {
                assert!(seen.insert(d.id), "{api}: duplicate id {}", d.id);
                assert!(
                    d.id.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                    "{api}: id {} is not kebab-case",
                    d.id
                );
                assert_eq!(d.api, api);
            }
        }
    }

    #[test]
    fn every_api_has_ten_mutants_and_three_variants() {
        for api in Api::ALL {
            let all = deviations_of(api);
            let mutants = all
                .iter()
                .filter(|d| d.kind == DeviationKind::Mutant)
                .count();
            let variants = all.len() - mutants;
            assert!(mutants >= 10, "{api}: {mutants} mutants");
            assert!(variants >= 3, "{api}: {variants} variants");
        }
    }

    #[test]
    fn advisory_only_mutants_name_a_known_advisory() {
        let marked: Vec<String> = catalog()
            .iter()
            .filter_map(|d| {
                let id = d.advisory?;
                assert_eq!(d.kind, DeviationKind::Mutant, "{}", d.qualified_id());
                assert!(
                    crate::advise::rule(id).is_some(),
                    "{}: {id}",
                    d.qualified_id()
                );
                Some(d.qualified_id())
            })
            .collect();
        assert_eq!(
            marked,
            [
                "rocketchat/json-as-html",
                "payroll/weak-jwt-secret",
                "coldstream/no-cache-control"
            ]
        );
    }

    #[test]
    fn every_deviation_changes_something() {
        for d in catalog() {
            assert_ne!(
                d.faults,
                Faults::default(),
                "{} changes nothing",
                d.qualified_id()
            );
        }
    }

    #[test]
    fn no_two_deviations_of_an_api_are_the_same() {
        for api in Api::ALL {
            let all = deviations_of(api);
            for (i, a) in all.iter().enumerate() {
                for b in &all[i + 1..] {
                    assert_ne!(a.faults, b.faults, "{api}: {} = {}", a.id, b.id);
                }
            }
        }
    }
}
