//! The `runs` tree: per-client "last incremental run" timestamps.

use super::durable::TREE_RUNS;
use super::journal::Op;
use super::{map_err, Store, StoreError};

pub(super) const TREE: &str = "runs";

impl Store {
    /// A client's last run, Unix ms.
    pub fn last_run(&self, client: &str) -> Result<Option<u64>, StoreError> {
        let v = self
            .runs
            .get(client.as_bytes())
            .map_err(|e| map_err(&self.path, e))?;
        Ok(v.and_then(|b| <[u8; 8]>::try_from(b.as_ref()).ok())
            .map(u64::from_be_bytes))
    }

    /// Records a client's last run.
    pub fn set_last_run(&self, client: &str, at_ms: u64) -> Result<(), StoreError> {
        self.durable(Op::Insert {
            tree: TREE_RUNS,
            key: client.as_bytes().to_vec(),
            value: at_ms.to_be_bytes().to_vec(),
        })
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
            s.set_last_run("genreupdater", 1_700_000_000_000).unwrap();
            s.flush().unwrap();
        }
        let s = crate::store::open_again(dir.path()).unwrap();
        assert_eq!(s.last_run("genreupdater").unwrap(), Some(1_700_000_000_000));
    }
}
