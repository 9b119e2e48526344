//! The `faasim` command: parses the command line and calls into the library.

mod cli;

fn main() {
    std::process::exit(cli::main());
}
