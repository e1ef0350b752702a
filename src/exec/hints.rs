//! What a transport failure probably means, for causes whose wording names a TLS
//! internal rather than the user's mistake. Pure text matching; sends nothing.

/// A hint for a transport failure's cause (`"…: received corrupt message of type
/// InvalidContentType"`), or `None` when the cause speaks for itself.
pub fn hint(cause: &str) -> Option<&'static str> {
    HINTS
        .iter()
        .find(|(needles, _)| needles.iter().any(|n| cause.contains(n)))
        .map(|(_, hint)| *hint)
}

/// The cause with its hint in parentheses, when it has one.
pub fn with_hint(cause: String) -> String {
    match hint(&cause) {
        Some(hint) => format!("{cause} ({hint})"),
        None => cause,
    }
}

/// Words of a cause, and what to tell the user when one appears.
const HINTS: &[(&[&str], &str)] = &[
    (
        &["InvalidContentType", "wrong version number"],
        "the server does not speak TLS: is the target http:// rather than https://?",
    ),
    (
        &["UnknownIssuer", "unable to get local issuer certificate"],
        "the server's certificate is signed by a CA this machine does not trust: \
         pass that CA with `--cacert FILE` (or `--insecure` to skip verification)",
    ),
    (
        &["NotValidForName", "not valid for name"],
        "the server's certificate is for another host name: check the target's host",
    ),
    (
        &["peer certificate: Expired", "certificate expired"],
        "the server's certificate has expired (or this machine's clock is wrong)",
    ),
    (
        &["CertificateRequired", "certificate required"],
        "the server asks for a client certificate: pass one with `--client-cert FILE`",
    ),
];

#[cfg(test)]
mod tests {
    use super::hint;

    #[test]
    fn tls_causes_get_hints() {
        let plain = "error sending request: client error (Connect): received corrupt message of type InvalidContentType";
        assert!(
            hint(plain)
                .unwrap()
                .contains("http:// rather than https://")
        );
        let ca = "error sending request: client error (Connect): invalid peer certificate: UnknownIssuer";
        assert!(hint(ca).unwrap().contains("--cacert FILE"));
        assert_eq!(hint("error sending request: connection refused"), None);
    }
}
