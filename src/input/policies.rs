//! Keep-alive policies registered by name, so that a researcher's own policy goes everywhere a
//! built-in goes: `[keep_alive] kind = "my-policy"` in scenarios and on sweep axes, with its
//! parameters as the rest of the table.
//!
//! A crate that uses faasim registers its policies once, at start-up, before it reads any
//! scenario (the `faasim` command line is then theirs too: see `examples/policy-crate/`):
//!
//! ```
//! use faasim::core::ids::{EnvId, FuncId};
//! use faasim::core::policy::{IdleDecision, Policy};
//! use faasim::core::time::{Instant, Span};
//!
//! /// Keeps every idle environment for `minutes`.
//! #[derive(Clone, serde::Deserialize)]
//! #[serde(deny_unknown_fields)]
//! struct Params { minutes: u64 }
//! struct Minutes(Span);
//! impl Policy for Minutes {
//!     fn on_idle(&mut self, _f: FuncId, _e: EnvId, now: Instant) -> IdleDecision {
//!         IdleDecision::ExpireAt(now + self.0)
//!     }
//! }
//!
//! faasim::input::policies::register("minutes", |p: Params| Minutes(Span::from_secs(60 * p.minutes)))
//!     .unwrap();
//! let s = faasim::Scenario::load("hello", &["keep_alive={kind=\"minutes\",minutes=2}".into()])
//!     .unwrap();
//! let report = faasim::simulate(&s).unwrap();
//! assert!(report.counts.cold_starts > 0);
//! // Its parameters are checked like a built-in's:
//! let bad = faasim::Scenario::load("hello", &["keep_alive={kind=\"minutes\",minute=2}".into()]);
//! assert!(bad.unwrap_err().to_string().contains("unknown field `minute`"));
//! ```
//!
//! Parameters are read with serde from the table (without `kind`), so a policy's parameter type
//! decides what is accepted and says what is wrong. Each run gets a fresh policy built from a
//! clone of the parameters, so runs stay independent and a sweep can run them in parallel.

use crate::core::policy::{CustomPolicy, Policy};
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

/// The names of the built-in keep-alive kinds, which a registered policy may not take.
pub const BUILTIN_KINDS: &[&str] = &[
    "none",
    "fixed",
    "hybrid-histogram",
    "greedy-dual",
    "lru",
    "oracle",
    "keep-warm-ping",
    "provisioned",
];

/// Reads a registered policy's parameters and returns how to make it for each run.
type Prepare = Arc<dyn Fn(toml::Table) -> Result<CustomPolicy, String> + Send + Sync>;

/// The registry, in name order (so listings never depend on registration order).
static REGISTRY: RwLock<BTreeMap<String, Prepare>> = RwLock::new(BTreeMap::new());

/// Why a policy could not be registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegisterError {
    /// The name is a built-in kind.
    #[error("'{0}' is a built-in keep-alive kind; choose another name")]
    Builtin(String),
    /// Another policy has the name already.
    #[error("a policy named '{0}' is already registered")]
    Taken(String),
    /// Names are lower-case letters, digits and hyphens, as the built-ins' are.
    #[error("'{0}' is not a policy name: use lower-case letters, digits and hyphens")]
    BadName(String),
}

/// Registers a policy under `name`: a scenario's `[keep_alive] kind = "name"` (or a sweep axis
/// value `{ kind = "name", ... }`) then runs `make(params)`, where `params` is the rest of the
/// table read into `P`.
pub fn register<P, Pol, F>(name: &str, make: F) -> Result<(), RegisterError>
where
    P: DeserializeOwned + Clone + Send + Sync + 'static,
    Pol: Policy + 'static,
    F: Fn(P) -> Pol + Send + Sync + 'static,
{
    let valid = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !valid {
        return Err(RegisterError::BadName(name.to_string()));
    }
    if BUILTIN_KINDS.contains(&name) {
        return Err(RegisterError::Builtin(name.to_string()));
    }
    let make = Arc::new(make);
    let owned = name.to_string();
    let prepare: Prepare = Arc::new(move |table: toml::Table| {
        let params: P = toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| e.message().trim().to_string())?;
        let make = make.clone();
        Ok(CustomPolicy::new(&owned, move || {
            Box::new(make(params.clone())) as Box<dyn Policy>
        }))
    });
    let mut reg = REGISTRY.write().unwrap_or_else(|e| e.into_inner());
    if reg.contains_key(name) {
        return Err(RegisterError::Taken(name.to_string()));
    }
    reg.insert(name.to_string(), prepare);
    Ok(())
}

/// The names of the registered policies, in order.
pub fn registered() -> Vec<String> {
    let reg = REGISTRY.read().unwrap_or_else(|e| e.into_inner());
    reg.keys().cloned().collect()
}

/// The policy registered as `name` with `params`; `None` when no policy has that name.
pub(crate) fn prepare(name: &str, params: &toml::Table) -> Option<Result<CustomPolicy, String>> {
    let prepare = {
        let reg = REGISTRY.read().unwrap_or_else(|e| e.into_inner());
        reg.get(name)?.clone()
    };
    Some(prepare(params.clone()))
}

/// Every kind a `[keep_alive]` table accepts now, as serde lists them: `` `none`, `fixed`, ...``.
pub(crate) fn accepted_kinds() -> String {
    BUILTIN_KINDS
        .iter()
        .map(|k| k.to_string())
        .chain(registered())
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::ids::{EnvId, FuncId};
    use crate::core::policy::IdleDecision;
    use crate::core::time::Instant;

    struct Never;
    impl Policy for Never {
        fn on_idle(&mut self, _: FuncId, _: EnvId, _: Instant) -> IdleDecision {
            IdleDecision::EvictNow
        }
    }

    #[test]
    fn names_are_checked() {
        let never = |_: toml::Table| Never;
        assert_eq!(
            register("fixed", never),
            Err(RegisterError::Builtin("fixed".into()))
        );
        assert_eq!(
            register("My Policy", never),
            Err(RegisterError::BadName("My Policy".into()))
        );
        assert_eq!(register("test-never", never), Ok(()));
        assert_eq!(
            register("test-never", never),
            Err(RegisterError::Taken("test-never".into()))
        );
        assert!(registered().contains(&"test-never".to_string()));
        assert!(
            accepted_kinds().ends_with("`test-never`") || accepted_kinds().contains("`test-never`")
        );
    }
}
