//! Issued-token state shared by the responders of one server.
//!
//! Lives outside the wiremock mocks so that re-mounting them (see `server.rs`) loses nothing.
//! Bounded: a long-running server forgets the oldest tokens instead of growing without end.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};

/// How many tokens a store keeps before it forgets the oldest.
pub(crate) const DEFAULT_CAPACITY: usize = 100_000;

/// Tokens a server issued, each with what it stands for, in issue order.
#[derive(Debug)]
pub(crate) struct IssuedTokens<V> {
    entries: HashMap<String, (u64, V)>,
    order: VecDeque<(u64, String)>,
    next_seq: u64,
    capacity: usize,
}

impl<V> Default for IssuedTokens<V> {
    fn default() -> Self {
        Self::with_capacity(DEFAULT_CAPACITY)
    }
}

impl<V> IssuedTokens<V> {
    /// An empty store that keeps at most `capacity` tokens (at least one).
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Self {
            entries: HashMap::new(),
            order: VecDeque::new(),
            next_seq: 0,
            capacity: capacity.max(1),
        }
    }

    /// Remembers `token`; re-issuing a token replaces what it stood for.
    pub(crate) fn insert(&mut self, token: String, value: V) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.order.push_back((seq, token.clone()));
        self.entries.insert(token, (seq, value));
        // `order` also holds removed and replaced tokens, so bounding it bounds both.
        while self.order.len() > self.capacity {
            if let Some((old_seq, old)) = self.order.pop_front()
                && self.entries.get(&old).is_some_and(|(s, _)| *s == old_seq)
            {
                self.entries.remove(&old);
            }
        }
    }

    /// What `token` stands for, if it was issued and not forgotten.
    pub(crate) fn get(&self, token: &str) -> Option<&V> {
        self.entries.get(token).map(|(_, v)| v)
    }

    /// Mutable access to what `token` stands for.
    pub(crate) fn get_mut(&mut self, token: &str) -> Option<&mut V> {
        self.entries.get_mut(token).map(|(_, v)| v)
    }

    /// Forgets `token` and returns what it stood for.
    pub(crate) fn remove(&mut self, token: &str) -> Option<V> {
        self.entries.remove(token).map(|(_, v)| v)
    }

    /// How many tokens are remembered.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

/// Locks `mutex`, recovering from a poisoned lock: state stays usable after a bug.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_get_remove() {
        let mut store = IssuedTokens::default();
        store.insert("a".into(), 1);
        store.insert("b".into(), 2);
        assert_eq!(store.get("a"), Some(&1));
        *store.get_mut("b").unwrap() += 10;
        assert_eq!(store.remove("b"), Some(12));
        assert_eq!(store.get("b"), None);
        assert_eq!(store.remove("zzz"), None);
    }

    #[test]
    fn oldest_tokens_are_forgotten_at_capacity() {
        let mut store = IssuedTokens::with_capacity(3);
        for (i, t) in ["a", "b", "c", "d"].into_iter().enumerate() {
            store.insert(t.to_string(), i);
        }
        assert_eq!(store.get("a"), None);
        assert_eq!(store.len(), 3);
        // Removals do not let the bookkeeping grow.
        for i in 0..100 {
            store.insert(format!("t{i}"), i);
            store.remove(&format!("t{i}"));
        }
        assert!(store.order.len() <= 3);
    }

    #[test]
    fn reissued_token_survives_eviction_of_its_old_entry() {
        let mut store = IssuedTokens::with_capacity(2);
        store.insert("same".into(), 1);
        store.insert("same".into(), 2);
        store.insert("other".into(), 3);
        assert_eq!(store.get("same"), Some(&2));
        assert_eq!(store.get("other"), Some(&3));
    }
}
