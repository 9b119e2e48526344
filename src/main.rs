//! The `faasim` command: a thin wrapper around [`faasim::cli::main`], which a researcher's own
//! crate can call too, after registering policies (see examples/policy-crate).

fn main() {
    std::process::exit(faasim::cli::main());
}
