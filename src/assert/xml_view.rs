//! The JSON view of an XML document, so JSONPath assertions apply to XML bodies.
//!
//! `<r a="1"><k>v</k><k>w</k><e/></r>` becomes
//! `{"r": {"@a": "1", "k": ["v", "w"], "e": ""}}`: the root element is the top-level
//! key; attributes are `@name`; an element with only text is its text; text beside
//! child elements is `#text`; repeated children become arrays; namespace prefixes are
//! dropped. Parsing is roxmltree's (well-formedness included).

use serde_json::{Map, Value};

/// Parses XML text into its JSON view, or says why it is not well-formed XML.
pub fn xml_to_value(text: &str) -> Result<Value, String> {
    if text.trim().is_empty() {
        return Err("the body is empty".to_string());
    }
    // A DOCTYPE is well-formed XML; roxmltree still guards against entity expansion
    // bombs, and the node limit bounds a huge body.
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        nodes_limit: 1_000_000,
        ..roxmltree::ParsingOptions::default()
    };
    let doc = roxmltree::Document::parse_with_options(text, options)
        .map_err(|e| format!("the body is not well-formed XML: {e}"))?;
    let root = doc.root_element();
    let mut top = Map::new();
    top.insert(root.tag_name().name().to_string(), element(root));
    Ok(Value::Object(top))
}

fn element(node: roxmltree::Node) -> Value {
    let children: Vec<roxmltree::Node> = node.children().filter(|c| c.is_element()).collect();
    let text: String = node
        .children()
        .filter(|c| c.is_text())
        .filter_map(|c| c.text())
        .collect();
    let text = text.trim();
    if children.is_empty() && node.attributes().len() == 0 {
        return Value::String(text.to_string());
    }
    let mut map = Map::new();
    for attr in node.attributes() {
        map.insert(
            format!("@{}", attr.name()),
            Value::String(attr.value().to_string()),
        );
    }
    for child in children {
        let name = child.tag_name().name().to_string();
        let value = element(child);
        match map.get_mut(&name) {
            Some(Value::Array(items)) => items.push(value),
            Some(existing) => {
                let first = existing.take();
                *existing = Value::Array(vec![first, value]);
            }
            None => {
                map.insert(name, value);
            }
        }
    }
    if !text.is_empty() {
        map.insert("#text".to_string(), Value::String(text.to_string()));
    }
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn converts_elements_attributes_and_repeats() {
        let v =
            xml_to_value(r#"<?xml version="1.0"?><r a="1"><k>v</k><k>w</k><e/><m x="y">t</m></r>"#)
                .unwrap();
        assert_eq!(
            v,
            json!({"r": {"@a": "1", "k": ["v", "w"], "e": "", "m": {"@x": "y", "#text": "t"}}})
        );
    }

    #[test]
    fn drops_namespace_prefixes_and_rejects_bad_xml() {
        let v = xml_to_value(r#"<ns:r xmlns:ns="urn:x"><ns:s>ok</ns:s></ns:r>"#).unwrap();
        assert_eq!(v, json!({"r": {"s": "ok"}}));
        let err = xml_to_value("<a><b></a>").unwrap_err();
        assert!(err.starts_with("the body is not well-formed XML"), "{err}");
        assert!(xml_to_value("{\"json\": true}").is_err());
    }

    #[test]
    fn accepts_a_doctype_but_not_an_entity_bomb() {
        let v = xml_to_value(
            "\u{feff}<?xml version=\"1.0\"?><!DOCTYPE r><!-- c --><r><k><![CDATA[a&b]]></k></r>",
        )
        .unwrap();
        assert_eq!(v, json!({"r": {"k": "a&b"}}));
        let bomb = r#"<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">]><l>&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;</l>"#;
        let err = xml_to_value(bomb).unwrap_err();
        assert!(err.starts_with("the body is not well-formed XML"), "{err}");
    }
}
