//! `trackcached check-config FILE`: every problem of a config file, each
//! explained, instead of only the first one the daemon would stop at.

use std::path::Path;

use super::{library, CachePolicies, Config, ContentPolicies, Defaults, FileConfig, Overrides};

/// What is wrong with the file at `path`; empty when it is valid. A file
/// that is not valid TOML (or has unknown keys) yields that one error, with
/// its line and column; a readable file is checked section by section.
pub fn check_file(path: &Path) -> Vec<String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => return vec![format!("cannot read {}: {e}", path.display())],
    };
    let file = match FileConfig::parse(&text) {
        Ok(f) => f,
        Err(message) => return vec![message.to_string()],
    };
    let mut errors = Vec::new();
    let top_level = FileConfig {
        cache: Default::default(),
        library: Default::default(),
        content_types: Default::default(),
        ..file.clone()
    };
    if let Err(e) = Config::resolve(Defaults::from_env(), top_level, Overrides::default()) {
        errors.push(e.to_string());
    }
    if let Err(e) = CachePolicies::from_file(&file.cache) {
        errors.push(format!("[cache]: {e}"));
    }
    if let Err(e) = ContentPolicies::from_file(&file.content_types) {
        errors.push(format!("[content_types]: {e}"));
    }
    if let Err(e) = library::resolve(&file.library, &Default::default()) {
        errors.push(format!("[library]: {e}"));
    }
    if let Some(level) = &file.log_level {
        if let Err(e) = tracing_subscriber::EnvFilter::try_new(level) {
            errors.push(format!(
                "log_level {level:?} is not a valid filter ({e}); use error, warn, info, debug, \
                 trace or a directive such as trackcache_daemon=debug"
            ));
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        std::fs::write(&p, text).unwrap();
        check_file(&p)
    }

    #[test]
    fn a_valid_file_has_no_errors() {
        assert_eq!(check(super::super::DEFAULT_CONFIG), Vec::<String>::new());
    }

    #[test]
    fn each_section_error_is_reported() {
        let errors = check(
            "max_connections = 0\nlog_level = \"info,=[\"\n[cache.default]\nmax_entries = 0\n\
             [library]\npath = \"/x\"\nformat = \"m3u\"\n[content_types.album_years]\n",
        );
        assert_eq!(errors.len(), 5, "{errors:#?}");
        assert!(errors[0].contains("max_connections"), "{errors:#?}");
        assert!(errors[1].starts_with("[cache]"), "{errors:#?}");
        assert!(errors[2].contains("album_years"), "{errors:#?}");
        assert!(errors[3].contains("m3u"), "{errors:#?}");
        assert!(errors[4].contains("log_level"), "{errors:#?}");
    }

    #[test]
    fn syntax_errors_carry_the_line() {
        let errors = check("socket = \n");
        assert_eq!(errors.len(), 1);
        assert!(errors[0].contains("line 1"), "{errors:?}");
        let errors = check("sockett = \"/s\"\n");
        assert!(errors[0].contains("sockett"), "{errors:?}");
    }
}
