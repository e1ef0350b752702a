//! cielo24 (seed 001): mutants and conformant variants.

use super::super::api::Api;
use super::super::faults::{Cielo24ErrorBody, Cielo24TokenFormat};
use super::deviation::{Deviation, Edit};

const API: Api = Api::Cielo24;

/// cielo24's deviations.
pub(super) fn deviations() -> Vec<Deviation> {
    let m = |id, description, edit: Edit| Deviation::mutant(API, id, description, edit);
    let v = |id, description, edit: Edit| Deviation::variant(API, id, description, edit);
    vec![
        m(
            "header-login-ignored",
            "x-auth-* headers are not read — \"Provide x-auth-user with either x-auth-password or x-auth-securekey\"",
            |f| f.cielo24.ignore_header_login = true,
        ),
        m(
            "securekey-ignored",
            "securekey is not read — \"Provide username with either password or securekey\"",
            |f| f.cielo24.ignore_securekey = true,
        ),
        m(
            "v-not-required",
            "a login without v succeeds — \"Query String Parameters — Required (always): v\"",
            |f| f.cielo24.require_v = false,
        ),
        m(
            "error-status-401",
            "errors answer HTTP 401 — \"400: An error occurred\"",
            |f| f.cielo24.error_status = 401,
        ),
        m(
            "success-status-201",
            "a login answers HTTP 201 — \"200: Success\"",
            |f| f.cielo24.success_status = 201,
        ),
        m(
            "error-body-message",
            "errors are {\"error\": …} — \"Error description (see Error Format for details)\"",
            |f| f.cielo24.error_body = Cielo24ErrorBody::Message,
        ),
        m(
            "error-body-text",
            "errors are plain text — \"Error description (see Error Format for details)\"",
            |f| f.cielo24.error_body = Cielo24ErrorBody::PlainText,
        ),
        m(
            "header-securekey-unchecked",
            "any x-auth-securekey logs in — \"x-auth-securekey: A long term security key generated via generate_api_key\" (login security)",
            |f| f.cielo24.unchecked_header_securekey = true,
        ),
        m(
            "token-dashed-uuid",
            "ApiToken is a dashed UUID — \"ApiToken: The new API token (hex string)\"",
            |f| f.cielo24.token_format = Cielo24TokenFormat::DashedUuid,
        ),
        m(
            "token-field-renamed",
            "the token is api_token — { \"ApiToken\": \"The new API token (hex string)\" }",
            |f| f.cielo24.rename_token_field = true,
        ),
        m(
            "wrong-password-accepted",
            "a wrong password or securekey gets a token — \"400: An error occurred\" (login security)",
            |f| f.cielo24.accept_wrong_password = true,
        ),
        m(
            "password-in-success",
            "the success body echoes the password (login security)",
            |f| f.cielo24.echo_password = true,
        ),
        m(
            "success-not-json",
            "the token is served as text/plain — \"Content-Type: application/json\"",
            |f| f.cielo24.plain_text_success = true,
        ),
        v(
            "json-charset",
            "Content-Type application/json; charset=utf-8",
            |f| f.cielo24.json_charset = true,
        ),
        v(
            "extra-fields",
            "an undocumented ExpiresIn beside ApiToken",
            |f| f.cielo24.extra_fields = true,
        ),
        v(
            "token-40-hex",
            "40-character hex tokens (the page says hex string, not its length)",
            |f| f.cielo24.token_format = Cielo24TokenFormat::Hex40,
        ),
        v(
            "token-upper-hex",
            "uppercase hex tokens (still a hex string)",
            |f| f.cielo24.token_format = Cielo24TokenFormat::UpperHex32,
        ),
        v(
            "reversed-keys",
            "every JSON object lists its members in reverse order",
            |f| f.reverse_key_order = true,
        ),
        v(
            "no-legacy-key-header",
            "the stale x-auth-key header of one example is refused (the tables name x-auth-password)",
            |f| f.cielo24.accept_legacy_key_header = false,
        ),
    ]
}
