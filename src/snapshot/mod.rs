//! Snapshots of what steps received: the store of `.snap` files compared on every run
//! and rewritten on request (the stable, redacted text itself is rendered beside the
//! response, in `assert`).
//!
//! Part of the report stage: it reads masked outcomes and never sends anything.

mod sink;
mod store;

pub use crate::assert::{REDACTED, render_snapshot};
pub use sink::{SnapshotEvent, SnapshotSink};
pub use store::{SnapshotStatus, SnapshotStore, contents_of, snapshot_file, snapshot_name};
