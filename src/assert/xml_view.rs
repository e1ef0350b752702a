//! The JSON view of an XML document, so JSONPath assertions apply to XML bodies.
//!
//! `<r a="1"><k>v</k><k>w</k><e/></r>` becomes
//! `{"r": {"@a": "1", "k": ["v", "w"], "e": ""}}`: the root element is the top-level
//! key; attributes are `@name`; an element with only text is its text; text beside
//! child elements is `#text`; repeated children become arrays; namespace prefixes are
//! dropped. Parsing is roxmltree's (well-formedness included).
//!
//! The conversion recurses once per element level, so a document nested deeper than
//! [`MAX_XML_DEPTH`] is refused before it is converted: a hostile body must not
//! overflow the stack.

use serde_json::{Map, Value};

/// The deepest nesting of elements converted; deeper documents are refused.
pub const MAX_XML_DEPTH: usize = 256;

/// The most nodes roxmltree builds when the caller gives no budget.
const DEFAULT_NODES_LIMIT: u32 = 1_000_000;

/// Parses XML text into its JSON view, or says why it is not well-formed XML.
pub fn xml_to_value(text: &str) -> Result<Value, String> {
    xml_to_value_within(text, DEFAULT_NODES_LIMIT)
}

/// [`xml_to_value`] building at most `nodes_limit` nodes (elements, text, comments),
/// so the memory a body costs stays bounded.
pub fn xml_to_value_within(text: &str, nodes_limit: u32) -> Result<Value, String> {
    if text.trim().is_empty() {
        return Err("the body is empty".to_string());
    }
    // A DOCTYPE is well-formed XML; roxmltree still guards against entity expansion
    // bombs, and the node limit bounds a huge body.
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        nodes_limit,
        ..roxmltree::ParsingOptions::default()
    };
    let doc = roxmltree::Document::parse_with_options(text, options).map_err(|e| match e {
        roxmltree::Error::NodesLimitReached => {
            format!("the XML body has more than {nodes_limit} nodes, too many to check within the body limit")
        }
        e => format!("the body is not well-formed XML: {e}"),
    })?;
    if too_deep(&doc) {
        return Err(format!(
            "the XML body nests deeper than {MAX_XML_DEPTH} elements"
        ));
    }
    let root = doc.root_element();
    let mut top = Map::new();
    top.insert(root.tag_name().name().to_string(), element(root));
    Ok(Value::Object(top))
}

/// Whether some element lies deeper than [`MAX_XML_DEPTH`]. Nodes come in document
/// order, parents before children, so each depth is its parent's plus one: no recursion.
fn too_deep(doc: &roxmltree::Document) -> bool {
    let mut depths: Vec<usize> = Vec::new();
    for node in doc.descendants() {
        let parent = node.parent().map_or(0, |p| {
            depths.get(p.id().get_usize()).copied().unwrap_or_default()
        });
        let depth = parent + usize::from(node.is_element());
        if depth > MAX_XML_DEPTH {
            return true;
        }
        let index = node.id().get_usize();
        if depths.len() <= index {
            depths.resize(index + 1, 0);
        }
        depths[index] = depth;
    }
    false
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

    fn nested(levels: usize) -> String {
        format!("{}x{}", "<a>".repeat(levels), "</a>".repeat(levels))
    }

    #[test]
    fn refuses_deep_nesting_without_overflowing_the_stack() {
        let at_limit = xml_to_value(&nested(MAX_XML_DEPTH)).unwrap();
        assert!(crate::assert::any_string(&at_limit, &mut |s| s == "x"));
        let err = xml_to_value(&nested(MAX_XML_DEPTH + 1)).unwrap_err();
        assert_eq!(err, "the XML body nests deeper than 256 elements");
        // 20,000 levels overflowed the stack before the limit.
        let err = xml_to_value(&nested(20_000)).unwrap_err();
        assert_eq!(err, "the XML body nests deeper than 256 elements");
    }

    #[test]
    fn the_node_budget_bounds_a_wide_document() {
        let wide = format!("<r>{}</r>", "<k>v</k>".repeat(1000));
        assert!(xml_to_value_within(&wide, 10_000).is_ok());
        let err = xml_to_value_within(&wide, 100).unwrap_err();
        assert_eq!(
            err,
            "the XML body has more than 100 nodes, too many to check within the body limit"
        );
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
