//! The HTTP client: TLS verified by default, a custom CA for internal staging, no
//! automatic redirects (a contract test asserts them instead).

use std::path::PathBuf;
use std::sync::Once;
use std::time::Duration;

use super::send::DEFAULT_CONNECT_TIMEOUT;

/// Settings of the HTTP client.
#[derive(Clone, Debug, Default)]
pub struct ClientOptions {
    /// PEM file of CA certificates to trust in addition to the system's.
    pub cacert: Option<PathBuf>,
    /// PEM file with a client certificate chain and its private key (mutual TLS).
    pub client_cert: Option<PathBuf>,
    /// Accept any server certificate (prints a warning on every run).
    pub insecure: bool,
    /// Connect timeout (default [`DEFAULT_CONNECT_TIMEOUT`], 10 s).
    pub connect_timeout: Option<Duration>,
}

impl ClientOptions {
    /// The connect timeout the client is built with.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT)
    }
}

/// Why the client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// A certificate file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A certificate file holds no usable certificate or key.
    #[error("{path} {why}")]
    BadPem {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
    /// reqwest refused the configuration.
    #[error("cannot build the HTTP client: {0}")]
    Build(String),
}

/// Installs the ring crypto provider for rustls once per process.
pub fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // An error means another provider was installed first, which is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// Builds the client all cases of a run share.
pub fn build_client(options: &ClientOptions) -> Result<reqwest::Client, ClientError> {
    install_crypto_provider();
    let mut builder = reqwest::Client::builder()
        .user_agent(concat!("conform/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(options.connect_timeout())
        .pool_idle_timeout(Duration::from_secs(30));
    if let Some(path) = &options.cacert {
        let pem = read(path)?;
        let certs =
            reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| ClientError::BadPem {
                path: path.clone(),
                why: format!("is not a PEM certificate bundle: {e}"),
            })?;
        if certs.is_empty() {
            return Err(ClientError::BadPem {
                path: path.clone(),
                why: "holds no certificate".into(),
            });
        }
        builder = builder.tls_certs_merge(certs);
    }
    if let Some(path) = &options.client_cert {
        let pem = read(path)?;
        let identity = reqwest::Identity::from_pem(&pem).map_err(|e| ClientError::BadPem {
            path: path.clone(),
            why: format!("is not a PEM certificate chain with its private key: {e}"),
        })?;
        builder = builder.identity(identity);
    }
    if options.insecure {
        builder = builder.tls_danger_accept_invalid_certs(true);
    }
    builder
        .build()
        .map_err(|e| ClientError::Build(e.to_string()))
}

fn read(path: &PathBuf) -> Result<Vec<u8>, ClientError> {
    std::fs::read(path).map_err(|source| ClientError::Read {
        path: path.clone(),
        source,
    })
}
