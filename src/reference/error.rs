//! Why a reference server cannot start.

use std::net::SocketAddr;

/// Why a reference server cannot start.
#[derive(Debug, thiserror::Error)]
pub enum ReferenceError {
    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The profile has no account at all.
    #[error("the profile has no accounts for the reference server to serve")]
    NoAccounts,
    /// An account lacks something the reference needs to check logins by itself.
    #[error("account `{role}` cannot be served by the reference server: {reason}")]
    UnusableAccount {
        /// The account's profile name (`primary`, `two_factor`).
        role: &'static str,
        /// What is missing or unsupported.
        reason: String,
    },
    /// Two accounts have the same username, so a login could not tell them apart.
    #[error("accounts `{first}` and `{second}` share the username `{username}`")]
    DuplicateUsername {
        /// The shared username.
        username: String,
        /// The first account's profile name.
        first: &'static str,
        /// The second account's profile name.
        second: &'static str,
    },
}
