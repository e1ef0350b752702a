//! Txty (seed 000): mutants and conformant variants.

use super::super::api::Api;
use super::super::faults::{NoKey, TxtyKeyAlphabet, XmlNaming};
use super::deviation::{Deviation, Edit};

const API: Api = Api::Txty;

/// Txty's deviations.
pub(super) fn deviations() -> Vec<Deviation> {
    let m = |id, description, edit: Edit| Deviation::mutant(API, id, description, edit);
    let v = |id, description, edit: Edit| Deviation::variant(API, id, description, edit);
    vec![
        m(
            "bypass-2fa",
            "a 2FA user gets ADDED_KEY without tfkey — \"In case the user has two-factor-authentication activated … you will get this response: ADDED_TF\"",
            |f| f.txty.bypass_2fa = true,
        ),
        m(
            "any-tfkey",
            "any tfkey is accepted — \"If something is wrong with username, password or tfkey the response will be: USER_NOT_FOUND\"",
            |f| f.txty.accept_any_tfkey = true,
        ),
        m(
            "wrong-password-accepted",
            "a wrong password gets a key — \"If something is wrong with username, password … USER_NOT_FOUND\"",
            |f| f.txty.accept_wrong_password = true,
        ),
        m(
            "no-login-echo",
            "USER_NOT_FOUND leaves out login.pass — the error body shows \"login\": {\"user\", \"pass\"}",
            |f| f.txty.echo_password = false,
        ),
        m(
            "wrong-error-code",
            "failed logins say INVALID_LOGIN — \"the response will be: … \\\"error\\\": \\\"USER_NOT_FOUND\\\"\"",
            |f| f.txty.wrong_error_code = true,
        ),
        m(
            "xml-answers-json",
            ".xml answers JSON — \"Change output format by switching file suffix. Fx. api.[json, xml]\"",
            |f| f.txty.xml_answers_json = true,
        ),
        m(
            "controlapikey-string",
            "newapikey.controlapikey is a string — the example gives \"controlapikey\": 0, a number",
            |f| f.txty.controlapikey_as_string = true,
        ),
        m(
            "key-field-renamed",
            "newapikey.key is sent as newapikey.apikey — \"newapikey\": {\"controlapikey\", \"key\"}",
            |f| f.txty.rename_key_field = true,
        ),
        m(
            "status-ok",
            "success bodies say status \"ok\" — \"status\": \"success\", \"success\": \"ADDED_KEY\"",
            |f| f.txty.status_ok = true,
        ),
        m(
            "key-with-added-tf",
            "ADDED_TF already carries a working key — with 2FA the first answer is {status, success: ADDED_TF} and the key comes only after tfkey",
            |f| f.txty.key_with_added_tf = true,
        ),
        m(
            "issued-key-refused",
            "/view/user refuses the issued key — \"When calling the API further on use the generated key\"",
            |f| f.txty.refuse_issued_keys = true,
        ),
        m(
            "made-up-key-accepted",
            "/view/user accepts any key of a known user — \"key: The provided key. Can be generated automatically using 'Login'\" (login security)",
            |f| f.txty.accept_any_key = true,
        ),
        m(
            "key-not-bound-to-user",
            "/view/user accepts one user's key for another user — \"append your username and key to every query\" (login security)",
            |f| f.txty.key_not_bound_to_user = true,
        ),
        m(
            "password-in-success",
            "ADDED_KEY echoes the password under login — only USER_NOT_FOUND echoes the input (login security)",
            |f| f.txty.echo_password_on_success = true,
        ),
        m(
            "code-skips-password",
            "a 2FA user with a wrong password gets ADDED_TF and then a key for a valid tfkey — \"If something is wrong with username, password or tfkey … USER_NOT_FOUND\"",
            |f| f.txty.code_skips_password = true,
        ),
        m(
            "empty-password-accepted",
            "a login without pass, or with an empty one, gets a key — \"If something is wrong with username, password … USER_NOT_FOUND\" (login security)",
            |f| f.txty.empty_password_accepted = true,
        ),
        v(
            "error-status-400",
            "errors answer HTTP 400 instead of 200 (the page names no status)",
            |f| f.txty.error_status = 400,
        ),
        v(
            "xml-result-root",
            "XML under <result> instead of <response> (the page shows no XML)",
            |f| f.txty.xml_naming = XmlNaming::Result,
        ),
        v(
            "xml-uppercase",
            "XML elements upper-cased, <RESPONSE><STATUS>… (the page shows no XML)",
            |f| f.txty.xml_naming = XmlNaming::UpperCase,
        ),
        v(
            "hex-keys",
            "keys of 32 lowercase hex digits instead of 10 alphanumerics (no format is promised)",
            |f| {
                f.txty.key_length = 32;
                f.txty.key_alphabet = TxtyKeyAlphabet::LowerHex;
            },
        ),
        v(
            "json-no-charset",
            "Content-Type application/json without charset (the page names no media type)",
            |f| f.txty.json_charset = false,
        ),
        v(
            "extra-fields",
            "undocumented newapikey.description and version fields",
            |f| f.txty.extra_fields = true,
        ),
        v(
            "null-newapikey",
            "ADDED_TF and USER_NOT_FOUND carry \"newapikey\": null (no key either way)",
            |f| f.txty.no_key = NoKey::Null,
        ),
        v(
            "empty-newapikey",
            "ADDED_TF and USER_NOT_FOUND carry \"newapikey\": [], as PHP writes an empty array",
            |f| f.txty.no_key = NoKey::EmptyArray,
        ),
        v(
            "post-only",
            "only POST is answered, GET gets 405 (the API takes \"GET / POST\"; the page's examples are query strings)",
            |f| f.txty.post_only = true,
        ),
        v(
            "reversed-keys",
            "every JSON object and XML element lists its members in reverse order",
            |f| f.reverse_key_order = true,
        ),
        v(
            "reuse-key",
            "every login of a user returns the same key (\"This only needs to be done once\"; a new key each time is not promised)",
            |f| f.txty.reuse_key = true,
        ),
    ]
}
