//! Patient data keys: created on a patient's first batch, wrapped by the master key and stored
//! in the same transaction as that batch; kept unwrapped in memory while the relayer runs.
//!
//! A key in memory is used only while the very wrapped key it came from is still in the table
//! the caller reads, so a key destroyed by an erasure (crypto-shredding) is never used again,
//! whatever a concurrent reader had cached; a shredded key is never cached again either.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use chacha20poly1305::XChaCha20Poly1305;
use redb::{ReadableTable, Table};

use super::crypto::{self, MasterKey, MASTER_CHECK_TAG};
use super::StoreError;

pub(crate) type Cipher = Arc<XChaCha20Poly1305>;
/// Keys created inside a transaction (with their wrapped form), known to everyone only once it
/// commits.
pub(crate) type Staged = HashMap<String, (Vec<u8>, Cipher)>;

#[derive(Default)]
struct Cache {
    /// Per patient: the wrapped key as stored, and the key.
    keys: HashMap<String, (Vec<u8>, Cipher)>,
    /// Wrapped keys destroyed by an erasure: never cached again.
    shredded: HashSet<Vec<u8>>,
}

pub(crate) struct DataKeys {
    master: XChaCha20Poly1305,
    cache: Mutex<Cache>,
}

impl DataKeys {
    pub(crate) fn new(master: &MasterKey) -> Self {
        DataKeys {
            master: master.cipher(),
            cache: Mutex::new(Cache::default()),
        }
    }

    /// Seals a secret of the relayer's own (an uploader key) under the master key.
    pub(crate) fn seal_secret(&self, aad: &[u8], secret: &[u8]) -> Result<Vec<u8>, StoreError> {
        crypto::seal(&self.master, aad, secret)
    }

    /// Opens what [`DataKeys::seal_secret`] sealed.
    pub(crate) fn open_secret(&self, aad: &[u8], blob: &[u8]) -> Option<Vec<u8>> {
        crypto::open(&self.master, aad, blob)
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

    fn lock(&self) -> std::sync::MutexGuard<'_, Cache> {
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn cached(&self, patient: &str, wrapped: &[u8]) -> Option<Cipher> {
        let cache = self.lock();
        match cache.keys.get(patient) {
            Some((w, c)) if w.as_slice() == wrapped => Some(c.clone()),
            _ => None,
        }
    }

    fn remember(&self, patient: &str, wrapped: Vec<u8>, cipher: Cipher) {
        let mut cache = self.lock();
        if !cache.shredded.contains(&wrapped) {
            cache.keys.insert(patient.to_string(), (wrapped, cipher));
        }
    }

    /// Makes keys created by a committed transaction known.
    pub(crate) fn promote(&self, staged: Staged) {
        for (patient, (wrapped, cipher)) in staged {
            self.remember(&patient, wrapped, cipher);
        }
    }

    /// Forgets the patient's key whose wrapped form was `wrapped` (just deleted from the table
    /// by an erasure), for good.
    pub(crate) fn shred(&self, patient: &str, wrapped: Vec<u8>) {
        let mut cache = self.lock();
        if cache.keys.get(patient).is_some_and(|(w, _)| *w == wrapped) {
            cache.keys.remove(patient);
        }
        cache.shredded.insert(wrapped);
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
        let Some(wrapped) = table.get(patient)? else {
            return Ok(None);
        };
        self.for_wrapped(patient, wrapped.value()).map(Some)
    }

    /// The patient's key whose wrapped form, as the caller just read it, is `wrapped`: from
    /// memory, or unwrapped (and remembered).
    pub(crate) fn for_wrapped(&self, patient: &str, wrapped: &[u8]) -> Result<Cipher, StoreError> {
        if let Some(c) = self.cached(patient, wrapped) {
            return Ok(c);
        }
        let cipher = self.unwrap_key(patient, wrapped)?;
        self.remember(patient, wrapped.to_vec(), cipher.clone());
        Ok(cipher)
    }

    /// A new data key for `patient`: its wrapped form (to store) and the key.
    pub(crate) fn create(&self, patient: &str) -> Result<(Vec<u8>, Cipher), StoreError> {
        let (raw, cipher) = crypto::new_data_key();
        let wrapped = crypto::seal(&self.master, &crypto::data_key_aad(patient), &raw[..])?;
        Ok((wrapped, Arc::new(cipher)))
    }

    /// The patient's key for writing; creates, wraps and inserts one (staged until the
    /// transaction commits) for a patient seen for the first time.
    pub(crate) fn for_write(
        &self,
        table: &mut Table<&'static str, &'static [u8]>,
        staged: &mut Staged,
        patient: &str,
    ) -> Result<Cipher, StoreError> {
        if let Some((_, c)) = staged.get(patient) {
            return Ok(c.clone());
        }
        if let Some(c) = self.for_read(table, patient)? {
            return Ok(c);
        }
        let (wrapped, cipher) = self.create(patient)?;
        table.insert(patient, wrapped.as_slice())?;
        staged.insert(patient.to_string(), (wrapped, cipher.clone()));
        Ok(cipher)
    }
}
