//! Switches that make a reference server deviate from its API's contract on purpose.
//!
//! `Default` is the correct behaviour everywhere. A *mutant* flips one switch that breaks a
//! documented promise (the suite must fail it); a *conformant variant* changes only what the
//! source document leaves open (the suite must pass it). Each field says which kind it is.
//! The responders read these; nothing here has behaviour of its own.

/// Deviations for every API; a server reads only the part of its own API.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Faults {
    /// Txty (seed 000).
    pub txty: TxtyFaults,
    /// cielo24 (seed 001).
    pub cielo24: Cielo24Faults,
    /// Rocket.Chat (seed 002).
    pub rocketchat: RocketChatFaults,
    /// The payroll API (seed 003).
    pub payroll: PayrollFaults,
    /// Coldstream (seed 004).
    pub coldstream: ColdstreamFaults,
    /// Variant, every API: JSON objects (and XML elements) list their keys in reverse order.
    pub reverse_key_order: bool,
    /// Mutant, every API: how passwords are compared (the default is exactly).
    pub password_check: PasswordCheck,
    /// Advisory-only mutant, every API: answers carry no `Cache-Control: no-store`.
    pub cacheable_answers: bool,
    /// Advisory-only mutant, every API: JSON bodies are served as `text/html`.
    pub json_as_html: bool,
}

/// How a reference compares a given password with the account's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PasswordCheck {
    /// Character for character.
    #[default]
    Exact,
    /// Mutant: on the first N characters only.
    Prefix(usize),
    /// Mutant: ignoring case.
    IgnoreCase,
}

/// What Txty sends in place of `newapikey` when it issues no key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum NoKey {
    /// No `newapikey` member, as the document shows.
    #[default]
    Absent,
    /// Variant: `"newapikey": null`.
    Null,
    /// Variant: `"newapikey": []`, as PHP writes an empty array.
    EmptyArray,
}

/// How Txty's `.xml` answers name their elements (the document shows no XML).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum XmlNaming {
    /// Root `<response>`, child elements named like the JSON keys.
    #[default]
    Response,
    /// Root `<result>`, child elements named like the JSON keys.
    Result,
    /// Root `<RESPONSE>`, child elements upper-cased (`<STATUS>`).
    UpperCase,
}

/// The characters of Txty's issued keys.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TxtyKeyAlphabet {
    /// ASCII letters and digits, as in the document's examples.
    #[default]
    Alphanumeric,
    /// Lowercase hex digits.
    LowerHex,
}

/// Txty deviations. Defaults: HTTP 200 for everything, 10 alphanumeric keys, JSON with
/// `charset=utf-8`, `<response>` XML.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxtyFaults {
    /// Variant: HTTP status of error bodies (the document gives none). Default 200.
    pub error_status: u16,
    /// Variant: XML element naming.
    pub xml_naming: XmlNaming,
    /// Variant: length of issued keys. Default 10.
    pub key_length: usize,
    /// Variant: alphabet of issued keys.
    pub key_alphabet: TxtyKeyAlphabet,
    /// Variant: `false` sends plain `application/json` without the charset parameter.
    pub json_charset: bool,
    /// Variant: adds undocumented fields (`newapikey.description`, `version`).
    pub extra_fields: bool,
    /// Mutant: `false` leaves the documented `login.pass` echo out of USER_NOT_FOUND.
    pub echo_password: bool,
    /// Mutant: a two-factor account gets ADDED_KEY with a key without any `tfkey`.
    pub bypass_2fa: bool,
    /// Mutant: any non-empty `tfkey` is accepted.
    pub accept_any_tfkey: bool,
    /// Mutant: a wrong password is accepted for a known user.
    pub accept_wrong_password: bool,
    /// Mutant: `.xml` URLs answer JSON.
    pub xml_answers_json: bool,
    /// Mutant: `newapikey.controlapikey` is a string instead of an integer.
    pub controlapikey_as_string: bool,
    /// Mutant: `/view/user` answers INVALID_APIKEY even for keys this server issued.
    pub refuse_issued_keys: bool,
    /// Mutant: every login of a user returns the same key instead of a new one.
    pub reuse_key: bool,
    /// Mutant: failed logins say `INVALID_LOGIN` instead of `USER_NOT_FOUND`.
    pub wrong_error_code: bool,
    /// Mutant: `newapikey.key` is named `apikey`.
    pub rename_key_field: bool,
    /// Mutant: success bodies say `status: "ok"` instead of `"success"`.
    pub status_ok: bool,
    /// Mutant: `ADDED_TF` already carries a working `newapikey`.
    pub key_with_added_tf: bool,
    /// Mutant: `/view/user` accepts any key for a known user.
    pub accept_any_key: bool,
    /// Mutant: `ADDED_KEY` bodies echo the input under `login`, password included.
    pub echo_password_on_success: bool,
    /// Mutant: a two-factor account with a wrong password still gets `ADDED_TF`, and a
    /// key for a valid `tfkey`.
    pub code_skips_password: bool,
    /// Mutant: `/view/user` accepts a key issued to another user.
    pub key_not_bound_to_user: bool,
    /// Mutant: a missing or empty `pass` is not checked.
    pub empty_password_accepted: bool,
    /// Variant: what `ADDED_TF` and error bodies carry in place of `newapikey`.
    pub no_key: NoKey,
    /// Variant: only POST is answered; GET gets 405.
    pub post_only: bool,
}

impl Default for TxtyFaults {
    fn default() -> Self {
        Self {
            error_status: 200,
            xml_naming: XmlNaming::default(),
            key_length: 10,
            key_alphabet: TxtyKeyAlphabet::default(),
            json_charset: true,
            extra_fields: false,
            echo_password: true,
            bypass_2fa: false,
            accept_any_tfkey: false,
            accept_wrong_password: false,
            xml_answers_json: false,
            controlapikey_as_string: false,
            refuse_issued_keys: false,
            reuse_key: false,
            wrong_error_code: false,
            rename_key_field: false,
            status_ok: false,
            key_with_added_tf: false,
            accept_any_key: false,
            echo_password_on_success: false,
            code_skips_password: false,
            no_key: NoKey::default(),
            key_not_bound_to_user: false,
            empty_password_accepted: false,
            post_only: false,
        }
    }
}

/// The body of cielo24 error responses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Cielo24ErrorBody {
    /// The documented Error Format `{"ErrorType","ErrorComment"}`.
    #[default]
    Documented,
    /// Mutant: `{"error": "<comment>"}`.
    Message,
    /// Mutant: the comment as `text/plain`.
    PlainText,
}

/// The shape of cielo24's `ApiToken`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Cielo24TokenFormat {
    /// 32 lowercase hex characters (a UUID without dashes), as the real service issues.
    #[default]
    Hex32,
    /// Variant: 40 lowercase hex characters (still a hex string).
    Hex40,
    /// Variant: 32 uppercase hex characters (still a hex string).
    UpperHex32,
    /// Mutant: a dashed UUID, which is not a hex string.
    DashedUuid,
}

/// cielo24 deviations. Defaults: 400 + Error Format for errors, 200 + `ApiToken` on success.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cielo24Faults {
    /// Mutant: the `x-auth-*` headers are not read, so header logins fail.
    pub ignore_header_login: bool,
    /// Mutant: `securekey` / `x-auth-securekey` are not read.
    pub ignore_securekey: bool,
    /// Variant: `false` refuses the stale `x-auth-key` header (the tables name only
    /// `x-auth-password`).
    pub accept_legacy_key_header: bool,
    /// Mutant: `false` logs in without the required `v=1`.
    pub require_v: bool,
    /// Mutant: HTTP status of errors other than the documented 400.
    pub error_status: u16,
    /// Mutant: HTTP status of a successful login other than the documented 200.
    pub success_status: u16,
    /// Mutant: error bodies not in the documented Error Format.
    pub error_body: Cielo24ErrorBody,
    /// Variant or mutant (see the variants): the token's shape.
    pub token_format: Cielo24TokenFormat,
    /// Mutant: the token field is `api_token` instead of `ApiToken`.
    pub rename_token_field: bool,
    /// Mutant: a wrong password (or secure key) is accepted for a known user.
    pub accept_wrong_password: bool,
    /// Mutant: logout refuses tokens this server issued (`BAD_API_TOKEN`).
    pub refuse_issued_tokens: bool,
    /// Variant: `Content-Type: application/json; charset=utf-8`.
    pub json_charset: bool,
    /// Variant: the success body carries an undocumented `ExpiresIn` field.
    pub extra_fields: bool,
    /// Mutant: the success body echoes the password (`Password`).
    pub echo_password: bool,
    /// Mutant: the success body is sent as `text/plain`.
    pub plain_text_success: bool,
    /// Mutant: a secure key sent as `x-auth-securekey` is not checked.
    pub unchecked_header_securekey: bool,
}

impl Default for Cielo24Faults {
    fn default() -> Self {
        Self {
            ignore_header_login: false,
            ignore_securekey: false,
            accept_legacy_key_header: true,
            require_v: true,
            error_status: 400,
            success_status: 200,
            error_body: Cielo24ErrorBody::default(),
            token_format: Cielo24TokenFormat::default(),
            rename_token_field: false,
            accept_wrong_password: false,
            refuse_issued_tokens: false,
            json_charset: false,
            extra_fields: false,
            echo_password: false,
            plain_text_success: false,
            unchecked_header_securekey: false,
        }
    }
}

/// A broken `data.me` in Rocket.Chat's login answer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MeFault {
    /// `me` as documented.
    #[default]
    None,
    /// Mutant: `avatarUrl` is missing.
    MissingAvatarUrl,
    /// Mutant: `_id` is renamed `id`.
    IdRenamed,
    /// Mutant: `emails` is a list of strings instead of `{address, verified}` objects.
    EmailsAsStrings,
}

/// The body of Rocket.Chat login failures (undocumented; it changed in 8.0).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RocketChatFailureBody {
    /// Servers before 8.0: `{success:false, status:"error", error, message[, details]}`.
    #[default]
    Pre8,
    /// Variant: servers from 8.0: `{success:false, error:"unauthorized"}`.
    Slim,
    /// Variant: the message as `text/plain` (the document shows no failure body).
    PlainText,
}

/// Rocket.Chat deviations. Defaults follow a pre-8.0 server with TOTP enabled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RocketChatFaults {
    /// Mutant: form-encoded bodies are not read (the document shows them).
    pub reject_form: bool,
    /// Mutant: JSON bodies are not read (the document shows them).
    pub reject_json: bool,
    /// Mutant: `user` holding an e-mail address is looked up as a username.
    pub break_email_login: bool,
    /// Mutant: `resume` tokens are refused.
    pub break_resume: bool,
    /// Mutant: two-factor accounts log in without a code.
    pub bypass_2fa: bool,
    /// Mutant: any non-empty code is accepted.
    pub accept_any_code: bool,
    /// Mutant: a wrong password is accepted for a known user.
    pub accept_wrong_password: bool,
    /// HTTP status of a successful login. Default 200 (the real server's); another 2xx is
    /// a variant (the document shows no status), anything else a mutant.
    pub success_status: u16,
    /// Variant: HTTP status of login failures (undocumented). Default 401.
    pub failure_status: u16,
    /// Variant: the failure body shape.
    pub failure_body: RocketChatFailureBody,
    /// Mutant: `data.me` missing or renaming a documented field.
    pub me_fault: MeFault,
    /// Variant: `data.userId` differs from `data.me._id`, as in the document's own example
    /// (the real server returns one id twice). `/api/v1/me` still accepts the returned
    /// `userId` with its token.
    pub user_id_differs: bool,
    /// Mutant: the success body echoes the password (`data.me.password`).
    pub echo_password: bool,
    /// Mutant: `/api/v1/me` refuses tokens this server issued.
    pub refuse_issued_tokens: bool,
    /// Mutant: any `resume` value logs in (as the first account).
    pub accept_any_resume: bool,
    /// Mutant: logins sent as form data skip the 2FA check.
    pub form_bypasses_2fa: bool,
    /// Mutant: a code sent as `x-2fa-code` header is trusted without checking.
    pub trust_header_code: bool,
    /// Mutant: codes are compared on their first 4 digits only.
    pub code_prefix_compare: bool,
    /// Mutant: codes of the last hour (and the next) are accepted.
    pub accept_stale_codes: bool,
    /// Mutant: a two-factor account with a wrong password asks for the code, and logs in
    /// with a valid one.
    pub code_skips_password: bool,
    /// Mutant: success bodies say `status: "ok"` instead of `"success"`.
    pub status_ok: bool,
    /// Variant: `false` leaves out `success:true` (the document's example has none).
    pub success_flag: bool,
    /// Variant: `data.me` carries undocumented fields (`language`, `requirePasswordChange`).
    pub extra_me_fields: bool,
    /// Variant: length of `authToken` in base64url characters. Default 43.
    pub auth_token_length: usize,
    /// Mutant: `data.userId` is not the user's id, and `/api/v1/me` accepts the token only
    /// with the right one (`data.me._id`), so the returned pair does not work.
    pub wrong_user_id: bool,
    /// Variant: `data.me` (and `/api/v1/me`) lack `name`, `emails`, `statusConnection` and
    /// `utcOffset`, as for a service account that never opened a client (`IUser` marks
    /// them optional).
    pub me_minimal: bool,
}

impl Default for RocketChatFaults {
    fn default() -> Self {
        Self {
            reject_form: false,
            reject_json: false,
            break_email_login: false,
            break_resume: false,
            bypass_2fa: false,
            accept_any_code: false,
            accept_wrong_password: false,
            success_status: 200,
            failure_status: 401,
            failure_body: RocketChatFailureBody::default(),
            me_fault: MeFault::default(),
            user_id_differs: false,
            echo_password: false,
            refuse_issued_tokens: false,
            accept_any_resume: false,
            form_bypasses_2fa: false,
            trust_header_code: false,
            code_prefix_compare: false,
            accept_stale_codes: false,
            code_skips_password: false,
            status_ok: false,
            success_flag: true,
            extra_me_fields: false,
            auth_token_length: 43,
            wrong_user_id: false,
            me_minimal: false,
        }
    }
}

/// The wording of the payroll API's error messages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PayrollMessages {
    /// `Required field User-Name is not specified.`, `... is empty.`, `Data not found.`
    #[default]
    Documented,
    /// Variant: the page's placeholder spacing kept, `Required field < User-Name > ...`.
    AngleBrackets,
    /// Mutant: one generic `Bad request.` / `Login failed.` for everything.
    Generic,
}

/// Payroll deviations. Defaults: HTTP 200 always, the code in the body, HS256 JWT
/// `{"typ","alg"}` + `{"user","exp": now+1800}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayrollFaults {
    /// Mutant: token lifetime in seconds other than the documented 1800.
    pub jwt_lifetime_secs: u64,
    /// Mutant: the token is an unsigned `alg: none` JWT.
    pub alg_none: bool,
    /// Mutant: the token is an opaque hex string, not a JWT.
    pub token_not_jwt: bool,
    /// Mutant: `code` is a string (`"200"`) instead of an integer.
    pub code_as_string: bool,
    /// Variant or mutant (see the variants): message wording.
    pub messages: PayrollMessages,
    /// Mutant: a wrong password is accepted for a known user.
    pub accept_wrong_password: bool,
    /// Mutant: a missing header is reported with code 400 instead of 402.
    pub wrong_error_code: bool,
    /// Mutant: an empty header is reported as not specified.
    pub empty_as_missing: bool,
    /// Variant: the HTTP status mirrors `code` (402, 404) instead of always 200.
    pub mirror_code_in_http_status: bool,
    /// Variant: the JWT header lists `alg` before `typ`.
    pub header_alg_first: bool,
    /// Variant: the JWT carries an extra `iat` claim.
    pub extra_claims: bool,
    /// Variant: the success body carries an undocumented `expires_in`.
    pub extra_fields: bool,
    /// Variant: `Password` is checked before `User-Name` when both are bad.
    pub password_checked_first: bool,
    /// Variant: `/login` answers only POST; GET gets 405 (the page names no method).
    pub post_only: bool,
    /// Mutant: POST logins do not check the password.
    pub post_skips_password: bool,
    /// Variant: every body carries every field, unused ones `null` (`token` on errors,
    /// `message` on success).
    pub null_fields: bool,
    /// Mutant: a login says `status: "success"` instead of `"ok"`.
    pub status_success: bool,
    /// Mutant: an unknown user gives code 401 `Unauthorized.` instead of 404 `Data not found.`
    pub unknown_user_unauthorized: bool,
    /// Mutant: error bodies carry no `message`.
    pub omit_error_message: bool,
    /// Mutant: the success body echoes the password.
    pub echo_password: bool,
    /// Advisory-only mutant: tokens are signed with the well-known secret `secret`.
    pub weak_jwt_secret: bool,
}

impl Default for PayrollFaults {
    fn default() -> Self {
        Self {
            jwt_lifetime_secs: 1800,
            alg_none: false,
            token_not_jwt: false,
            code_as_string: false,
            messages: PayrollMessages::default(),
            accept_wrong_password: false,
            wrong_error_code: false,
            empty_as_missing: false,
            mirror_code_in_http_status: false,
            header_alg_first: false,
            extra_claims: false,
            extra_fields: false,
            password_checked_first: false,
            post_only: false,
            null_fields: false,
            post_skips_password: false,
            status_success: false,
            unknown_user_unauthorized: false,
            omit_error_message: false,
            echo_password: false,
            weak_jwt_secret: false,
        }
    }
}

/// The name of the field carrying Coldstream's JWT (the page lost its schema).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AccessTokenField {
    /// `accessToken`.
    #[default]
    AccessToken,
    /// Variant: `token`.
    Token,
    /// Variant: `jwt`.
    Jwt,
}

impl AccessTokenField {
    /// The JSON field name.
    pub fn name(self) -> &'static str {
        match self {
            AccessTokenField::AccessToken => "accessToken",
            AccessTokenField::Token => "token",
            AccessTokenField::Jwt => "jwt",
        }
    }
}

/// Coldstream deviations. Defaults follow the assumed contract in the module docs of
/// `coldstream.rs`: JWT valid 1 h, mfaToken valid 5 min, single use, 5 tries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColdstreamFaults {
    /// Variant: the JWT's field name.
    pub access_token_field: AccessTokenField,
    /// Variant: `false` leaves out `tokenType`.
    pub token_type: bool,
    /// Variant: JWT lifetime in seconds. Default 3600.
    pub jwt_lifetime_secs: u64,
    /// Variant: mfaToken lifetime in seconds. Default 300.
    pub mfa_token_lifetime_secs: u64,
    /// Variant: wrong codes allowed per mfaToken before it is invalidated. Default 5.
    pub mfa_max_attempts: u32,
    /// Variant: HTTP status of wrong credentials. Default 401.
    pub credentials_error_status: u16,
    /// Variant: `false` reads credentials from the query string only.
    pub accept_json_body: bool,
    /// Mutant: an mfaToken can be exchanged more than once.
    pub mfa_token_reusable: bool,
    /// Mutant: two-factor logins get the JWT alongside the mfaToken.
    pub bypass_2fa: bool,
    /// Mutant: any non-empty code completes the MFA step.
    pub accept_any_code: bool,
    /// Mutant: the MFA step accepts a code of any two-factor account and issues its JWT.
    pub mfa_unbound: bool,
    /// Mutant: JWTs are unsigned (`alg: none`), and `/account/me` accepts them.
    pub alg_none: bool,
    /// Mutant: logins without `identityToken` succeed.
    pub ignore_identity_token: bool,
    /// Mutant: a wrong password is accepted for a known user.
    pub accept_wrong_password: bool,
    /// Mutant: `/account/me` refuses JWTs this server issued.
    pub refuse_issued_tokens: bool,
    /// Mutant: an MFA account gets a JWT at once and no mfaToken.
    pub skip_mfa: bool,
    /// Mutant: the MFA answer names its token `mfa_token`.
    pub rename_mfa_token_field: bool,
    /// Mutant: the MFA step refuses valid codes too.
    pub refuse_valid_code: bool,
    /// Mutant: an MFA account with a wrong password still gets a mfaToken.
    pub mfa_token_for_wrong_password: bool,
    /// Mutant: logins return an opaque hex token instead of a JWT.
    pub token_not_jwt: bool,
    /// Mutant: the success body echoes the password.
    pub echo_password: bool,
    /// Mutant: the MFA step accepts an mfaToken it never issued, with a code valid for
    /// a two-factor account.
    pub accept_unknown_mfa_token: bool,
    /// Mutant: issued JWTs have already expired (`exp` a minute ago).
    pub jwt_expired: bool,
    /// Mutant: codes of the last hour (and the next) complete MFA.
    pub accept_stale_codes: bool,
    /// Variant: refusals (wrong credentials, wrong code) are 401 with an empty body.
    pub empty_refusals: bool,
    /// Variant: direct logins carry `"mfaToken": null` beside the JWT.
    pub null_mfa_token_field: bool,
}

impl Default for ColdstreamFaults {
    fn default() -> Self {
        Self {
            access_token_field: AccessTokenField::default(),
            token_type: true,
            jwt_lifetime_secs: 3600,
            mfa_token_lifetime_secs: 300,
            mfa_max_attempts: 5,
            credentials_error_status: 401,
            accept_json_body: true,
            mfa_token_reusable: false,
            bypass_2fa: false,
            accept_any_code: false,
            mfa_unbound: false,
            alg_none: false,
            ignore_identity_token: false,
            accept_wrong_password: false,
            refuse_issued_tokens: false,
            skip_mfa: false,
            rename_mfa_token_field: false,
            refuse_valid_code: false,
            mfa_token_for_wrong_password: false,
            token_not_jwt: false,
            echo_password: false,
            accept_unknown_mfa_token: false,
            empty_refusals: false,
            jwt_expired: false,
            accept_stale_codes: false,
            null_mfa_token_field: false,
        }
    }
}
