//! The payroll API (seed 003): mutants and conformant variants.

use super::super::api::Api;
use super::super::faults::PayrollMessages;
use super::deviation::{Deviation, Edit};

const API: Api = Api::Payroll;

/// The payroll API's deviations.
pub(super) fn deviations() -> Vec<Deviation> {
    let m = |id, description, edit: Edit| Deviation::mutant(API, id, description, edit);
    let v = |id, description, edit: Edit| Deviation::variant(API, id, description, edit);
    vec![
        Deviation::advisory_only(
            API,
            "weak-jwt-secret",
            "jwt-weak-secret",
            "tokens are HS256-signed with the well-known secret `secret` — the document promises only a JWT, so no case fails; only the jwt-weak-secret advisory catches it",
            |f| f.payroll.weak_jwt_secret = true,
        ),
        m(
            "token-lives-1h",
            "the JWT expires after 60 minutes — \"Your authentification token, works for the next 30 minutes\"",
            |f| f.payroll.jwt_lifetime_secs = 3600,
        ),
        m(
            "token-lives-5m",
            "the JWT expires after 5 minutes — \"works for the next 30 minutes\"",
            |f| f.payroll.jwt_lifetime_secs = 300,
        ),
        m(
            "alg-none",
            "the token is an unsigned alg:none JWT — the example token is a signed HS256 JWT (login security)",
            |f| f.payroll.alg_none = true,
        ),
        m(
            "token-not-jwt",
            "the token is an opaque hex string — the example token is a JWT",
            |f| f.payroll.token_not_jwt = true,
        ),
        m(
            "code-as-string",
            "code is the string \"200\" — \"code | int | Execution status code\"",
            |f| f.payroll.code_as_string = true,
        ),
        m(
            "status-success",
            "a login says status \"success\" — \"status | string | \\\"ok\\\" or \\\"error\\\"\"",
            |f| f.payroll.status_success = true,
        ),
        m(
            "generic-messages",
            "every error reads \"Bad request.\" / \"Login failed.\" — \"402 Required field < HEADER > is not specified.\"",
            |f| f.payroll.messages = PayrollMessages::Generic,
        ),
        m(
            "missing-header-code-400",
            "a missing header gives code 400 — \"402 | Required field < HEADER > is not specified.\"",
            |f| f.payroll.wrong_error_code = true,
        ),
        m(
            "empty-as-missing",
            "an empty header is reported as not specified — \"402 | Required field < HEADER > is empty.\"",
            |f| f.payroll.empty_as_missing = true,
        ),
        m(
            "unknown-user-code-401",
            "an unknown user gives code 401 \"Unauthorized.\" — \"404 | Data not found. | Data not found in database\"",
            |f| f.payroll.unknown_user_unauthorized = true,
        ),
        m(
            "error-without-message",
            "errors carry no message — \"message | string | If status = \\\"error\\\". Describes the encoutered error.\"",
            |f| f.payroll.omit_error_message = true,
        ),
        m(
            "wrong-password-accepted",
            "a wrong password gets a token (login security)",
            |f| f.payroll.accept_wrong_password = true,
        ),
        m(
            "password-in-success",
            "the success body echoes the password (login security)",
            |f| f.payroll.echo_password = true,
        ),
        m(
            "post-skips-password",
            "a POST login does not check the password (login security: every method checks it)",
            |f| f.payroll.post_skips_password = true,
        ),
        v(
            "http-status-mirrors-code",
            "the HTTP status mirrors code (402, 404) instead of 200 (the page gives the code in the body only)",
            |f| f.payroll.mirror_code_in_http_status = true,
        ),
        v(
            "angle-bracket-messages",
            "messages keep the page's placeholder spacing, Required field < User-Name > is not specified.",
            |f| f.payroll.messages = PayrollMessages::AngleBrackets,
        ),
        v(
            "jwt-alg-first",
            "the JWT header lists alg before typ",
            |f| f.payroll.header_alg_first = true,
        ),
        v(
            "jwt-extra-claims",
            "the JWT carries an extra iat claim",
            |f| f.payroll.extra_claims = true,
        ),
        v(
            "extra-fields",
            "an undocumented expires_in beside token",
            |f| f.payroll.extra_fields = true,
        ),
        v(
            "password-checked-first",
            "Password is checked before User-Name when both are missing",
            |f| f.payroll.password_checked_first = true,
        ),
        v(
            "post-only",
            "/login answers POST only, GET gets 405 (the page names no method)",
            |f| f.payroll.post_only = true,
        ),
        v(
            "null-fields",
            "every body carries every field, unused ones null (token: null on errors, message: null on success)",
            |f| f.payroll.null_fields = true,
        ),
        v(
            "reversed-keys",
            "every JSON object lists its members in reverse order",
            |f| f.reverse_key_order = true,
        ),
    ]
}
