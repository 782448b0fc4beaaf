//! `trackcache`: the command-line client. Exit codes: 0 success, 1 not found
//! (a miss), 2 any error.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use trackcache_client::cli::{self, Args, Outcome};

fn main() -> ExitCode {
    let args = Args::parse();
    match cli::run(&args) {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::NotFound) => ExitCode::from(1),
        Ok(Outcome::Failed) => ExitCode::from(2),
        Err(e) => {
            if args.json {
                let code = e.reply().map_or("client", |r| r.code.name());
                let v = serde_json::json!({"error": {"code": code, "message": e.to_string()}});
                // stdout may be gone already (a closed pipe); stderr still says it.
                let _ = writeln!(std::io::stdout(), "{v}");
            }
            eprintln!("trackcache: {e}");
            ExitCode::from(2)
        }
    }
}
