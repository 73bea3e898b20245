//! cw2 version bookkeeping shared by every contract's `migrate`.

use cosmwasm_std::{Response, StdError, Storage};

#[derive(thiserror::Error, Debug, PartialEq)]
pub enum MigrateError {
    #[error("cannot migrate from contract {found} to {expected}")]
    WrongContract { expected: String, found: String },
    #[error("cannot migrate from version {from} down to {to}")]
    Downgrade { from: String, to: String },
    #[error("invalid version {0}")]
    Version(String),
    #[error("{0}")]
    Std(String),
}

impl From<StdError> for MigrateError {
    fn from(e: StdError) -> Self {
        MigrateError::Std(e.to_string())
    }
}

fn parse(v: &str) -> Result<semver::Version, MigrateError> {
    semver::Version::parse(v).map_err(|_| MigrateError::Version(v.to_string()))
}

/// Checks that the stored cw2 record names this contract at the same or an older version, then
/// stores the new version. Returns the version migrated from.
pub fn migrate_version(
    storage: &mut dyn Storage,
    name: &str,
    version: &str,
) -> Result<String, MigrateError> {
    let stored = cw2::get_contract_version(storage)?;
    if stored.contract != name {
        return Err(MigrateError::WrongContract {
            expected: name.to_string(),
            found: stored.contract,
        });
    }
    if parse(&stored.version)? > parse(version)? {
        return Err(MigrateError::Downgrade {
            from: stored.version,
            to: version.to_string(),
        });
    }
    cw2::set_contract_version(storage, name, version)?;
    Ok(stored.version)
}

/// What every contract's `migrate` entry point does: [`migrate_version`], answered with the
/// `migrate` action and both versions as attributes.
pub fn migrate(
    storage: &mut dyn Storage,
    name: &str,
    version: &str,
) -> Result<Response, MigrateError> {
    let from = migrate_version(storage, name, version)?;
    Ok(Response::new()
        .add_attribute("action", "migrate")
        .add_attribute("from_version", from)
        .add_attribute("to_version", version))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cosmwasm_std::testing::MockStorage;

    #[test]
    fn upgrade_and_same_version_pass_downgrade_and_other_contract_fail() {
        let mut s = MockStorage::new();
        cw2::set_contract_version(&mut s, "a", "1.2.0").unwrap();
        assert_eq!(
            migrate_version(&mut s, "a", "1.1.9"),
            Err(MigrateError::Downgrade {
                from: "1.2.0".into(),
                to: "1.1.9".into()
            })
        );
        assert_eq!(migrate_version(&mut s, "a", "1.2.0").unwrap(), "1.2.0");
        assert_eq!(migrate_version(&mut s, "a", "1.3.0").unwrap(), "1.2.0");
        assert_eq!(cw2::get_contract_version(&s).unwrap().version, "1.3.0");
        assert!(matches!(
            migrate_version(&mut s, "b", "9.0.0"),
            Err(MigrateError::WrongContract { .. })
        ));
        assert!(matches!(
            migrate_version(&mut s, "a", "x"),
            Err(MigrateError::Version(_))
        ));
    }
}
