//! The OpenAPI document in the social security platform's version, 3.0.3.
//!
//! The generator (utoipa) writes OpenAPI 3.1, whose schemas are JSON
//! Schema 2020-12; the platform publishes every API as OpenAPI 3.0.3 (its
//! developer guide), and many code generators integrators use read only
//! 3.0. This module rewrites the generated document into 3.0.3: the few
//! constructs of 3.1 it contains have a 3.0 form that says the same thing
//! (a nullable type, a single value, an exclusive bound, one example);
//! what 3.0 cannot say at all (webhooks, a licence identifier) is left out.
//! The rules are applied to schema objects only, wherever they occur
//! (components, parameters, bodies, responses, headers, and the schemas
//! nested in them), so that a media type's `examples` map, which 3.0 has
//! too, is not touched.

use serde_json::{Map, Value};

/// The version written into the converted document.
pub const VERSION: &str = "3.0.3";

/// Rewrites an OpenAPI 3.1 document (as JSON) into OpenAPI 3.0.3.
pub fn downgrade(mut doc: Value) -> Value {
    let Some(root) = doc.as_object_mut() else { return doc };
    root.insert("openapi".into(), Value::String(VERSION.into()));
    root.remove("webhooks");
    root.remove("jsonSchemaDialect");
    if let Some(info) = root.get_mut("info").and_then(Value::as_object_mut) {
        info.remove("summary");
        if let Some(license) = info.get_mut("license").and_then(Value::as_object_mut) {
            license.remove("identifier");
        }
    }
    if let Some(components) = root.get_mut("components").and_then(Value::as_object_mut) {
        components.remove("pathItems");
        if let Some(schemas) = components.get_mut("schemas").and_then(Value::as_object_mut) {
            for schema in schemas.values_mut() {
                schema_30(schema);
            }
        }
        for section in ["parameters", "headers"] {
            if let Some(items) = components.get_mut(section).and_then(Value::as_object_mut) {
                for item in items.values_mut() {
                    with_schema(item);
                }
            }
        }
        for section in ["requestBodies", "responses"] {
            if let Some(items) = components.get_mut(section).and_then(Value::as_object_mut) {
                for item in items.values_mut() {
                    body_or_response(item);
                }
            }
        }
    }
    if let Some(paths) = root.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            path_item(item);
        }
    }
    // In 3.0.3, `nullable` means something only beside a `type` (it does
    // not reach through `allOf`): a nullable reference gets the referenced
    // schema's type beside it.
    let types: Map<String, Value> = root
        .get("components")
        .and_then(|c| c.get("schemas"))
        .and_then(Value::as_object)
        .map(|schemas| {
            schemas.iter().filter_map(|(name, schema)| Some((name.clone(), schema.get("type")?.clone()))).collect()
        })
        .unwrap_or_default();
    typed_nullables(&mut doc, &types);
    doc
}

/// Puts the referenced schema's `type` beside `nullable` on every
/// `{allOf: [{$ref}], nullable: true}` without one.
fn typed_nullables(value: &mut Value, types: &Map<String, Value>) {
    match value {
        Value::Object(map) => {
            if map.get("nullable") == Some(&Value::Bool(true)) && !map.contains_key("type") {
                let referenced = map
                    .get("allOf")
                    .and_then(Value::as_array)
                    .and_then(|list| list.first())
                    .and_then(|first| first.get("$ref"))
                    .and_then(Value::as_str)
                    .and_then(|r| r.strip_prefix("#/components/schemas/"))
                    .and_then(|name| types.get(name))
                    .cloned();
                if let Some(t) = referenced {
                    map.insert("type".into(), t);
                }
            }
            for v in map.values_mut() {
                typed_nullables(v, types);
            }
        }
        Value::Array(list) => {
            for v in list {
                typed_nullables(v, types);
            }
        }
        _ => {}
    }
}

const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

fn path_item(item: &mut Value) {
    let Some(item) = item.as_object_mut() else { return };
    parameters(item);
    for method in METHODS {
        if let Some(op) = item.get_mut(method).and_then(Value::as_object_mut) {
            parameters(op);
            if let Some(body) = op.get_mut("requestBody") {
                body_or_response(body);
            }
            if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
                for response in responses.values_mut() {
                    body_or_response(response);
                }
            }
        }
    }
}

fn parameters(owner: &mut Map<String, Value>) {
    if let Some(list) = owner.get_mut("parameters").and_then(Value::as_array_mut) {
        for p in list {
            with_schema(p);
        }
    }
}

/// A parameter or a header: a `schema`, or a `content` map.
fn with_schema(item: &mut Value) {
    let Some(item) = item.as_object_mut() else { return };
    if let Some(schema) = item.get_mut("schema") {
        schema_30(schema);
    }
    content(item);
}

/// A request body or a response: a `content` map, and (responses) headers.
fn body_or_response(item: &mut Value) {
    let Some(item) = item.as_object_mut() else { return };
    content(item);
    if let Some(headers) = item.get_mut("headers").and_then(Value::as_object_mut) {
        for header in headers.values_mut() {
            with_schema(header);
        }
    }
}

fn content(item: &mut Map<String, Value>) {
    if let Some(content) = item.get_mut("content").and_then(Value::as_object_mut) {
        for media in content.values_mut() {
            if let Some(schema) = media.get_mut("schema") {
                schema_30(schema);
            }
            if let Some(encoding) = media.get_mut("encoding").and_then(Value::as_object_mut) {
                for e in encoding.values_mut() {
                    body_or_response(e);
                }
            }
        }
    }
}

/// Rewrites one schema object (and the schemas nested in it) into the
/// OpenAPI 3.0 dialect.
fn schema_30(schema: &mut Value) {
    let Some(s) = schema.as_object_mut() else { return };
    // Nested schemas first, so that a parent sees its children's 3.0 form.
    for key in ["items", "additionalProperties", "not"] {
        if let Some(child) = s.get_mut(key) {
            schema_30(child);
        }
    }
    if let Some(props) = s.get_mut("properties").and_then(Value::as_object_mut) {
        for child in props.values_mut() {
            schema_30(child);
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        if let Some(list) = s.get_mut(key).and_then(Value::as_array_mut) {
            for child in list.iter_mut() {
                schema_30(child);
            }
        }
    }
    // `type: [T, "null"]` → `type: T, nullable: true`; several non-null
    // types → one alternative per type.
    if let Some(Value::Array(types)) = s.get("type").cloned() {
        let null = types.iter().any(|t| t == "null");
        let rest: Vec<Value> = types.into_iter().filter(|t| t != "null").collect();
        s.remove("type");
        match rest.len() {
            0 => {}
            1 => {
                s.insert("type".into(), rest[0].clone());
            }
            _ => {
                let alternatives = rest.into_iter().map(|t| Value::Object(Map::from_iter([("type".into(), t)])));
                s.insert("anyOf".into(), Value::Array(alternatives.collect()));
            }
        }
        if null {
            s.insert("nullable".into(), Value::Bool(true));
        }
    }
    if s.get("type").is_some_and(|t| t == "null") {
        // Only null: 3.0 has no such type; a nullable value that is always
        // absent says it.
        s.remove("type");
        s.insert("nullable".into(), Value::Bool(true));
        s.insert("enum".into(), Value::Array(vec![Value::Null]));
    }
    // `oneOf`/`anyOf` with a null alternative → the others, nullable.
    for key in ["oneOf", "anyOf"] {
        let Some(list) = s.get_mut(key).and_then(Value::as_array_mut) else { continue };
        let before = list.len();
        list.retain(|alt| !is_null_schema(alt));
        if list.len() == before {
            continue;
        }
        s.insert("nullable".into(), Value::Bool(true));
        let rest = s.get(key).and_then(Value::as_array).cloned().unwrap_or_default();
        if rest.len() == 1 {
            // One alternative left: not a choice any more. A reference
            // cannot carry `nullable` beside it in 3.0, so it is wrapped.
            s.remove(key);
            let only = rest.into_iter().next().unwrap_or(Value::Null);
            if only.get("$ref").is_some() {
                s.insert("allOf".into(), Value::Array(vec![only]));
            } else if let Value::Object(fields) = only {
                for (k, v) in fields {
                    if k != "nullable" {
                        s.entry(k).or_insert(v);
                    }
                }
            }
        }
    }
    if let Some(value) = s.remove("const") {
        s.insert("enum".into(), Value::Array(vec![value]));
    }
    if let Some(Value::Array(examples)) = s.remove("examples")
        && let Some(first) = examples.into_iter().next()
    {
        s.entry("example").or_insert(first);
    }
    for (exclusive, bound) in [("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")] {
        if let Some(n) = s.get(exclusive).filter(|v| v.is_number()).cloned() {
            s.insert(bound.into(), n);
            s.insert(exclusive.into(), Value::Bool(true));
        }
    }
    let encoding = s.remove("contentEncoding");
    let media_type = s.remove("contentMediaType");
    if encoding.is_some() || media_type.is_some() {
        // 3.0 says base64 as `format: byte`, raw bytes as `format: binary`.
        let format = if encoding.as_ref().and_then(Value::as_str) == Some("base64") { "byte" } else { "binary" };
        s.entry("format").or_insert(Value::String(format.into()));
    }
    for key in ["$schema", "$id", "$anchor", "$defs", "$comment", "unevaluatedProperties", "dependentRequired"] {
        s.remove(key);
    }
    // In 3.0 a `$ref` replaces its object: whatever is beside it would be
    // ignored, so the reference goes into `allOf` and the rest stays.
    if s.len() > 1
        && let Some(reference) = s.remove("$ref")
    {
        let wrapped = Value::Object(Map::from_iter([("$ref".into(), reference)]));
        match s.get_mut("allOf").and_then(Value::as_array_mut) {
            Some(list) => list.insert(0, wrapped),
            None => {
                s.insert("allOf".into(), Value::Array(vec![wrapped]));
            }
        }
    }
}

fn is_null_schema(schema: &Value) -> bool {
    schema.get("type").is_some_and(|t| t == "null")
        || schema.get("enum").and_then(Value::as_array).is_some_and(|e| e.len() == 1 && e[0].is_null())
}

/// What the 3.0 dialect does not have, found anywhere under a schema; the
/// document's tests assert it finds nothing.
pub fn constructs_not_in_30(doc: &Value) -> Vec<String> {
    let mut found = Vec::new();
    if doc.get("openapi").and_then(Value::as_str) != Some(VERSION) {
        found.push(format!("openapi is {:?}", doc.get("openapi")));
    }
    for key in ["webhooks", "jsonSchemaDialect"] {
        if doc.get(key).is_some() {
            found.push(key.into());
        }
    }
    walk(doc, "#", &mut found);
    found
}

fn walk(value: &Value, at: &str, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(t) = map.get("type") {
                match t {
                    Value::String(name) if name != "null" => {}
                    // `type` is also an ordinary member of security schemes
                    // and of the document's own schemas' properties map.
                    _ if !at.ends_with("/properties") => found.push(format!("{at}: type {t}")),
                    _ => {}
                }
            }
            if map.contains_key("$ref") && map.len() > 1 && !at.ends_with("/properties") {
                found.push(format!("{at}: $ref with siblings"));
            }
            let in_schema = at.contains("schema") || at.contains("/items") || at.contains("/properties");
            if in_schema && !at.ends_with("/properties") {
                for key in ["const", "prefixItems", "contentMediaType", "$schema", "$defs"] {
                    if map.contains_key(key) {
                        found.push(format!("{at}: {key}"));
                    }
                }
                if map.get("examples").is_some_and(Value::is_array) {
                    found.push(format!("{at}: examples array"));
                }
                for key in ["exclusiveMinimum", "exclusiveMaximum"] {
                    if map.get(key).is_some_and(Value::is_number) {
                        found.push(format!("{at}: numeric {key}"));
                    }
                }
            }
            for (k, v) in map {
                walk(v, &format!("{at}/{k}"), found);
            }
        }
        Value::Array(list) => {
            for (i, v) in list.iter().enumerate() {
                walk(v, &format!("{at}/{i}"), found);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema_doc(schema: Value) -> Value {
        json!({"openapi": "3.1.0", "info": {"title": "t", "version": "1", "summary": "s",
               "license": {"name": "MIT", "identifier": "MIT"}},
               "paths": {}, "webhooks": {}, "components": {"schemas": {"S": schema}}})
    }

    fn converted(schema: Value) -> Value {
        let doc = downgrade(schema_doc(schema));
        assert!(constructs_not_in_30(&doc).is_empty(), "{:?}", constructs_not_in_30(&doc));
        doc["components"]["schemas"]["S"].clone()
    }

    #[test]
    fn the_root_is_3_0_3_without_what_3_0_lacks() {
        let doc = downgrade(schema_doc(json!({"type": "string"})));
        assert_eq!(doc["openapi"], "3.0.3");
        assert!(doc.get("webhooks").is_none());
        assert!(doc["info"].get("summary").is_none());
        assert_eq!(doc["info"]["license"], json!({"name": "MIT"}));
    }

    #[test]
    fn a_type_with_null_becomes_nullable() {
        assert_eq!(
            converted(json!({"type": ["string", "null"], "format": "date"})),
            json!({"type": "string", "format": "date", "nullable": true})
        );
        assert_eq!(
            converted(json!({"type": ["integer", "string"]})),
            json!({"anyOf": [{"type": "integer"}, {"type": "string"}]})
        );
    }

    #[test]
    fn a_reference_or_null_becomes_a_nullable_all_of() {
        assert_eq!(
            converted(json!({"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/A"}]})),
            json!({"allOf": [{"$ref": "#/components/schemas/A"}], "nullable": true})
        );
        // Beside a referenced schema of the document, its type: `nullable`
        // means something in 3.0.3 only beside a `type`.
        let doc = downgrade(json!({"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {},
            "components": {"schemas": {"A": {"type": "object"}, "S": {"type": "object", "properties": {
                "a": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/A"}]}}}}}}));
        assert_eq!(
            doc["components"]["schemas"]["S"]["properties"]["a"],
            json!({"allOf": [{"$ref": "#/components/schemas/A"}], "nullable": true, "type": "object"})
        );
        // Nested in properties and items, with a description beside.
        let s = converted(json!({"type": "object", "properties": {"a": {"oneOf": [{"type": "null"},
            {"$ref": "#/components/schemas/A"}], "description": "d"}, "list": {"type": ["array", "null"],
            "items": {"$ref": "#/components/schemas/B", "description": "x"}}}}));
        assert_eq!(
            s["properties"]["a"],
            json!({"allOf": [{"$ref": "#/components/schemas/A"}], "nullable": true, "description": "d"})
        );
        assert_eq!(s["properties"]["list"]["nullable"], true);
        assert_eq!(
            s["properties"]["list"]["items"],
            json!({"allOf": [{"$ref": "#/components/schemas/B"}], "description": "x"})
        );
        // Several alternatives and null: the alternatives stay, nullable.
        assert_eq!(
            converted(json!({"oneOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}]})),
            json!({"oneOf": [{"type": "string"}, {"type": "integer"}], "nullable": true})
        );
        // An inline alternative and null: the alternative itself, nullable.
        assert_eq!(
            converted(json!({"oneOf": [{"type": "null"}, {"type": "string", "maxLength": 3}]})),
            json!({"type": "string", "maxLength": 3, "nullable": true})
        );
    }

    #[test]
    fn const_examples_and_exclusive_bounds_take_their_3_0_form() {
        assert_eq!(converted(json!({"const": "IN"})), json!({"enum": ["IN"]}));
        assert_eq!(
            converted(json!({"type": "integer", "examples": [3, 4], "exclusiveMinimum": 0})),
            json!({"type": "integer", "example": 3, "minimum": 0, "exclusiveMinimum": true})
        );
        assert_eq!(
            converted(json!({"type": "string", "contentMediaType": "application/octet-stream"})),
            json!({"type": "string", "format": "binary"})
        );
        assert_eq!(
            converted(json!({"type": "string", "contentEncoding": "base64", "contentMediaType": "image/png"})),
            json!({"type": "string", "format": "byte"})
        );
    }

    #[test]
    fn a_media_types_examples_map_is_kept() {
        let doc = downgrade(json!({"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {"/x": {
            "parameters": [{"name": "p", "in": "query", "schema": {"type": ["string", "null"]}}],
            "post": {"requestBody": {"content": {"application/json": {"schema": {"const": 1},
                "examples": {"one": {"value": 1}}}}},
            "responses": {"200": {"description": "ok", "headers": {"H": {"schema": {"examples": ["a"]}}}}}}}}}));
        assert!(constructs_not_in_30(&doc).is_empty(), "{:?}", constructs_not_in_30(&doc));
        let x = &doc["paths"]["/x"];
        assert_eq!(x["parameters"][0]["schema"], json!({"type": "string", "nullable": true}));
        let media = &x["post"]["requestBody"]["content"]["application/json"];
        assert_eq!(media["schema"], json!({"enum": [1]}));
        assert_eq!(media["examples"], json!({"one": {"value": 1}}));
        assert_eq!(x["post"]["responses"]["200"]["headers"]["H"]["schema"], json!({"example": "a"}));
    }

    #[test]
    fn the_check_finds_what_3_0_lacks() {
        let doc = json!({"openapi": "3.1.0", "components": {"schemas": {"S": {"type": ["string", "null"],
            "properties": {"type": {"type": "string"}, "c": {"const": 1}}}}}});
        let found = constructs_not_in_30(&doc);
        assert_eq!(found.len(), 3, "{found:?}");
    }
}
