//! The consortium governs the suite, on a real network of three member organisations, each
//! running a validator: the cw4-group of org1, org2, org3 (weight 1 each) and the
//! cw3-flex-multisig over it (threshold 2) are the admin of all four contracts and their wasmd
//! admin, handed over in place from the single deployer key (scripts/e2e.sh). Every step goes
//! through the real `diachain-gov` binary, as a member would; refusals are also tried directly
//! against the contracts and wasmd. Skips unless `DIACHAIN_E2E_CHAIN_ID` names such a network
//! (scripts/e2e.sh runs this file on its consortium network).

use std::path::{Path, PathBuf};

use diachain_chain_client::{migrate_msg, Gas};
use diachain_e2e::{derived_address, repo_root, run_tag, Network, DEFAULT_GAS_LIMIT};
use diachain_std::consent::{self, ConsentRole};
use diachain_std::device::{Participant, Role};
use diachain_std::{anchors, registry};
use serde_json::Value;

/// The `diachain-gov` binary (scripts/e2e.sh passes the test build's).
fn gov_binary() -> PathBuf {
    std::env::var_os("DIACHAIN_GOV_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target/debug/diachain-gov"))
}

/// What one `diachain-gov --json` run said: its exit status and its JSON object.
struct Said {
    code: i32,
    json: Value,
}

impl Said {
    fn ok(self, what: &str) -> Value {
        assert_eq!(self.code, 0, "{what}: {}", self.json);
        self.json
    }

    /// Refused by the chain (exit status 1), with `needle` in the error.
    fn refused(self, what: &str, needle: &str) {
        assert_eq!(self.code, 1, "{what} should be refused: {}", self.json);
        let error = self.json["error"]
            .as_str()
            .unwrap_or_default()
            .to_lowercase();
        assert!(
            error.contains(&needle.to_lowercase()),
            "{what}: expected '{needle}' in the refusal, got {}",
            self.json
        );
    }
}

/// `diachain-gov --chain-id <net> --from <member> --json <args…>`, from the repository root.
fn gov(net: &Network, member: &str, args: &[&str]) -> Said {
    let out = std::process::Command::new(gov_binary())
        .current_dir(repo_root())
        .args(["--chain-id", &net.chain_id, "--from", member, "--json"])
        .args(args)
        .output()
        .expect("run diachain-gov");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
        panic!(
            "diachain-gov {args:?} printed no JSON ({e}): {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    Said {
        code: out.status.code().unwrap_or(-1),
        json,
    }
}

/// Member `by` proposes `action` (its weight votes yes at once); the proposal's id.
fn propose(net: &Network, by: &str, action: &[&str]) -> u64 {
    let mut args = vec!["propose"];
    args.extend_from_slice(action);
    let said = gov(net, by, &args).ok(&format!("{by} proposes {action:?}"));
    assert_eq!(said["status"], "open", "{said}");
    said["proposal_id"].as_u64().expect("proposal id")
}

fn status(net: &Network, id: u64) -> String {
    let shown = gov(net, "org1", &["show", &id.to_string()]).ok("show");
    shown["status"]
        .as_str()
        .or_else(|| shown["proposal"]["status"].as_str())
        .unwrap_or_else(|| panic!("no status in {shown}"))
        .to_string()
}

/// `id` passed by org2's vote beside its proposer's, then executed by `executor`.
fn pass_and_execute(net: &Network, id: u64, executor: &str) {
    let voted = gov(net, "org2", &["vote", &id.to_string(), "yes"]).ok("org2 votes yes");
    assert_eq!(voted["status"], "passed", "{voted}");
    let done = gov(net, executor, &["execute", &id.to_string()]).ok("execute");
    assert_eq!(done["status"], "executed", "{done}");
}

fn is_manufacturer(net: &Network, address: &str) -> bool {
    let p: Option<Participant> = net
        .query(
            &net.contracts.registry,
            &registry::QueryMsg::Participant {
                role: Role::Manufacturer,
                address: address.to_string(),
            },
        )
        .expect("participant query");
    p.is_some_and(|p| p.is_active())
}

fn is_member_of_consent(net: &Network, role: ConsentRole, address: &str) -> bool {
    let m: Option<Value> = net
        .query(
            &net.contracts.consent,
            &consent::QueryMsg::Member {
                role,
                address: address.to_string(),
            },
        )
        .expect("member query");
    m.is_some()
}

fn multisig(net: &Network) -> String {
    let dep: Value = serde_json::from_str(
        &std::fs::read_to_string(
            repo_root()
                .join("deployments")
                .join(format!("{}.json", net.chain_id)),
        )
        .expect("deployment file"),
    )
    .expect("deployment json");
    dep["governance"]["multisig"]["address"]
        .as_str()
        .expect("a governed deployment")
        .to_string()
}

#[test]
#[ignore = "needs a running wasmd network of three member organisations with the suite under their governance: scripts/e2e.sh runs it"]
fn every_contract_and_its_wasm_admin_belong_to_the_multisig_after_the_handover() {
    let net = Network::from_env();
    let ms = multisig(&net);
    let members = gov(&net, "org1", &["members"]).ok("members");
    let text = members.to_string();
    for c in [
        &net.contracts.registry,
        &net.contracts.anchors,
        &net.contracts.consent,
        &net.contracts.union,
    ] {
        let info = net
            .block_on(net.client().contract_info(c))
            .expect("contract info")
            .expect("the contract exists");
        assert_eq!(
            info.admin.as_deref(),
            Some(ms.as_str()),
            "wasmd admin of {c}"
        );
    }
    assert!(text.contains(&ms), "{text}");
    for k in ["org1", "org2", "org3"] {
        assert!(text.contains(&net.addr(k)), "{k} is a member: {text}");
    }
}

#[test]
#[ignore = "needs a running wasmd network of three member organisations with the suite under their governance: scripts/e2e.sh runs it"]
fn a_manufacturer_is_admitted_only_after_two_of_three_members_vote_yes() {
    let net = Network::from_env();
    let maker = derived_address(&format!("gov-manufacturer-{}", run_tag()));
    let id = propose(&net, "org1", &["admit-manufacturer", &maker]);
    // One member's weight (1) is below the threshold (2): nothing can execute yet.
    gov(&net, "org1", &["execute", &id.to_string()]).refused("execute with one vote", "");
    gov(&net, "org3", &["execute", &id.to_string()]).refused("execute with one vote", "");
    assert!(!is_manufacturer(&net, &maker));
    assert_eq!(status(&net, id), "open");
    // A member votes once.
    gov(&net, "org1", &["vote", &id.to_string(), "yes"]).refused("a second vote", "");
    pass_and_execute(&net, id, "org3");
    assert!(is_manufacturer(&net, &maker), "admitted once executed");
    // An executed proposal runs once.
    gov(&net, "org2", &["execute", &id.to_string()]).refused("a second execution", "");
}

#[test]
#[ignore = "needs a running wasmd network of three member organisations with the suite under their governance: scripts/e2e.sh runs it"]
fn one_member_alone_can_neither_admit_suspend_set_limits_nor_migrate() {
    let net = Network::from_env();
    let someone = derived_address(&format!("gov-alone-{}", run_tag()));
    let relayer = net.addr("org1-relayer");
    // Each member, and the key that deployed the suite, straight to the contracts.
    for key in ["org1", "org2", "consortium"] {
        net.execute(
            key,
            &net.contracts.registry,
            &registry::ExecuteMsg::AdmitParticipant {
                role: Role::Manufacturer,
                address: someone.clone(),
                label: "alone".into(),
            },
        )
        .expect_err(&format!("{key} admits a manufacturer alone"), "admin");
        net.execute(
            key,
            &net.contracts.registry,
            &registry::ExecuteMsg::SuspendParticipant {
                role: Role::Relayer,
                address: relayer.clone(),
                reason: "alone".into(),
            },
        )
        .expect_err(&format!("{key} suspends a relayer alone"), "admin");
        net.execute(
            key,
            &net.contracts.anchors,
            &anchors::ExecuteMsg::SetSamplingLimits { limits: vec![] },
        )
        .expect_err(&format!("{key} sets sampling limits alone"), "admin");
        net.execute(
            key,
            &net.contracts.consent,
            &consent::ExecuteMsg::AdmitMember {
                role: ConsentRole::Custodian,
                address: someone.clone(),
            },
        )
        .expect_err(&format!("{key} admits a custodian alone"), "admin");
        // wasmd: only the contract's admin (the multisig) may migrate it.
        let code_id = net
            .block_on(net.client().contract_info(&net.contracts.consent))
            .expect("contract info")
            .expect("consent")
            .code_id;
        let sender = net.sender(key);
        let msg = migrate_msg(
            &net.addr(key),
            &net.contracts.consent,
            code_id,
            &consent::MigrateMsg {},
        )
        .expect("migrate msg");
        let text = match net.block_on(sender.send(vec![msg], "", Gas::Fixed(DEFAULT_GAS_LIMIT))) {
            Ok(tx) => {
                assert_ne!(tx.code, 0, "{key} migrated consent alone in {}", tx.hash);
                tx.raw_log
            }
            Err(e) => e.to_string(),
        };
        assert!(
            text.to_lowercase().contains("unauthorized"),
            "{key} migrates consent alone: {text}"
        );
    }
    assert!(!is_manufacturer(&net, &someone));
    assert!(!is_member_of_consent(
        &net,
        ConsentRole::Custodian,
        &someone
    ));
    // Through the multisig, one member's proposals of each kind stay unexecutable.
    for action in [
        vec!["suspend-relayer", relayer.as_str(), "--reason", "alone"],
        vec!["set-sampling-limits", "cgm=30"],
        vec!["admit-custodian", someone.as_str()],
    ] {
        let id = propose(&net, "org3", &action);
        gov(&net, "org3", &["execute", &id.to_string()])
            .refused(&format!("{action:?} with one vote"), "");
    }
    let active: bool = net
        .query(
            &net.contracts.registry,
            &registry::QueryMsg::IsActiveRelayer {
                address: relayer.clone(),
            },
        )
        .expect("is active relayer");
    assert!(active, "the relayer is still active");
}

/// `src` with a wasm custom section appended: the same code under another checksum, as a
/// rebuild with another toolchain note gives.
fn rebuilt(src: &Path, dst: &Path) {
    let mut bytes = std::fs::read(src).expect("artifact");
    let name = b"diachain-governance-e2e";
    let payload = run_tag();
    let size = 1 + name.len() + payload.len();
    assert!(size < 128, "one LEB128 byte");
    bytes.push(0);
    bytes.push(size as u8);
    bytes.push(name.len() as u8);
    bytes.extend_from_slice(name);
    bytes.extend_from_slice(payload.as_bytes());
    std::fs::write(dst, bytes).expect("write the rebuilt wasm");
}

#[test]
#[ignore = "needs a running wasmd network of three member organisations with the suite under their governance: scripts/e2e.sh runs it"]
fn a_contract_is_migrated_by_proposal_only_to_a_code_whose_checksum_the_member_verified() {
    let net = Network::from_env();
    let dir = repo_root()
        .join(".chain")
        .join(&net.chain_id)
        .join(format!("rebuilt-{}", run_tag()));
    std::fs::create_dir_all(&dir).expect("dir");
    let ours = repo_root().join("artifacts/consent.wasm");
    let wasm = dir.join("consent.wasm");
    rebuilt(&ours, &wasm);
    let stored = gov(&net, "org2", &["upload", wasm.to_str().expect("path")]).ok("upload");
    let code_id = stored["code_id"].as_u64().expect("code id");
    let code = code_id.to_string();

    // The member's own build differs from the stored code: nothing is proposed.
    let before = gov(&net, "org1", &["list", "--all"]).ok("list")["proposals"]
        .as_array()
        .map(Vec::len)
        .unwrap_or(0);
    gov(
        &net,
        "org1",
        &[
            "propose",
            "migrate",
            "consent",
            "--code-id",
            &code,
            "--wasm",
            ours.to_str().expect("path"),
        ],
    )
    .refused(
        "a migration to a code that is not the member's build",
        "checksum",
    );
    gov(
        &net,
        "org1",
        &[
            "propose",
            "migrate",
            "consent",
            "--code-id",
            &code,
            "--checksum",
            "00000000000000000000000000000000000000000000000000000000000000ff",
        ],
    )
    .refused("a migration to a code of another checksum", "checksum");
    let after = gov(&net, "org1", &["list", "--all"]).ok("list")["proposals"]
        .as_array()
        .map(Vec::len)
        .unwrap_or(0);
    assert_eq!(before, after, "a refused proposal is not opened");

    let id = propose(
        &net,
        "org1",
        &[
            "migrate",
            "consent",
            "--code-id",
            &code,
            "--wasm",
            wasm.to_str().expect("path"),
        ],
    );
    pass_and_execute(&net, id, "org2");
    let info = net
        .block_on(net.client().contract_info(&net.contracts.consent))
        .expect("contract info")
        .expect("consent");
    assert_eq!(info.code_id, code_id, "consent runs the verified code");
    assert_eq!(
        info.admin,
        Some(multisig(&net)),
        "and the multisig is still its admin"
    );
    // The migrated contract answers as before.
    let _: Value = net
        .query(&net.contracts.consent, &consent::QueryMsg::Config {})
        .expect("consent answers after the migration");
}

#[test]
#[ignore = "needs a running wasmd network of three member organisations with the suite under their governance: scripts/e2e.sh runs it"]
fn a_member_removed_from_the_group_can_no_longer_vote_until_the_others_add_it_back() {
    let net = Network::from_env();
    let out = propose(&net, "org1", &["remove-member", "org3"]);
    pass_and_execute(&net, out, "org1");

    let provider = derived_address(&format!("gov-emergency-{}", run_tag()));
    let id = propose(&net, "org1", &["admit-emergency", &provider]);
    gov(&net, "org3", &["vote", &id.to_string(), "yes"]).refused("a vote by a removed member", "");
    assert_eq!(status(&net, id), "open", "org3's vote did not count");
    pass_and_execute(&net, id, "org2");
    assert!(is_member_of_consent(
        &net,
        ConsentRole::EmergencyProvider,
        &provider
    ));

    // The two left restore the third; it votes again on what is opened after.
    let back = propose(&net, "org2", &["add-member", "org3"]);
    let voted = gov(&net, "org1", &["vote", &back.to_string(), "yes"]).ok("org1 votes yes");
    assert_eq!(voted["status"], "passed", "{voted}");
    gov(&net, "org1", &["execute", &back.to_string()]).ok("execute");
    let again = propose(&net, "org1", &["remove-emergency", &provider]);
    let voted = gov(&net, "org3", &["vote", &again.to_string(), "yes"]).ok("org3 votes again");
    assert_eq!(voted["status"], "passed", "{voted}");
    gov(&net, "org3", &["execute", &again.to_string()]).ok("execute");
    assert!(!is_member_of_consent(
        &net,
        ConsentRole::EmergencyProvider,
        &provider
    ));
}

#[test]
#[ignore = "needs a running wasmd network of three member organisations with the suite under their governance: scripts/e2e.sh runs it"]
fn a_proposal_that_expires_executes_nothing() {
    let net = Network::from_env();
    let custodian = derived_address(&format!("gov-expiring-{}", run_tag()));
    let opened = gov(
        &net,
        "org1",
        &[
            "propose",
            "admit-custodian",
            &custodian,
            "--expires-in",
            "6",
        ],
    )
    .ok("propose with a short expiry");
    let id = opened["proposal_id"].as_u64().expect("id");
    let expires = opened["proposal"]["expires"]["unix"]
        .as_u64()
        .expect("an expiry in time");
    net.wait_until_time(expires + 1);
    gov(&net, "org2", &["vote", &id.to_string(), "yes"]).refused("a vote after expiry", "");
    gov(&net, "org1", &["execute", &id.to_string()]).refused("execution after expiry", "");
    gov(&net, "org3", &["close", &id.to_string()]).ok("close");
    // The multisig itself now holds it as rejected.
    let raw: Value = net
        .query(
            &multisig(&net),
            &serde_json::json!({"proposal": {"proposal_id": id}}),
        )
        .expect("the multisig's proposal");
    assert_eq!(raw["status"], "rejected", "{raw}");
    gov(&net, "org1", &["execute", &id.to_string()]).refused("execution once rejected", "");
    assert!(!is_member_of_consent(
        &net,
        ConsentRole::Custodian,
        &custodian
    ));
}
