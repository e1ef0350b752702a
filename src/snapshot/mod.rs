//! Snapshots of what steps received: rendering (stable, redacted text) and the store
//! of `.snap` files compared on every run and rewritten on request.
//!
//! Part of the report stage: it reads masked outcomes and never sends anything.

mod render;
mod sink;
mod store;

pub use render::{REDACTED, render_snapshot};
pub use sink::{SnapshotEvent, SnapshotSink};
pub use store::{SnapshotStatus, SnapshotStore, contents_of, snapshot_file, snapshot_name};
