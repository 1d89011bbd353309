//! Keeps segment documents within X-Ray's 64 KB limit: instead of sending a
//! document X-Ray would reject, drop metadata entries (largest first), then
//! stack frames, then shorten the longest strings, and record what was cut
//! in `metadata.wasmtrace`.

use serde_json::{json, Map, Value as Json};

/// X-Ray's limit for one segment document.
pub const MAX_DOCUMENT_BYTES: usize = 64 * 1024;
/// Strings are cut to this many characters in the last step.
const SHORT_STRING: usize = 1024;

/// The document as JSON text of at most `limit` bytes, and whether it was trimmed.
pub fn fit(mut doc: Json, limit: usize) -> (String, bool) {
    let text = serde_json::to_string(&doc).expect("JSON values serialize");
    if text.len() <= limit {
        return (text, false);
    }
    let mut removed: Vec<String> = Vec::new();
    let mut size = text.len();

    // 1. Metadata, largest entry first.
    if let Some(Json::Object(metadata)) = doc.get_mut("metadata") {
        let mut entries: Vec<(String, String, usize)> = Vec::new();
        for (ns, value) in metadata.iter() {
            match value {
                Json::Object(inner) => entries.extend(
                    inner
                        .iter()
                        .map(|(k, v)| (ns.clone(), k.clone(), json_len(v) + k.len() + 4)),
                ),
                other => entries.push((ns.clone(), String::new(), json_len(other))),
            }
        }
        entries.sort_by_key(|e| std::cmp::Reverse(e.2));
        for (ns, key, bytes) in entries {
            if size <= limit {
                break;
            }
            if key.is_empty() {
                metadata.remove(&ns);
                removed.push(ns);
            } else if let Some(Json::Object(inner)) = metadata.get_mut(&ns) {
                inner.remove(&key);
                removed.push(format!("{ns}.{key}"));
            }
            size = size.saturating_sub(bytes);
        }
        metadata.retain(|_, v| !matches!(v, Json::Object(m) if m.is_empty()));
        size = json_len(&doc);
    }
    // 2. Stack frames of the cause.
    if size > limit {
        if let Some(Json::Array(exceptions)) = doc.pointer_mut("/cause/exceptions") {
            for ex in exceptions.iter_mut().filter_map(Json::as_object_mut) {
                if ex.remove("stack").is_some() {
                    ex.insert("truncated".into(), Json::from(1));
                }
            }
            removed.push("cause.stack".into());
            size = json_len(&doc);
        }
    }
    // 3. The longest strings anywhere, shortened.
    if size > limit {
        shorten_strings(&mut doc, SHORT_STRING);
        removed.push("long strings".into());
    }
    if let Some(obj) = doc.as_object_mut() {
        if obj
            .get("metadata")
            .is_some_and(|m| m.as_object().is_some_and(Map::is_empty))
        {
            obj.remove("metadata");
        }
        let note = json!({ "trimmed_to_fit_64kb": removed.iter().take(20).collect::<Vec<_>>() });
        let metadata = obj
            .entry("metadata")
            .or_insert_with(|| Json::Object(Map::new()));
        if let Some(m) = metadata.as_object_mut() {
            m.insert("wasmtrace".into(), note);
        }
    }
    let text = serde_json::to_string(&doc).expect("JSON values serialize");
    if text.len() <= limit {
        return (text, true);
    }
    // Only a document of very many short values gets here: keep what X-Ray
    // needs to place the segment, and the first exceptions.
    if let Some(obj) = doc.as_object_mut() {
        for key in ["metadata", "annotations", "links", "aws"] {
            obj.remove(key);
        }
        if let Some(Json::Array(ex)) = obj.get_mut("cause").and_then(|c| c.get_mut("exceptions")) {
            ex.truncate(10);
        }
        obj.insert(
            "metadata".into(),
            json!({"wasmtrace": {"trimmed_to_fit_64kb": ["metadata", "annotations", "links", "aws", "cause.exceptions"]}}),
        );
    }
    (
        serde_json::to_string(&doc).expect("JSON values serialize"),
        true,
    )
}

fn json_len(v: &Json) -> usize {
    serde_json::to_string(v).map_or(0, |s| s.len())
}

fn shorten_strings(v: &mut Json, max: usize) {
    match v {
        Json::String(s) if s.chars().count() > max => {
            *s = s.chars().take(max).collect::<String>() + "…";
        }
        Json::Array(a) => a.iter_mut().for_each(|x| shorten_strings(x, max)),
        Json::Object(o) => o.values_mut().for_each(|x| shorten_strings(x, max)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_documents_are_untouched() {
        let (text, trimmed) = fit(
            json!({"name": "a", "metadata": {"default": {"k": "v"}}}),
            1000,
        );
        assert!(!trimmed);
        assert_eq!(text, r#"{"metadata":{"default":{"k":"v"}},"name":"a"}"#);
    }

    #[test]
    fn metadata_goes_first_largest_first() {
        let doc = json!({
            "name": "svc",
            "annotations": {"tier": "gold"},
            "metadata": {"default": {"big": "x".repeat(70_000), "small": "keep me"}},
        });
        let (text, trimmed) = fit(doc, MAX_DOCUMENT_BYTES);
        assert!(trimmed);
        assert!(text.len() <= MAX_DOCUMENT_BYTES);
        let back: Json = serde_json::from_str(&text).unwrap();
        assert_eq!(back["metadata"]["default"]["small"], "keep me");
        assert!(back["metadata"]["default"].get("big").is_none());
        assert_eq!(back["annotations"]["tier"], "gold");
        assert_eq!(
            back["metadata"]["wasmtrace"]["trimmed_to_fit_64kb"],
            json!(["default.big"])
        );
    }

    #[test]
    fn many_small_values_still_fit() {
        let links: Vec<Json> = (0..5000)
            .map(|i| json!({"trace_id": "1-655f0a00-0102030405060708090a0b0c", "id": format!("{i:016x}")}))
            .collect();
        let doc = json!({"name": "svc", "id": "0102030405060708", "links": links});
        let (text, trimmed) = fit(doc, MAX_DOCUMENT_BYTES);
        assert!(trimmed && text.len() <= MAX_DOCUMENT_BYTES);
        let back: Json = serde_json::from_str(&text).unwrap();
        assert_eq!(back["id"], "0102030405060708");
    }

    #[test]
    fn then_stacks_then_long_strings() {
        let frames: Vec<Json> = (0..3000)
            .map(|i| json!({"label": format!("fn{i}"), "path": "/app/x.js", "line": i}))
            .collect();
        let doc = json!({
            "name": "svc",
            "cause": {"exceptions": [{"id": "0123456789abcdef", "message": "m".repeat(80_000), "stack": frames}]},
        });
        let (text, trimmed) = fit(doc, MAX_DOCUMENT_BYTES);
        assert!(trimmed);
        assert!(text.len() <= MAX_DOCUMENT_BYTES, "{}", text.len());
        let back: Json = serde_json::from_str(&text).unwrap();
        let ex = &back["cause"]["exceptions"][0];
        assert!(ex.get("stack").is_none());
        assert_eq!(ex["truncated"], 1);
        assert!(ex["message"].as_str().unwrap().chars().count() <= SHORT_STRING + 1);
    }
}
