//! Detectors for `not_contains`: a masker for one value, built once per value and
//! shared, so a check repeated over many cases does not rebuild its automata.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use super::masker::Masker;

/// Distinct values kept; a run forbids a handful (the accounts' passwords).
const CACHE_LIMIT: usize = 64;

/// A masker that finds `value` in every form a secret is searched under.
pub fn detector_for(value: &str) -> Arc<Masker> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Masker>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let mut cache = cache.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(found) = cache.get(value) {
        return Arc::clone(found);
    }
    if cache.len() >= CACHE_LIMIT {
        cache.clear();
    }
    let detector = Arc::new(Masker::new([value]));
    cache.insert(value.to_string(), Arc::clone(&detector));
    detector
}
