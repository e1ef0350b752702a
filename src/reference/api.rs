//! The five seed APIs by name.

/// One of the login APIs the reference implements, named after its product.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Api {
    /// Txty SMS gateway API v4, `/user/newapikey/login.{json,xml}` (seed 000).
    Txty,
    /// cielo24 API v1, `GET /api/account/login` (seed 001).
    Cielo24,
    /// Rocket.Chat REST API, `POST /api/v1/login` (seed 002).
    RocketChat,
    /// The French payroll API, `/login` with `User-Name`/`Password` headers (seed 003).
    Payroll,
    /// Coldstream, `POST /account/login` with an MFA token step (seed 004).
    Coldstream,
}

impl Api {
    /// Every API, in seed order.
    pub const ALL: [Api; 5] = [
        Api::Txty,
        Api::Cielo24,
        Api::RocketChat,
        Api::Payroll,
        Api::Coldstream,
    ];

    /// The name used on the command line and in spec file names.
    pub fn name(self) -> &'static str {
        match self {
            Api::Txty => "txty",
            Api::Cielo24 => "cielo24",
            Api::RocketChat => "rocketchat",
            Api::Payroll => "payroll",
            Api::Coldstream => "coldstream",
        }
    }

    /// Parses a name as returned by [`Api::name`] (ASCII case ignored).
    pub fn parse(name: &str) -> Option<Api> {
        Self::ALL
            .into_iter()
            .find(|api| api.name().eq_ignore_ascii_case(name))
    }
}

impl std::fmt::Display for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for api in Api::ALL {
            assert_eq!(Api::parse(api.name()), Some(api));
        }
        assert_eq!(Api::parse("RocketChat"), Some(Api::RocketChat));
        assert_eq!(Api::parse("rocket.chat"), None);
    }
}
