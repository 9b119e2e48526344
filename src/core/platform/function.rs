//! What a function is: its runtime and architecture names, as scenarios and models write them.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The language runtime of a function; platform models give each its own cold-start figures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Runtime {
    /// CPython.
    Python,
    /// Node.js.
    Nodejs,
    /// Go (on a custom or Go runtime).
    Go,
    /// Java (JVM).
    Java,
    /// .NET.
    Dotnet,
    /// Rust (on a custom runtime).
    Rust,
    /// Any other custom runtime or container image.
    Custom,
}

impl Runtime {
    /// Every runtime, in a fixed order.
    pub const ALL: [Runtime; 7] = [
        Runtime::Python,
        Runtime::Nodejs,
        Runtime::Go,
        Runtime::Java,
        Runtime::Dotnet,
        Runtime::Rust,
        Runtime::Custom,
    ];

    /// The name used in TOML files.
    pub fn name(self) -> &'static str {
        match self {
            Runtime::Python => "python",
            Runtime::Nodejs => "nodejs",
            Runtime::Go => "go",
            Runtime::Java => "java",
            Runtime::Dotnet => "dotnet",
            Runtime::Rust => "rust",
            Runtime::Custom => "custom",
        }
    }
}

impl fmt::Display for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The processor architecture a function runs on; prices differ.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Arch {
    /// x86-64.
    #[default]
    X86,
    /// 64-bit Arm (Graviton on AWS).
    Arm,
}

impl fmt::Display for Arch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Arch::X86 => "x86",
            Arch::Arm => "arm",
        })
    }
}
