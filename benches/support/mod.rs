//! Pieces of the throughput bench: the fast local server, the workload and its
//! clients, the counting allocator, and runs of the release binary.

pub mod alloc;
pub mod binary;
pub mod footprint;
pub mod process;
pub mod server;
pub mod staging;
pub mod workload;
