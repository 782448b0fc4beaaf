//! `service install --library PATH`: sets `[library] path` in the config
//! file, keeping everything else in it (comments included), so the library
//! stays a config-file setting that a reload can change.

use std::path::Path;

use trackcache_protocol::paths;

use super::apply::ServiceError;
use super::plan::FileWrite;

/// The config file with `[library] path` set to `library` (made absolute).
pub fn set_library(library: &Path) -> Result<FileWrite, ServiceError> {
    let library = std::path::absolute(library).map_err(|e| ServiceError::Io {
        what: format!("resolve {}", library.display()),
        source: e,
    })?;
    if !library.exists() {
        return Err(ServiceError::NoLibrary(library));
    }
    let path = paths::default_config_path();
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => {
            return Err(ServiceError::Io {
                what: format!("read {}", path.display()),
                source: e,
            })
        }
    };
    let contents = with_library(&text, &library.display().to_string())
        .map_err(|e| ServiceError::BadConfig(path.clone(), e))?;
    Ok(FileWrite {
        what: format!(
            "config file, [library] path = {:?}",
            library.display().to_string()
        ),
        path,
        contents,
    })
}

/// `text` (a TOML config file) with `[library] path` set.
pub fn with_library(text: &str, library: &str) -> Result<String, String> {
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e| format!("{e}"))?;
    let section = doc
        .entry("library")
        .or_insert_with(|| toml_edit::Item::Table(toml_edit::Table::new()));
    let Some(table) = section.as_table_like_mut() else {
        return Err("library is not a table; make it a [library] section".into());
    };
    table.insert("path", toml_edit::value(library));
    Ok(doc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_the_path_and_keeps_the_rest() {
        let text = "# mine\nlog_level = \"debug\"\n\n[library]\nsettle_ms = 50 # quick\n";
        let out = with_library(text, "/m/L.xml").unwrap();
        assert!(
            out.contains("# mine") && out.contains("settle_ms = 50 # quick"),
            "{out}"
        );
        assert!(out.contains("path = \"/m/L.xml\""), "{out}");
        let fresh = with_library("", "/m/L.xml").unwrap();
        assert_eq!(fresh.trim(), "[library]\npath = \"/m/L.xml\"");
        assert!(with_library("library = 3\n", "/x").is_err());
        assert!(with_library("[library\n", "/x").is_err());
    }
}
