//! Rocket.Chat (seed 002): mutants and conformant variants.

use super::super::api::Api;
use super::super::faults::{MeFault, RocketChatFailureBody};
use super::deviation::{Deviation, Edit};

const API: Api = Api::RocketChat;

/// Rocket.Chat's deviations.
pub(super) fn deviations() -> Vec<Deviation> {
    let m = |id, description, edit: Edit| Deviation::mutant(API, id, description, edit);
    let v = |id, description, edit: Edit| Deviation::variant(API, id, description, edit);
    vec![
        Deviation::advisory_only(
            API,
            "json-as-html",
            "json-as-html",
            "JSON answers are served as text/html — the document names no Content-Type, so no case fails; only the json-as-html advisory catches it",
            |f| f.json_as_html = true,
        ),
        m(
            "form-rejected",
            "form bodies are not read — \"Example Call - As Form Data: curl … -d \\\"user=myusername&password=mypassword\\\"\"",
            |f| f.rocketchat.reject_form = true,
        ),
        m(
            "json-rejected",
            "JSON bodies are not read — \"Example Call - As JSON\"",
            |f| f.rocketchat.reject_json = true,
        ),
        m(
            "email-login-broken",
            "user holding an e-mail is not found — \"user: … OR myusername — Your username or email\"",
            |f| f.rocketchat.break_email_login = true,
        ),
        m(
            "resume-broken",
            "resume tokens are refused — \"resume: Your previously issued authToken\"",
            |f| f.rocketchat.break_resume = true,
        ),
        m(
            "made-up-resume-accepted",
            "any resume value logs in as the first user — resume must be \"Your previously issued authToken\" (login security)",
            |f| f.rocketchat.accept_any_resume = true,
        ),
        m(
            "bypass-2fa",
            "a 2FA account logs in without code — \"If your user has two-factor(2FA) authentication enabled, you must send a request like this\"",
            |f| f.rocketchat.bypass_2fa = true,
        ),
        m(
            "form-bypasses-2fa",
            "a 2FA account logs in without code when the body is form data — 2FA applies to every login, and form data is a documented way to log in",
            |f| f.rocketchat.form_bypasses_2fa = true,
        ),
        m(
            "any-code",
            "any code is accepted — \"When two-factor(2FA) authentication is enabled … \\\"code\\\": \\\"224610\\\"\" (login security)",
            |f| f.rocketchat.accept_any_code = true,
        ),
        m(
            "wrong-password-accepted",
            "a wrong password logs in — \"You MUST provide either user AND password, or provide resume\" (login security)",
            |f| f.rocketchat.accept_wrong_password = true,
        ),
        m(
            "status-ok",
            "success says status \"ok\" — Result: { \"status\": \"success\", \"data\": … }",
            |f| f.rocketchat.status_ok = true,
        ),
        m(
            "me-without-avatar-url",
            "data.me lacks avatarUrl — Change Log 1.0.0: \"Added avatarUrl property to response\"",
            |f| f.rocketchat.me_fault = MeFault::MissingAvatarUrl,
        ),
        m(
            "me-id-renamed",
            "data.me._id is sent as id — Result: \"me\": { \"_id\": … }",
            |f| f.rocketchat.me_fault = MeFault::IdRenamed,
        ),
        m(
            "me-emails-as-strings",
            "data.me.emails is a list of strings — Result: \"emails\": [{ \"address\", \"verified\" }]",
            |f| f.rocketchat.me_fault = MeFault::EmailsAsStrings,
        ),
        m(
            "password-in-success",
            "the success body echoes the password in data.me (login security)",
            |f| f.rocketchat.echo_password = true,
        ),
        m(
            "code-skips-password",
            "a 2FA account with a wrong password logs in with a valid code — \"You MUST provide either user AND password\" (login security)",
            |f| f.rocketchat.code_skips_password = true,
        ),
        m(
            "header-code-trusted",
            "any code sent as an x-2fa-code header logs in (login security: a code is checked wherever it comes)",
            |f| f.rocketchat.trust_header_code = true,
        ),
        m(
            "code-prefix",
            "codes are compared on their first 4 digits, so a near miss logs in (login security: a wrong code is refused)",
            |f| f.rocketchat.code_prefix_compare = true,
        ),
        m(
            "stale-codes-accepted",
            "codes of the last hour are accepted (login security: a code is valid for its window)",
            |f| f.rocketchat.accept_stale_codes = true,
        ),
        m(
            "wrong-user-id",
            "data.userId is not the user's id, so /api/v1/me refuses the returned authToken with X-User-Id: data.userId (Rocket.Chat authenticates later calls with exactly that pair)",
            |f| f.rocketchat.wrong_user_id = true,
        ),
        v(
            "failure-status-400",
            "refused logins answer HTTP 400 instead of 401 (the page documents no failure)",
            |f| f.rocketchat.failure_status = 400,
        ),
        v(
            "slim-failure-body",
            "refusals are {success:false, error:\"unauthorized\"}, as servers from 8.0 answer",
            |f| f.rocketchat.failure_body = RocketChatFailureBody::Slim,
        ),
        v(
            "plain-text-failures",
            "refusals are a text/plain message (the page documents no failure body)",
            |f| f.rocketchat.failure_body = RocketChatFailureBody::PlainText,
        ),
        v(
            "user-id-differs",
            "data.userId differs from data.me._id, as in the page's own example",
            |f| f.rocketchat.user_id_differs = true,
        ),
        v(
            "no-success-flag",
            "no success:true beside status (the page's example has none)",
            |f| f.rocketchat.success_flag = false,
        ),
        v(
            "extra-me-fields",
            "undocumented data.me.language and requirePasswordChange",
            |f| f.rocketchat.extra_me_fields = true,
        ),
        v(
            "long-tokens",
            "64-character authTokens (the page shows one example token)",
            |f| f.rocketchat.auth_token_length = 64,
        ),
        v(
            "created-status",
            "a login answers HTTP 201 (the page shows no status)",
            |f| f.rocketchat.success_status = 201,
        ),
        v(
            "me-minimal",
            "data.me lacks name, emails, statusConnection and utcOffset, as for a service account that never opened a client (Rocket.Chat's IUser marks them optional)",
            |f| f.rocketchat.me_minimal = true,
        ),
        v(
            "reversed-keys",
            "every JSON object lists its members in reverse order",
            |f| f.reverse_key_order = true,
        ),
    ]
}
