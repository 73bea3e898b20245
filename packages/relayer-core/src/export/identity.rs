//! Per-study pseudonyms and time shifts (`docs/research-data.md` §3).
//!
//! A participant's pseudonym and shift come from an HMAC keyed by a per-study key, itself an HMAC
//! of the relayer's pseudonym secret (derived from the master key) and the study id. Without the
//! secret, a sponsor can neither compute a member's pseudonym from their (public) address nor
//! link one participant's pseudonyms across studies.

use ring::hmac;

/// The label the pseudonym secret is derived from the master key under.
pub const SECRET_LABEL: &[u8] = b"diachain/relayer/research-pseudonyms/v1";
/// A time shift moves a participant's times by whole days in `-MAX_SHIFT_DAYS..=MAX_SHIFT_DAYS`.
pub const MAX_SHIFT_DAYS: i64 = 7;

/// The relayer's secret behind every study's pseudonyms. Its `Debug` never shows it.
#[derive(Clone)]
pub struct PseudonymSecret([u8; 32]);

impl std::fmt::Debug for PseudonymSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PseudonymSecret(..)")
    }
}

impl PseudonymSecret {
    pub fn from_master(master: &crate::store::crypto::MasterKey) -> Self {
        PseudonymSecret(master.derive(SECRET_LABEL))
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        PseudonymSecret(bytes)
    }

    /// The identities of one study's participants.
    pub fn study(&self, study_id: u64) -> StudyIdentity {
        let outer = hmac::Key::new(hmac::HMAC_SHA256, &self.0);
        let mut msg = b"diachain/study/v1".to_vec();
        msg.extend_from_slice(&study_id.to_be_bytes());
        let study_key = hmac::sign(&outer, &msg);
        StudyIdentity {
            key: hmac::Key::new(hmac::HMAC_SHA256, study_key.as_ref()),
        }
    }
}

/// One study's pseudonyms and shifts.
pub struct StudyIdentity {
    key: hmac::Key,
}

impl StudyIdentity {
    fn tag(&self, label: &[u8], patient: &str) -> hmac::Tag {
        let mut msg = label.to_vec();
        msg.extend_from_slice(patient.as_bytes());
        hmac::sign(&self.key, &msg)
    }

    /// `P-` and 16 lowercase hex digits (64 bits).
    pub fn pseudonym(&self, patient: &str) -> String {
        let tag = self.tag(b"participant", patient);
        format!("P-{}", hex::encode(&tag.as_ref()[..8]))
    }

    /// The participant's shift in whole days, `-MAX_SHIFT_DAYS..=MAX_SHIFT_DAYS`.
    pub fn shift_days(&self, patient: &str) -> i64 {
        let tag = self.tag(b"shift", patient);
        let mut first = [0u8; 8];
        first.copy_from_slice(&tag.as_ref()[..8]);
        let span = (2 * MAX_SHIFT_DAYS + 1) as u64;
        // `span` is 15: the remainder fits an i64.
        (u64::from_be_bytes(first) % span) as i64 - MAX_SHIFT_DAYS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALICE: &str = "wasm1alice";
    const BOB: &str = "wasm1bob";

    fn secret() -> PseudonymSecret {
        PseudonymSecret::from_bytes([7; 32])
    }

    #[test]
    fn pseudonyms_are_stable_within_a_study() {
        let a = secret().study(3).pseudonym(ALICE);
        assert_eq!(a, secret().study(3).pseudonym(ALICE));
        assert_eq!(a.len(), 18);
        assert!(a.starts_with("P-"));
        assert!(a[2..]
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    }

    #[test]
    fn pseudonyms_differ_across_studies_and_members_and_secrets() {
        let s = secret();
        assert_ne!(s.study(3).pseudonym(ALICE), s.study(4).pseudonym(ALICE));
        assert_ne!(s.study(3).pseudonym(ALICE), s.study(3).pseudonym(BOB));
        let other = PseudonymSecret::from_bytes([8; 32]);
        assert_ne!(s.study(3).pseudonym(ALICE), other.study(3).pseudonym(ALICE));
        // Not the address in any form.
        assert!(!s.study(3).pseudonym(ALICE).contains("alice"));
    }

    #[test]
    fn shifts_stay_within_a_week_and_spread() {
        let id = secret().study(9);
        let mut seen = std::collections::BTreeSet::new();
        for i in 0..500 {
            let d = id.shift_days(&format!("wasm1member{i}"));
            assert!((-MAX_SHIFT_DAYS..=MAX_SHIFT_DAYS).contains(&d));
            seen.insert(d);
        }
        assert_eq!(seen.len(), 15, "every shift in -7..=7 is used");
    }

    #[test]
    fn the_secret_is_never_printed() {
        assert_eq!(format!("{:?}", secret()), "PseudonymSecret(..)");
    }
}
