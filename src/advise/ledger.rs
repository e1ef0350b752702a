//! The run's advisories: each case's findings deduplicated per spec and id (the first
//! case and step in plan order kept, with a count), the user-enumeration comparison
//! across cases, `--allow` and `--deny-advisories` applied.

use std::collections::BTreeMap;

use super::advisory::{AdviseOptions, Advisory, CaseAdvice};
use super::enumeration::{Refusal, compare_refusals};
use super::rules::rule;

/// Where a finding was seen: the case's place in the plan, its spec and id, the step.
#[derive(Clone, Debug)]
struct Seen {
    order: usize,
    spec: String,
    case: String,
    step: Option<String>,
    step_index: usize,
}

/// Collects advisories as cases finish.
#[derive(Debug, Default)]
pub struct AdvisoryLedger {
    options: AdviseOptions,
    /// `(spec, id)` → the first sighting, its advisory and the count.
    found: BTreeMap<(String, String), (Seen, Advisory)>,
    refusals: BTreeMap<String, Vec<(Seen, Refusal)>>,
}

impl AdvisoryLedger {
    /// A ledger applying `options`.
    pub fn new(options: AdviseOptions) -> Self {
        Self {
            options,
            ..Self::default()
        }
    }

    /// Records a finished case's advice; `order` is its place in the plan, `steps` its
    /// step names (indexed like the findings' steps).
    pub fn record(
        &mut self,
        order: usize,
        spec: &str,
        case: &str,
        steps: &[String],
        advice: &CaseAdvice,
    ) {
        let seen = |step: usize| Seen {
            order,
            spec: spec.to_string(),
            case: case.to_string(),
            step: steps.get(step).cloned(),
            step_index: step,
        };
        for f in &advice.findings {
            self.add(seen(f.step), f.rule.id, f.evidence.clone());
        }
        for r in &advice.refusals {
            self.refusals
                .entry(spec.to_string())
                .or_default()
                .push((seen(r.step), r.clone()));
        }
    }

    /// Records a finding made outside a case's steps (an active probe).
    pub fn add_probe(&mut self, spec: &str, case: &str, id: &str, evidence: String) {
        let seen = Seen {
            order: usize::MAX,
            spec: spec.to_string(),
            case: case.to_string(),
            step: None,
            step_index: 0,
        };
        self.add(seen, id, evidence);
    }

    fn add(&mut self, seen: Seen, id: &str, evidence: String) {
        let Some(rule) = rule(id) else {
            return;
        };
        let key = (seen.spec.clone(), id.to_string());
        let advisory = Advisory {
            id: id.to_string(),
            severity: rule.severity,
            title: rule.title.to_string(),
            evidence,
            spec: seen.spec.clone(),
            case: seen.case.clone(),
            step: seen.step.clone(),
            reference: rule.reference.to_string(),
            count: 1,
            denied: false,
        };
        match self.found.get_mut(&key) {
            None => {
                self.found.insert(key, (seen, advisory));
            }
            Some((first, kept)) => {
                let count = kept.count + 1;
                if (seen.order, seen.step_index) < (first.order, first.step_index) {
                    (*first, *kept) = (seen, advisory);
                }
                kept.count = count;
            }
        }
    }

    /// The run's advisories, in plan order of their first sighting: allowed ones left
    /// out, denied ones marked.
    pub fn finish(mut self) -> Vec<Advisory> {
        let refusals = std::mem::take(&mut self.refusals);
        for samples in refusals.into_values() {
            let mut samples = samples;
            samples.sort_by_key(|(s, r)| (s.order, r.step));
            let found: Vec<(String, Seen)> = compare_refusals(&samples)
                .into_iter()
                .map(|(e, s)| (e, s.clone()))
                .collect();
            for (evidence, seen) in found {
                self.add(seen, "user-enumeration", evidence);
            }
        }
        let mut out: Vec<(Seen, Advisory)> = self
            .found
            .into_values()
            .filter(|(_, a)| !self.options.allow.contains(&a.id))
            .collect();
        out.sort_by(|(a, x), (b, y)| {
            (a.order, a.step_index, &x.spec, &x.id).cmp(&(b.order, b.step_index, &y.spec, &y.id))
        });
        out.into_iter()
            .map(|(_, mut a)| {
                a.denied = self.options.deny.is_some_and(|d| a.severity >= d);
                a
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::advise::{Finding, Severity};

    fn advice(id: &str, step: usize) -> CaseAdvice {
        CaseAdvice {
            findings: vec![Finding {
                rule: rule(id).expect("rule"),
                evidence: format!("seen at {step}"),
                step,
            }],
            refusals: Vec::new(),
        }
    }

    #[test]
    fn findings_are_deduplicated_per_spec_keeping_the_first_in_plan_order() {
        let mut ledger = AdvisoryLedger::new(AdviseOptions::default());
        let steps = ["a".to_string(), "b".to_string()];
        ledger.record(
            3,
            "txty",
            "txty::late",
            &steps,
            &advice("credential-echo", 0),
        );
        ledger.record(
            1,
            "txty",
            "txty::early",
            &steps,
            &advice("credential-echo", 1),
        );
        ledger.record(
            2,
            "cielo24",
            "cielo24::x",
            &steps,
            &advice("credential-echo", 0),
        );
        let all = ledger.finish();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].case, "txty::early");
        assert_eq!(all[0].step.as_deref(), Some("b"));
        assert_eq!(all[0].count, 2);
        assert_eq!(all[1].spec, "cielo24");
        assert_eq!(all[1].count, 1);
    }

    #[test]
    fn allow_silences_and_deny_marks_at_or_above() {
        let options = AdviseOptions {
            deny: Some(Severity::Medium),
            allow: vec!["credentials-in-query".into()],
            ..AdviseOptions::default()
        };
        let mut ledger = AdvisoryLedger::new(options);
        let steps = ["a".to_string()];
        ledger.record(0, "s", "s::a", &steps, &advice("credentials-in-query", 0));
        ledger.record(0, "s", "s::a", &steps, &advice("token-cacheable", 0));
        ledger.record(0, "s", "s::a", &steps, &advice("credential-echo", 0));
        let all = ledger.finish();
        let ids: Vec<(&str, bool)> = all.iter().map(|a| (a.id.as_str(), a.denied)).collect();
        assert_eq!(ids, [("credential-echo", true), ("token-cacheable", false)]);
    }
}
