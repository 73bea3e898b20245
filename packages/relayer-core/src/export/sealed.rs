//! An export's files on disk: sealed in chunks under a key that lives only in this process's
//! memory (XChaCha20-Poly1305, as the store), so a dataset waiting for its download is never
//! plaintext at rest and becomes unreadable if the relayer stops. Each chunk's associated data
//! binds it to its file, its position and whether it is the last, so chunks cannot be dropped,
//! reordered, moved between files or the file cut short without the reader noticing.
//!
//! Layout: a sequence of `u32 big-endian length || sealed blob`.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::Path;

use chacha20poly1305::aead::KeyInit;
use chacha20poly1305::XChaCha20Poly1305;

use crate::store::crypto::{open, seal};
use crate::store::StoreError;

/// Plaintext bytes per chunk.
pub const CHUNK: usize = 64 * 1024;
const TAG: &[u8] = b"DIACHAIN/RELAYER/EXPORT-CHUNK/v1";

/// A fresh random key for one export's files.
pub fn new_key() -> [u8; 32] {
    use chacha20poly1305::aead::OsRng;
    XChaCha20Poly1305::generate_key(&mut OsRng).into()
}

fn aad(file: &[u8], index: u64, last: bool) -> Vec<u8> {
    let mut a = Vec::with_capacity(TAG.len() + file.len() + 10);
    a.extend_from_slice(TAG);
    a.push(file.len() as u8);
    a.extend_from_slice(file);
    a.extend_from_slice(&index.to_be_bytes());
    a.push(u8::from(last));
    a
}

/// Writes plaintext into a sealed file; `finish` seals the last chunk (possibly empty).
pub struct SealedWriter {
    out: BufWriter<File>,
    cipher: XChaCha20Poly1305,
    file_id: Vec<u8>,
    buf: Vec<u8>,
    index: u64,
    /// Plaintext bytes written.
    pub written: u64,
}

impl SealedWriter {
    /// `file_id` names the file in every chunk's associated data (at most 255 bytes).
    pub fn create(path: &Path, key: &[u8; 32], file_id: &[u8]) -> std::io::Result<Self> {
        Ok(SealedWriter {
            out: BufWriter::new(File::create(path)?),
            cipher: XChaCha20Poly1305::new(key.into()),
            file_id: file_id[..file_id.len().min(255)].to_vec(),
            buf: Vec::with_capacity(CHUNK),
            index: 0,
            written: 0,
        })
    }

    fn flush_chunk(&mut self, last: bool) -> std::io::Result<()> {
        let blob = seal(
            &self.cipher,
            &aad(&self.file_id, self.index, last),
            &self.buf,
        )
        .map_err(std::io::Error::other)?;
        let len = u32::try_from(blob.len()).map_err(std::io::Error::other)?;
        self.out.write_all(&len.to_be_bytes())?;
        self.out.write_all(&blob)?;
        self.buf.clear();
        self.index += 1;
        Ok(())
    }

    /// Seals what is left as the last chunk and syncs the file.
    pub fn finish(mut self) -> std::io::Result<u64> {
        self.flush_chunk(true)?;
        self.out.flush()?;
        self.out.get_ref().sync_all()?;
        Ok(self.written)
    }
}

impl Write for SealedWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let mut rest = data;
        while !rest.is_empty() {
            let room = CHUNK - self.buf.len();
            let take = room.min(rest.len());
            self.buf.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if self.buf.len() == CHUNK {
                self.flush_chunk(false)?;
            }
        }
        self.written += data.len() as u64;
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Reads a sealed file back, chunk by chunk.
pub struct SealedReader {
    input: BufReader<File>,
    cipher: XChaCha20Poly1305,
    file_id: Vec<u8>,
    index: u64,
    done: bool,
}

impl SealedReader {
    pub fn open(path: &Path, key: &[u8; 32], file_id: &[u8]) -> std::io::Result<Self> {
        Ok(SealedReader {
            input: BufReader::new(File::open(path)?),
            cipher: XChaCha20Poly1305::new(key.into()),
            file_id: file_id[..file_id.len().min(255)].to_vec(),
            index: 0,
            done: false,
        })
    }

    /// The next chunk's plaintext; `None` after the last. An altered, reordered or truncated
    /// file is an error.
    pub fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, StoreError> {
        if self.done {
            return Ok(None);
        }
        let corrupt = |what: &str| StoreError::Corrupt(format!("export file: {what}"));
        let mut len = [0u8; 4];
        self.input
            .read_exact(&mut len)
            .map_err(|_| corrupt("cut short"))?;
        let len = u32::from_be_bytes(len) as usize;
        if len > CHUNK + 64 {
            return Err(corrupt("a chunk is too long"));
        }
        let mut blob = vec![0u8; len];
        self.input
            .read_exact(&mut blob)
            .map_err(|_| corrupt("cut short"))?;
        for last in [false, true] {
            if let Some(plain) = open(&self.cipher, &aad(&self.file_id, self.index, last), &blob) {
                self.index += 1;
                self.done = last;
                return Ok(Some(plain));
            }
        }
        Err(corrupt("a chunk fails authentication"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(len: usize) {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("f");
        let key = new_key();
        let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        let mut w = SealedWriter::create(&path, &key, b"x").expect("create");
        for part in data.chunks(1000) {
            w.write_all(part).expect("write");
        }
        assert_eq!(w.finish().expect("finish"), len as u64);
        let mut r = SealedReader::open(&path, &key, b"x").expect("open");
        let mut back = Vec::new();
        while let Some(c) = r.next_chunk().expect("chunk") {
            back.extend(c);
        }
        assert_eq!(back, data);
    }

    #[test]
    fn files_of_every_size_read_back() {
        for len in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 17] {
            roundtrip(len);
        }
    }

    #[test]
    fn a_cut_altered_or_misnamed_file_is_refused() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("f");
        let key = new_key();
        let mut w = SealedWriter::create(&path, &key, b"x").expect("create");
        w.write_all(&vec![1u8; 2 * CHUNK + 5]).expect("write");
        w.finish().expect("finish");
        let bytes = std::fs::read(&path).expect("read");
        let read_all = |path: &Path, id: &[u8]| -> Result<usize, StoreError> {
            let mut r = SealedReader::open(path, &key, id).expect("open");
            let mut n = 0;
            while let Some(c) = r.next_chunk()? {
                n += c.len();
            }
            Ok(n)
        };
        assert_eq!(read_all(&path, b"x").expect("whole"), 2 * CHUNK + 5);
        assert!(read_all(&path, b"y").is_err(), "another file's name");
        // Cut after the first chunk: the reader sees no last chunk.
        let first = 4 + u32::from_be_bytes(bytes[..4].try_into().expect("len")) as usize;
        std::fs::write(&path, &bytes[..first]).expect("cut");
        assert!(read_all(&path, b"x").is_err(), "cut short");
        let mut flipped = bytes.clone();
        flipped[first + 40] ^= 1;
        std::fs::write(&path, &flipped).expect("flip");
        assert!(read_all(&path, b"x").is_err(), "altered");
    }
}
