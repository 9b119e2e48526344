//! `--set key.path=value` overrides, applied to the parsed TOML of a scenario, an experiment's
//! base or a `faasim trace` workload before it is read into its types.

fn parse_override_value(raw: &str) -> toml::Value {
    // Parse as the right-hand side of a TOML assignment; anything else is a plain string.
    let doc = format!("v = {raw}");
    match toml::from_str::<toml::Table>(&doc) {
        Ok(mut t) => t
            .remove("v")
            .unwrap_or_else(|| toml::Value::String(raw.to_string())),
        Err(_) => toml::Value::String(raw.to_string()),
    }
}

/// Sets `key.path=value` in a parsed TOML table. Numeric segments index arrays
/// (`function.0.memory_mb`). The value is read as TOML (`5`, `true`, `"x"`, `[1, 2]`,
/// `{ kind = "none" }`) and otherwise taken as a string (`60s`, `5/s`).
pub(crate) fn apply_override(root: &mut toml::Value, spec: &str) -> Result<(), String> {
    let (key, raw) = spec
        .split_once('=')
        .ok_or_else(|| format!("'{spec}': expected KEY=VALUE, e.g. keep_alive.ttl=60s"))?;
    let key = key.trim();
    let raw = raw.trim();
    let value = parse_override_value(raw);
    let segs: Vec<&str> = key.split('.').collect();
    if segs.iter().any(|s| s.is_empty()) {
        return Err(format!("'{key}': empty segment in the key path"));
    }
    let mut cur = root;
    // Walk the path, creating tables as needed, and set the value at the last segment.
    for (n, seg) in segs.iter().enumerate() {
        let last = n + 1 == segs.len();
        cur = match cur {
            toml::Value::Table(t) => {
                if last {
                    t.insert(seg.to_string(), value);
                    return Ok(());
                }
                t.entry(seg.to_string())
                    .or_insert_with(|| toml::Value::Table(toml::Table::new()))
            }
            toml::Value::Array(a) => {
                let i: usize = seg.parse().map_err(|_| {
                    format!(
                        "'{key}': '{}' is a list, so the next part must be an index, not '{seg}'",
                        segs[..n].join(".")
                    )
                })?;
                let len = a.len();
                let slot = a.get_mut(i).ok_or_else(|| {
                    format!(
                        "'{key}': index {i} is out of range ('{}' has {len} entries)",
                        segs[..n].join(".")
                    )
                })?;
                if last {
                    *slot = value;
                    return Ok(());
                }
                slot
            }
            _ => {
                return Err(format!(
                    "'{key}': '{}' is a single value, not a table or list",
                    segs[..n].join(".")
                ))
            }
        };
    }
    Ok(())
}
