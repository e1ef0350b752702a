//! Coldstream (seed 004): mutants and conformant variants. The page lost its schema, so
//! the variants also cover what the spec only assumes (field names, statuses, body
//! sources).

use super::super::api::Api;
use super::super::faults::AccessTokenField;
use super::deviation::{Deviation, Edit};

const API: Api = Api::Coldstream;

/// Coldstream's deviations.
pub(super) fn deviations() -> Vec<Deviation> {
    let m = |id, description, edit: Edit| Deviation::mutant(API, id, description, edit);
    let v = |id, description, edit: Edit| Deviation::variant(API, id, description, edit);
    vec![
        Deviation::advisory_only(
            API,
            "no-cache-control",
            "token-cacheable",
            "answers carrying a JWT have no Cache-Control: no-store — the document is silent on caching, so no case fails; only the token-cacheable advisory catches it",
            |f| f.cacheable_answers = true,
        ),
        m(
            "bypass-2fa",
            "an MFA account gets the JWT beside the mfaToken — \"It is possible to get a mfaToken response if the user enabled MFA\"",
            |f| f.coldstream.bypass_2fa = true,
        ),
        m(
            "mfa-skipped",
            "an MFA account gets a JWT and no mfaToken — \"a mfaToken response if the user enabled MFA\"",
            |f| f.coldstream.skip_mfa = true,
        ),
        m(
            "mfa-token-renamed",
            "the MFA answer names its token mfa_token — \"It is possible to get a mfaToken response\"",
            |f| f.coldstream.rename_mfa_token_field = true,
        ),
        m(
            "any-code",
            "any code completes MFA — \"MFA login through the API is only possible with Application authenticators\" (login security)",
            |f| f.coldstream.accept_any_code = true,
        ),
        m(
            "valid-code-refused",
            "a valid authenticator code is refused — \"MFA login through the API is only possible with Application authenticators\"",
            |f| f.coldstream.refuse_valid_code = true,
        ),
        m(
            "wrong-password-accepted",
            "a wrong password gets a JWT — \"Returns a JWT authorization token for a successful login request\" (login security)",
            |f| f.coldstream.accept_wrong_password = true,
        ),
        m(
            "wrong-password-mfa-token",
            "an MFA account with a wrong password gets a mfaToken, so the code alone logs in (login security)",
            |f| f.coldstream.mfa_token_for_wrong_password = true,
        ),
        m(
            "unknown-mfa-token-accepted",
            "the MFA step takes an mfaToken it never issued, so a code alone logs in (login security)",
            |f| f.coldstream.accept_unknown_mfa_token = true,
        ),
        m(
            "alg-none",
            "JWTs are unsigned, alg:none — \"You must always have a valid JWT-Bearer token\" (login security)",
            |f| f.coldstream.alg_none = true,
        ),
        m(
            "expired-jwt",
            "the JWT has expired when it arrives — \"You must always have a valid JWT-Bearer token\"",
            |f| f.coldstream.jwt_expired = true,
        ),
        m(
            "token-not-jwt",
            "a login returns an opaque token — \"Returns a JWT authorization token\"",
            |f| f.coldstream.token_not_jwt = true,
        ),
        m(
            "password-in-success",
            "the success body echoes the password — \"It is of paramount importance to keep passwords safe\" (login security)",
            |f| f.coldstream.echo_password = true,
        ),
        m(
            "stale-codes-accepted",
            "authenticator codes of the last hour complete MFA (login security: a code is valid for its window)",
            |f| f.coldstream.accept_stale_codes = true,
        ),
        v(
            "token-field",
            "the JWT is in `token` instead of `accessToken` (the page names no field)",
            |f| f.coldstream.access_token_field = AccessTokenField::Token,
        ),
        v("jwt-field", "the JWT is in `jwt`, with no tokenType", |f| {
            f.coldstream.access_token_field = AccessTokenField::Jwt;
            f.coldstream.token_type = false;
        }),
        v(
            "short-lived-jwt",
            "JWTs live 15 minutes (no lifetime is documented)",
            |f| f.coldstream.jwt_lifetime_secs = 900,
        ),
        v(
            "bad-credentials-400",
            "wrong credentials answer HTTP 400 instead of 401 (no status is documented)",
            |f| f.coldstream.credentials_error_status = 400,
        ),
        v(
            "query-only",
            "credentials are read from the query string only (the page says the password travels in the URI)",
            |f| f.coldstream.accept_json_body = false,
        ),
        v(
            "mfa-token-reusable",
            "an mfaToken may be exchanged more than once (its lifetime and use are not documented)",
            |f| f.coldstream.mfa_token_reusable = true,
        ),
        v(
            "identity-token-optional",
            "logins without identityToken succeed (the page says what it is for, not that it is checked)",
            |f| f.coldstream.ignore_identity_token = true,
        ),
        v(
            "empty-refusals",
            "wrong credentials and wrong codes get an empty 401 (no error body is documented)",
            |f| f.coldstream.empty_refusals = true,
        ),
        v(
            "null-mfa-token-field",
            "direct logins carry \"mfaToken\": null beside the JWT (the schema is lost)",
            |f| f.coldstream.null_mfa_token_field = true,
        ),
        v(
            "reversed-keys",
            "every JSON object lists its members in reverse order",
            |f| f.reverse_key_order = true,
        ),
    ]
}
