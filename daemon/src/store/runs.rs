//! Per-client "last incremental run" timestamps. They live in memory,
//! journaled like cache writes and saved in the cache snapshot file; data
//! dirs of earlier versions kept them in sled's `runs` tree, which is read
//! at open when the snapshot file has none.

use super::durable::{Epoch, TREE_RUNS};
use super::journal;
use super::{map_err, Store, StoreError};

pub(super) const TREE: &str = "runs";

impl Store {
    /// A client's last run, Unix ms.
    pub fn last_run(&self, client: &str) -> Result<Option<u64>, StoreError> {
        Ok(self.runs.lock().get(client).copied())
    }

    /// Records a client's last run; durable once its epoch is synced. If
    /// that write fails, the client's last run is forgotten (the next run
    /// is then a full one, never a skipped one).
    pub fn set_last_run(&self, client: &str, at_ms: u64) -> Result<Epoch, StoreError> {
        self.append(
            |out| {
                journal::encode_insert(
                    TREE_RUNS,
                    |k| k.extend_from_slice(client.as_bytes()),
                    |v| v.extend_from_slice(&at_ms.to_be_bytes()),
                    out,
                )
            },
            || {
                self.runs.lock().insert(client.to_owned(), at_ms);
            },
        )
    }

    /// The runs of sled's legacy `runs` tree.
    pub(super) fn legacy_runs(&self) -> Result<Vec<(String, u64)>, StoreError> {
        let mut out = Vec::new();
        for item in self.runs_tree.iter() {
            let (k, v) = item.map_err(|e| map_err(&self.path, e))?;
            if let (Ok(k), Ok(v)) = (
                String::from_utf8(k.to_vec()),
                <[u8; 8]>::try_from(v.as_ref()),
            ) {
                out.push((k, u64::from_be_bytes(v)));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_persist() {
        let dir = tempfile::tempdir().unwrap();
        {
            let s = Store::open(dir.path()).unwrap();
            assert_eq!(s.last_run("genreupdater").unwrap(), None);
            let epoch = s.set_last_run("genreupdater", 1_700_000_000_000).unwrap();
            s.sync_blocking(epoch).unwrap();
        }
        let s = crate::store::open_again(dir.path()).unwrap();
        assert_eq!(s.last_run("genreupdater").unwrap(), Some(1_700_000_000_000));
    }
}
