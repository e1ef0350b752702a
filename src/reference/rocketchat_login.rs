//! Reading a Rocket.Chat login body: the server's `loginCompatibility` normalisation.
//!
//! Pure functions from a body (JSON, or a form turned into JSON) to the credentials it
//! carries; `rocketchat.rs` checks them.

use serde_json::{Map, Value, json};

use super::params::{Params, json_text};

/// How the login identifies the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Selector {
    Username(String),
    Email(String),
}

/// What a login body asks for, after Rocket.Chat's `loginCompatibility` normalisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum LoginRequest {
    Resume(String),
    Password {
        selector: Selector,
        password: Password,
        code: Option<String>,
    },
    /// Neither `resume` nor a user and a password.
    Incomplete,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Password {
    Plain(String),
    /// Lowercase hex SHA-256 of the password, as Meteor clients send it.
    Sha256(String),
}

/// A form body as a JSON object; `user[username]=x` becomes `{"user":{"username":"x"}}`
/// (Express's extended parser does the same).
pub(super) fn form_object(params: &Params) -> Map<String, Value> {
    let mut object = Map::new();
    for (key, value) in params.pairs() {
        let nested = key
            .strip_suffix(']')
            .and_then(|k| k.split_once('['))
            .filter(|(outer, inner)| !outer.is_empty() && !inner.contains(['[', ']']));
        match nested {
            Some((outer, inner)) => {
                let slot = object
                    .entry(outer.to_string())
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(inner_map) = slot {
                    inner_map.insert(inner.to_string(), json!(value));
                }
            }
            None => {
                object.insert(key.clone(), json!(value));
            }
        }
    }
    object
}

/// Rocket.Chat's `loginCompatibility`: which credentials a body carries.
pub(super) fn parse_login(
    body: &Map<String, Value>,
    code_header: Option<String>,
    break_email_login: bool,
) -> LoginRequest {
    let text =
        |map: &Map<String, Value>, key: &str| json_text(map.get(key)).filter(|v| !v.is_empty());
    if let Some(token) = text(body, "resume") {
        return LoginRequest::Resume(token);
    }
    let from_user = match body.get("user") {
        Some(Value::String(user)) if user.contains('@') && !break_email_login => {
            Some(Selector::Email(user.clone()))
        }
        Some(Value::String(user)) if !user.is_empty() => Some(Selector::Username(user.clone())),
        Some(Value::Object(user)) => text(user, "username")
            .map(Selector::Username)
            .or_else(|| text(user, "email").map(Selector::Email)),
        _ => None,
    };
    let selector = from_user
        .or_else(|| text(body, "username").map(Selector::Username))
        .or_else(|| text(body, "email").map(Selector::Email));
    let password = match body.get("password") {
        Some(Value::String(p)) if !p.is_empty() => Some(Password::Plain(p.clone())),
        Some(Value::Object(hashed))
            if text(hashed, "algorithm").is_some_and(|a| a.eq_ignore_ascii_case("sha-256")) =>
        {
            text(hashed, "digest").map(Password::Sha256)
        }
        _ => None,
    };
    match (selector, password) {
        (Some(selector), Some(password)) => LoginRequest::Password {
            selector,
            password,
            code: text(body, "code").or(code_header),
        },
        _ => LoginRequest::Incomplete,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => panic!("not an object"),
        }
    }

    fn password_request(
        selector: Selector,
        password: Password,
        code: Option<&str>,
    ) -> LoginRequest {
        LoginRequest::Password {
            selector,
            password,
            code: code.map(str::to_string),
        }
    }

    #[test]
    fn login_compatibility_forms() {
        let plain = || Password::Plain("pw".into());
        let cases = [
            (
                json!({"user": "alice", "password": "pw"}),
                Selector::Username("alice".into()),
            ),
            (
                json!({"user": "a@x.test", "password": "pw"}),
                Selector::Email("a@x.test".into()),
            ),
            (
                json!({"user": {"username": "alice"}, "password": "pw"}),
                Selector::Username("alice".into()),
            ),
            (
                json!({"user": {"email": "a@x.test"}, "password": "pw"}),
                Selector::Email("a@x.test".into()),
            ),
            (
                json!({"username": "alice", "password": "pw"}),
                Selector::Username("alice".into()),
            ),
            (
                json!({"email": "a@x.test", "password": "pw"}),
                Selector::Email("a@x.test".into()),
            ),
        ];
        for (body, selector) in cases {
            assert_eq!(
                parse_login(&object(body.clone()), None, false),
                password_request(selector, plain(), None),
                "{body}"
            );
        }
    }

    #[test]
    fn codes_digests_resume_and_incomplete() {
        let body = object(
            json!({"user": "bob", "password": {"digest": "AB", "algorithm": "sha-256"}, "code": 123456}),
        );
        assert_eq!(
            parse_login(&body, Some("999".into()), false),
            password_request(
                Selector::Username("bob".into()),
                Password::Sha256("AB".into()),
                Some("123456")
            )
        );
        let body = object(json!({"user": "bob", "password": "pw"}));
        assert_eq!(
            parse_login(&body, Some("999".into()), false),
            password_request(
                Selector::Username("bob".into()),
                Password::Plain("pw".into()),
                Some("999")
            )
        );
        let body = object(json!({"resume": "tok", "user": "bob", "password": "pw"}));
        assert_eq!(
            parse_login(&body, None, false),
            LoginRequest::Resume("tok".into())
        );
        for body in [
            json!({}),
            json!({"user": "bob"}),
            json!({"password": "pw"}),
            json!({"user": "", "password": "pw"}),
            json!({"user": 5, "password": "pw"}),
            json!({"user": "bob", "password": {"digest": "x", "algorithm": "md5"}}),
        ] {
            assert_eq!(
                parse_login(&object(body.clone()), None, false),
                LoginRequest::Incomplete,
                "{body}"
            );
        }
        let body = object(json!({"user": "a@x.test", "password": "pw"}));
        assert_eq!(
            parse_login(&body, None, true),
            password_request(
                Selector::Username("a@x.test".into()),
                Password::Plain("pw".into()),
                None
            )
        );
    }

    #[test]
    fn form_keys_with_brackets_nest() {
        let params = Params::form(b"user%5Busername%5D=alice&password=pw&a[b][c]=x&[x]=y");
        let object = form_object(&params);
        assert_eq!(
            Value::Object(object),
            json!({"user": {"username": "alice"}, "password": "pw", "a[b][c]": "x", "[x]": "y"})
        );
    }
}
