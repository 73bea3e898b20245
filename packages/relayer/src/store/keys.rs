//! Patient data keys: created on a patient's first batch, wrapped by the master key and stored
//! in the same transaction as that batch; kept unwrapped in memory while the relayer runs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use chacha20poly1305::XChaCha20Poly1305;
use redb::{ReadableTable, Table};

use super::crypto::{self, MasterKey, MASTER_CHECK_TAG};
use super::StoreError;

pub(crate) type Cipher = Arc<XChaCha20Poly1305>;
/// Keys created inside a transaction, known to everyone only once it commits.
pub(crate) type Staged = HashMap<String, Cipher>;

pub(crate) struct DataKeys {
    master: XChaCha20Poly1305,
    cache: Mutex<HashMap<String, Cipher>>,
}

impl DataKeys {
    pub(crate) fn new(master: &MasterKey) -> Self {
        DataKeys {
            master: master.cipher(),
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The sealed check value to store in a new database.
    pub(crate) fn master_check(&self) -> Result<Vec<u8>, StoreError> {
        crypto::seal(&self.master, MASTER_CHECK_TAG, MASTER_CHECK_TAG)
    }

    /// Fails with [`StoreError::WrongMasterKey`] unless `check` opens under the master key.
    pub(crate) fn verify_master(&self, check: &[u8]) -> Result<(), StoreError> {
        match crypto::open(&self.master, MASTER_CHECK_TAG, check) {
            Some(plain) if plain == MASTER_CHECK_TAG => Ok(()),
            _ => Err(StoreError::WrongMasterKey),
        }
    }

    fn cached(&self, patient: &str) -> Option<Cipher> {
        let cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        cache.get(patient).cloned()
    }

    fn remember(&self, patient: &str, cipher: Cipher) {
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        cache.insert(patient.to_string(), cipher);
    }

    /// Makes keys created by a committed transaction known.
    pub(crate) fn promote(&self, staged: Staged) {
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        cache.extend(staged);
    }

    fn unwrap_key(&self, patient: &str, wrapped: &[u8]) -> Result<Cipher, StoreError> {
        let raw = crypto::open(&self.master, &crypto::data_key_aad(patient), wrapped)
            .ok_or_else(|| StoreError::Tampered(format!("data key of patient {patient}")))?;
        Ok(Arc::new(crypto::cipher_from_key(&raw)?))
    }

    /// The patient's key for reading: from memory, or unwrapped from `table`.
    pub(crate) fn for_read(
        &self,
        table: &impl ReadableTable<&'static str, &'static [u8]>,
        patient: &str,
    ) -> Result<Option<Cipher>, StoreError> {
        if let Some(c) = self.cached(patient) {
            return Ok(Some(c));
        }
        let Some(wrapped) = table.get(patient)? else {
            return Ok(None);
        };
        let cipher = self.unwrap_key(patient, wrapped.value())?;
        self.remember(patient, cipher.clone());
        Ok(Some(cipher))
    }

    /// The patient's key for writing; creates, wraps and inserts one (staged until the
    /// transaction commits) for a patient seen for the first time.
    pub(crate) fn for_write(
        &self,
        table: &mut Table<&'static str, &'static [u8]>,
        staged: &mut Staged,
        patient: &str,
    ) -> Result<Cipher, StoreError> {
        if let Some(c) = staged.get(patient) {
            return Ok(c.clone());
        }
        if let Some(c) = self.for_read(table, patient)? {
            return Ok(c);
        }
        let (raw, cipher) = crypto::new_data_key();
        let wrapped = crypto::seal(&self.master, &crypto::data_key_aad(patient), &raw[..])?;
        table.insert(patient, wrapped.as_slice())?;
        let cipher = Arc::new(cipher);
        staged.insert(patient.to_string(), cipher.clone());
        Ok(cipher)
    }
}
