//! Header and media-type checks.

use super::outcome::{CheckFailure, Resolve};
use super::response::Response;
use crate::plan::HeaderTest;

/// Checks one header test.
pub fn eval_header(
    name: &str,
    test: &HeaderTest,
    response: &Response,
    resolve: &dyn Resolve,
) -> Option<CheckFailure> {
    let value = response.header(name);
    let fail = |msg: String| Some(CheckFailure::new("header", msg));
    match (test, value) {
        (HeaderTest::Absent, None) => None,
        (HeaderTest::Absent, Some(v)) => fail(format!("`{name}` must be absent, found `{v}`")),
        (_, None) => fail(format!("header `{name}` is missing")),
        (HeaderTest::Present, Some(_)) => None,
        (HeaderTest::Equals(t), Some(v)) => match resolve.text(t) {
            Ok(want) if want == v => None,
            Ok(want) => Some(
                CheckFailure::new("header", format!("`{name}` is `{v}`"))
                    .expected_actual(want, v.to_string()),
            ),
            Err(e) => fail(e),
        },
        (HeaderTest::Contains(t), Some(v)) => match resolve.text(t) {
            Ok(want) if v.contains(&want) => None,
            Ok(want) => fail(format!(
                "`{name}` is `{v}`, which does not contain `{want}`"
            )),
            Err(e) => fail(e),
        },
        (HeaderTest::Matches(r), Some(v)) if r.is_match(v) => None,
        (HeaderTest::Matches(r), Some(v)) => fail(format!(
            "`{name}` is `{v}`, which does not match /{}/",
            r.as_str()
        )),
    }
}

/// Checks the media type of `Content-Type`, ignoring parameters such as charset.
pub fn eval_media_type(types: &[String], response: &Response) -> Option<CheckFailure> {
    match response.media_type() {
        Some(m) if types.contains(&m) => None,
        Some(m) => Some(
            CheckFailure::new("media type", format!("actual media type is `{m}`"))
                .expected_actual(types.join(" or "), m),
        ),
        None => Some(CheckFailure::new(
            "media type",
            "the response has no Content-Type",
        )),
    }
}
