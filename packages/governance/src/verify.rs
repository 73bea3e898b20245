//! A migration is proposed only to code the proposing member has verified: the checksum the
//! chain holds for the code id must equal the SHA-256 of a wasm the member built from the
//! source (or a checksum the member gives), and the code must be one the multisig may migrate
//! to (wasmd refuses a migration "to use new code" its sender may not instantiate). Anything
//! else is refused before a proposal exists, with the reason.

use std::path::Path;

use cosmrs::proto::cosmos::base::query::v1beta1::PageRequest;
use cosmrs::proto::cosmwasm::wasm::v1::{AccessType, QueryCodesRequest, QueryCodesResponse};
use diachain_chain_client::{cosmrs, ChainClient, CODES_QUERY_PATH};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::{refused, usage, Result};

/// Who may instantiate (and so migrate to) a code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    Everybody,
    Nobody,
    AnyOf(Vec<String>),
}

impl std::fmt::Display for Permission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Permission::Everybody => f.write_str("everybody"),
            Permission::Nobody => f.write_str("nobody"),
            Permission::AnyOf(a) => write!(f, "only {}", a.join(", ")),
        }
    }
}

impl Permission {
    /// Whether `addr` may use the code.
    pub fn allows(&self, addr: &str) -> bool {
        match self {
            Permission::Everybody => true,
            Permission::Nobody => false,
            Permission::AnyOf(a) => a.iter().any(|x| x == addr),
        }
    }
}

/// A code on chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CodeOnChain {
    pub code_id: u64,
    pub creator: String,
    /// SHA-256 of its wasm, lowercase hex.
    pub checksum: String,
    pub permission: Permission,
}

/// The checksum a member expects: the SHA-256 of their own build, or one they give.
pub fn expected_checksum(wasm: Option<&Path>, checksum: Option<&str>) -> Result<(String, String)> {
    match (wasm, checksum) {
        (Some(p), None) => {
            let bytes = std::fs::read(p)
                .map_err(|e| usage(format!("cannot read {} ({e})", p.display())))?;
            if !bytes.starts_with(b"\0asm") {
                return Err(usage(format!("{} is not a wasm file", p.display())));
            }
            Ok((
                hex::encode(Sha256::digest(&bytes)),
                format!("the sha256 of {}", p.display()),
            ))
        }
        (None, Some(c)) => {
            let c = c.to_ascii_lowercase();
            if c.len() != 64 || !c.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(usage(format!(
                    "--checksum {c:?} is not a sha256 (64 hex digits)"
                )));
            }
            Ok((c, "the checksum given".to_string()))
        }
        _ => Err(usage(
            "a migration needs --wasm FILE (your own build of the code) or --checksum HEX",
        )),
    }
}

/// What the chain says about the contract to migrate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target<'a> {
    pub name: &'a str,
    /// The code it runs now.
    pub code_id: u64,
    /// Its wasm admin.
    pub admin: Option<&'a str>,
}

/// Refuses a migration of `target` to code `code_id` unless the chain's code (`code`) has the
/// `expected` checksum (`source` says where it came from), the multisig is the contract's wasm
/// admin and may use the code, and the contract does not run it already.
pub fn check_migration(
    target: &Target<'_>,
    code_id: u64,
    code: Option<&CodeOnChain>,
    (expected, source): (&str, &str),
    multisig: &str,
) -> Result<()> {
    let code = code.ok_or_else(|| refused(format!("code {code_id} is not on this chain")))?;
    if !code.checksum.eq_ignore_ascii_case(expected) {
        return Err(refused(format!(
            "code {code_id}'s checksum on chain is {}, not {expected} ({source}): \
             refusing to propose a migration to code you have not verified",
            code.checksum
        )));
    }
    if target.admin != Some(multisig) {
        return Err(refused(format!(
            "{}'s wasm admin is {}, not the multisig {multisig}: a proposal cannot migrate it",
            target.name,
            target.admin.unwrap_or("nobody")
        )));
    }
    if !code.permission.allows(multisig) {
        return Err(refused(format!(
            "code {code_id} may be instantiated by {}, not the multisig: wasmd \
             would refuse the migration; its uploader must allow the multisig, as \
             scripts/gov.sh upload FILE and scripts/deploy.sh do",
            code.permission
        )));
    }
    if target.code_id == code_id {
        return Err(refused(format!(
            "{} already runs code {code_id}",
            target.name
        )));
    }
    Ok(())
}

/// The code `code_id` as the chain lists it (id, creator, checksum, instantiate permission).
pub async fn code_on_chain(client: &ChainClient, code_id: u64) -> Result<Option<CodeOnChain>> {
    let mut key = Vec::new();
    loop {
        let req = QueryCodesRequest {
            pagination: Some(PageRequest {
                key: key.clone(),
                limit: 100,
                ..Default::default()
            }),
        };
        let r: QueryCodesResponse = client
            .query_proto(CODES_QUERY_PATH, &req)
            .await
            .map_err(|e| refused(format!("listing the chain's codes failed: {e}")))?;
        if let Some(c) = r.code_infos.into_iter().find(|c| c.code_id == code_id) {
            let permission = match c.instantiate_permission {
                None => Permission::Everybody,
                Some(p) => match AccessType::try_from(p.permission) {
                    Ok(AccessType::Everybody) => Permission::Everybody,
                    Ok(AccessType::AnyOfAddresses) => Permission::AnyOf(p.addresses),
                    _ => Permission::Nobody,
                },
            };
            return Ok(Some(CodeOnChain {
                code_id,
                creator: c.creator,
                checksum: hex::encode(c.data_hash),
                permission,
            }));
        }
        match r.pagination {
            Some(p) if !p.next_key.is_empty() => key = p.next_key,
            _ => return Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: &str = "wasm1multisig";
    const SUM: &str = "aa11bb22cc33dd44ee55ff66aa11bb22cc33dd44ee55ff66aa11bb22cc33dd44";

    fn code(checksum: &str, permission: Permission) -> CodeOnChain {
        CodeOnChain {
            code_id: 12,
            creator: "wasm1up".into(),
            checksum: checksum.into(),
            permission,
        }
    }

    fn target(admin: Option<&str>) -> Target<'_> {
        Target {
            name: "consent",
            code_id: 7,
            admin,
        }
    }

    #[test]
    fn a_verified_code_the_multisig_may_use_passes() {
        let c = code(SUM, Permission::AnyOf(vec![MS.into()]));
        check_migration(&target(Some(MS)), 12, Some(&c), (SUM, "mine"), MS).unwrap();
        // The chain may print upper case.
        let c = code(&SUM.to_uppercase(), Permission::Everybody);
        check_migration(&target(Some(MS)), 12, Some(&c), (SUM, "mine"), MS).unwrap();
    }

    #[test]
    fn a_code_whose_checksum_differs_from_the_members_build_is_refused() {
        let other = "00".repeat(32);
        let c = code(&other, Permission::Everybody);
        let e = check_migration(
            &target(Some(MS)),
            12,
            Some(&c),
            (SUM, "the sha256 of consent.wasm"),
            MS,
        )
        .unwrap_err();
        assert_eq!(e.exit_code(), 1);
        assert_eq!(
            e.to_string(),
            format!("code 12's checksum on chain is {other}, not {SUM} (the sha256 of consent.wasm): refusing to propose a migration to code you have not verified")
        );
    }

    #[test]
    fn a_missing_code_a_foreign_admin_a_forbidden_code_or_no_change_is_refused() {
        let e = check_migration(&target(Some(MS)), 12, None, (SUM, "x"), MS).unwrap_err();
        assert_eq!(e.to_string(), "code 12 is not on this chain");
        let c = code(SUM, Permission::Everybody);
        let e = check_migration(&target(Some("wasm1d")), 12, Some(&c), (SUM, "x"), MS).unwrap_err();
        assert!(e
            .to_string()
            .starts_with("consent's wasm admin is wasm1d, not the multisig"));
        let e = check_migration(&target(None), 12, Some(&c), (SUM, "x"), MS).unwrap_err();
        assert!(e.to_string().contains("wasm admin is nobody"));
        let c = code(SUM, Permission::AnyOf(vec!["wasm1d".into()]));
        let e = check_migration(&target(Some(MS)), 12, Some(&c), (SUM, "x"), MS).unwrap_err();
        assert_eq!(
            e.to_string(),
            "code 12 may be instantiated by only wasm1d, not the multisig: wasmd would refuse the migration; its uploader must allow the multisig, as scripts/gov.sh upload FILE and scripts/deploy.sh do"
        );
        let c = code(SUM, Permission::Nobody);
        assert!(check_migration(&target(Some(MS)), 12, Some(&c), (SUM, "x"), MS).is_err());
        let c = code(SUM, Permission::Everybody);
        let same = Target {
            code_id: 12,
            ..target(Some(MS))
        };
        let e = check_migration(&same, 12, Some(&c), (SUM, "x"), MS).unwrap_err();
        assert_eq!(e.to_string(), "consent already runs code 12");
    }

    #[test]
    fn the_expected_checksum_is_the_sha256_of_the_members_wasm_or_a_valid_hex() {
        let dir = tempfile::tempdir().unwrap();
        let wasm = dir.path().join("c.wasm");
        std::fs::write(&wasm, b"\0asm\x01\0\0\0").unwrap();
        let (sum, source) = expected_checksum(Some(&wasm), None).unwrap();
        assert_eq!(sum, hex::encode(Sha256::digest(b"\0asm\x01\0\0\0")));
        assert!(source.starts_with("the sha256 of "));
        let text = dir.path().join("c.txt");
        std::fs::write(&text, b"hello").unwrap();
        assert!(expected_checksum(Some(&text), None)
            .unwrap_err()
            .to_string()
            .ends_with("is not a wasm file"));
        assert!(expected_checksum(Some(&dir.path().join("none.wasm")), None).is_err());
        assert_eq!(
            expected_checksum(None, Some(&SUM.to_uppercase()))
                .unwrap()
                .0,
            SUM
        );
        let e = expected_checksum(None, Some("abc")).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(expected_checksum(None, None).is_err());
        assert!(expected_checksum(Some(&wasm), Some(SUM)).is_err());
    }
}
