//! Running specs against the bundled reference: starts one reference server per API
//! the plan's specs name, with the plan's profile, and gives each spec its target.
//!
//! Glue between the runner and [`crate::reference`]; the reference itself never sees
//! a spec.

use std::collections::BTreeMap;

use url::Url;

use crate::plan::Plan;
use crate::reference::{Api, Faults, Guards, ReferenceError, ReferenceServer, ServeOptions, serve};

/// Why the reference could not be started for a plan.
#[derive(Debug, thiserror::Error)]
pub enum SelfCheckError {
    /// A spec names no `api:`.
    #[error("spec `{spec}` names no `api:`, so there is no bundled reference to run it against")]
    NoApi {
        /// The spec.
        spec: String,
    },
    /// A spec names an API the reference does not implement.
    #[error(
        "spec `{spec}` names api `{api}`, which the bundled reference does not implement (it has txty, cielo24, rocketchat, payroll, coldstream)"
    )]
    UnknownApi {
        /// The spec.
        spec: String,
        /// The name.
        api: String,
    },
    /// A server could not start.
    #[error("the {api} reference cannot start: {source}")]
    Serve {
        /// The API.
        api: Api,
        /// The cause.
        source: ReferenceError,
    },
}

/// Running reference servers and the target of each spec of a plan.
#[derive(Debug)]
pub struct References {
    /// The servers, by API.
    pub servers: BTreeMap<Api, ReferenceServer>,
    /// The target of each spec, in plan order.
    pub targets: Vec<Url>,
}

impl References {
    /// Stops every server.
    pub async fn shutdown(self) {
        for (_, server) in self.servers {
            server.shutdown().await;
        }
    }
}

/// The API a spec's `api:` names.
pub fn spec_api(spec: &crate::plan::SpecPlan) -> Result<Api, SelfCheckError> {
    let name = spec.api.as_ref().ok_or_else(|| SelfCheckError::NoApi {
        spec: spec.name.clone(),
    })?;
    Api::parse(name).ok_or_else(|| SelfCheckError::UnknownApi {
        spec: spec.name.clone(),
        api: name.clone(),
    })
}

/// Starts the reference for every API of `plan`, serving the plan's profile.
pub async fn start_references(plan: &Plan, faults: &Faults) -> Result<References, SelfCheckError> {
    start_references_with(plan, faults, &Guards::default()).await
}

/// [`start_references`] with guards on every server (rate limits, failed-login blocks,
/// single-use TOTP codes), to check a runner against servers that guard logins.
pub async fn start_references_with(
    plan: &Plan,
    faults: &Faults,
    guards: &Guards,
) -> Result<References, SelfCheckError> {
    let apis: Vec<Api> = plan.specs.iter().map(spec_api).collect::<Result<_, _>>()?;
    let mut servers = BTreeMap::new();
    for api in &apis {
        if servers.contains_key(api) {
            continue;
        }
        let options = ServeOptions {
            faults: faults.clone(),
            guards: guards.clone(),
            ..ServeOptions::default()
        };
        let server = serve(*api, &plan.profile, options)
            .await
            .map_err(|source| SelfCheckError::Serve { api: *api, source })?;
        servers.insert(*api, server);
    }
    let mut targets = Vec::new();
    for api in &apis {
        let url = servers[api].base_url();
        // The reference's own address is always a valid URL.
        targets.push(Url::parse(&url).unwrap_or_else(|_| unreachable!("{url}")));
    }
    Ok(References { servers, targets })
}
