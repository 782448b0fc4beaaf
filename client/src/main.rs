//! `trackcache`: the command-line client. Exit codes: 0 success, 1 not found
//! (a miss), 2 any error.

use std::process::ExitCode;

use clap::Parser;
use trackcache_client::cli::output::Printer;
use trackcache_client::cli::{self, Args, Outcome};

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(e) => {
            // Argument errors are JSON too when --json was asked for (help
            // and --version are not errors and print as usual).
            if e.use_stderr() && std::env::args_os().any(|a| a == "--json") {
                let text = e.render().to_string();
                Printer::new(true).error("usage", text.trim_end().to_owned());
            }
            e.exit()
        }
    };
    match cli::run(&args) {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::NotFound) => ExitCode::from(1),
        Ok(Outcome::Failed) => ExitCode::from(2),
        Err(e) => {
            if args.json {
                // The daemon's error as the socket sends it; else the client's own.
                let (code, message) = match e.reply() {
                    Some(r) => (r.code.name(), r.message.clone()),
                    None => ("client", e.to_string()),
                };
                Printer::new(true).error(code, message);
            }
            eprintln!("trackcache: {e}");
            ExitCode::from(2)
        }
    }
}
