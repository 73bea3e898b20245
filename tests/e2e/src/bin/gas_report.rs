//! Measures gas on a running, deployed network and writes the gas report (Markdown).
//! Run through `scripts/gas-report.sh`, which starts a fresh network, deploys and stops it.
//!
//! Usage: gas-report --chain-id <id> --out <file.md> [--command "<what produced it>"]
//!        gas-report --chain-id <id> --out - --claims-only 1,20   (only the claim measurement,
//!        printed; nothing is written)
//!        gas-report --chain-id <id> --out - --pinning-only   (only anchoring before and after
//!        pinning the codes by governance, printed; nothing is written)
//!
//! The pinned-code measurement runs last: it pins the suite's codes (scripts/pin-codes.sh),
//! and everything measured before it is unpinned.

use std::fmt::Write as _;

use diachain_e2e::bench::{self, fmt_int, Measure};
use diachain_e2e::journey::{self, Step};
use diachain_e2e::pinning::{self, PinReport};
use diachain_e2e::{repo_root, Network};

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut chain_id, mut out, mut command) = (None, None, None);
    let mut claims_only = None;
    let mut pinning_only = false;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--chain-id" => chain_id = args.next(),
            "--out" => out = args.next(),
            "--command" => command = args.next(),
            "--pinning-only" => pinning_only = true,
            // Comma-separated devices per patient, e.g. 20,1,1.
            "--claims-only" => {
                claims_only = args.next().map(|v| {
                    v.split(',')
                        .map(|n| n.parse().expect("--claims-only 1,20"))
                        .collect::<Vec<usize>>()
                })
            }
            _ => panic!(
                "usage: gas-report --chain-id <id> --out <file.md> [--command <cmd>] \
                 [--claims-only <devices,...> | --pinning-only]"
            ),
        }
    }
    let chain_id = chain_id.expect("--chain-id");
    let out = out.expect("--out");
    let command = command.unwrap_or_else(|| "bash scripts/gas-report.sh".into());
    let net = Network::load(&chain_id).unwrap_or_else(|e| panic!("{e}"));
    if let Some(devices) = claims_only {
        // A quick look at the claim measurement alone (nothing is written).
        let r = bench::claims_by_devices(&net, &devices);
        let mut md = String::new();
        claim_rows(&mut md, &r);
        println!("{md}");
        return;
    }
    if pinning_only {
        // A quick look at the pinned-code measurement alone (nothing is written).
        println!("{}", pinning::run(&net).markdown(&command));
        return;
    }

    eprintln!("gas-report: deployment wiring");
    journey::check_wiring(&net);
    eprintln!("gas-report: patient journey");
    let journey_steps = journey::run(&net);
    eprintln!("gas-report: rejections");
    let rejections = journey::rejections(&net);
    eprintln!("gas-report: anchoring benchmarks");
    let report = bench::run(&net);
    eprintln!("gas-report: pinned vs unpinned code (pins the suite's codes by proposal)");
    let pinned = pinning::run(&net);

    let md = render(
        &net,
        &command,
        &journey_steps,
        &rejections,
        &report,
        &pinned,
    );
    // Hand-written analysis below the marker survives a rerun.
    let notes = std::fs::read_to_string(&out)
        .ok()
        .and_then(|old| old.find(NOTES_MARKER).map(|i| old[i..].to_string()))
        .unwrap_or_else(|| format!("{NOTES_MARKER}\n"));
    let md = format!("{md}\n{notes}");
    std::fs::write(&out, md).unwrap_or_else(|e| panic!("{out}: {e}"));
    eprintln!("gas-report: wrote {out}");
}

/// Everything from this line on in the report is kept across reruns (hand-written analysis).
const NOTES_MARKER: &str = "<!-- notes: kept across reruns of scripts/gas-report.sh -->";

fn measure_rows(md: &mut String, rows: &[&Measure]) {
    md.push_str(
        "| key | batches / tx | readings / batch | readings / tx | gas_used | gas / batch | gas / reading | tx bytes | result |\n\
         | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n",
    );
    for m in rows {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {:.0} | {} | {} |",
            m.algorithm,
            m.batches,
            m.readings_per_batch,
            fmt_int(m.readings()),
            fmt_int(m.gas_used),
            fmt_int(m.per_batch().round() as u64),
            m.per_reading(),
            fmt_int(m.tx_bytes as u64),
            if m.ok {
                "ok".to_string()
            } else {
                format!(
                    "FAILED: {}",
                    m.raw_log.chars().take(120).collect::<String>()
                )
            }
        );
    }
}

fn step_rows(md: &mut String, steps: &[Step]) {
    md.push_str(
        "| step | execute message | signer | gas_used | tx bytes | result |\n\
         | --- | --- | --- | ---: | ---: | --- |\n",
    );
    for s in steps {
        let _ = writeln!(
            md,
            "| {} | `{}` | {} | {} | {} | {} |",
            s.step,
            s.message,
            s.signer,
            fmt_int(s.gas_used),
            fmt_int(s.tx_bytes as u64),
            if s.ok { "ok" } else { "failed (expected)" }
        );
    }
}

fn claim_rows(md: &mut String, r: &bench::ClaimReport) {
    let _ = writeln!(
        md,
        "\n## Claim gas by devices per patient\n\n\
         Study {} wants one day of glucose data. Two patients, signing for themselves, give it \
         research consent and join it; one has 1 CGM, the other 20, all bound to them and all \
         anchoring readings a minute apart on the study's data day, the same number of \
         readings per patient (1 batch of 240; 20 batches of 12). After the study's close each \
         claims (each is paid the study's cap of 400,000, which leaves money in the pool: a \
         claim that emptied the union's balance would cost a few thousand gas less, as the \
         bank deletes a zero balance). The claim reads only the union's own per-day totals of the patient (kept \
         when readings are anchored), never the anchors contract's coverage, so its gas does \
         not depend on the number of devices. `days` and `readings` are the union's \
         `Contribution` query (a query: no gas) just before the claim; the payout is the \
         claim's.\n",
        r.study_id
    );
    md.push_str(
        "| devices | days | readings | payout | gas_used | tx bytes | result |\n\
         | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n",
    );
    for m in &r.claims {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} |",
            m.devices,
            m.days,
            fmt_int(m.readings),
            fmt_int(m.payout as u64),
            fmt_int(m.gas_used),
            fmt_int(m.tx_bytes as u64),
            if m.ok {
                "ok".to_string()
            } else {
                format!(
                    "FAILED: {}",
                    m.raw_log.chars().take(120).collect::<String>()
                )
            }
        );
    }
    md.push_str("\nThe anchoring of those readings, one transaction per patient:\n\n");
    measure_rows(md, &r.anchoring.iter().collect::<Vec<_>>());
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "**met**"
    } else {
        "**MISSED**"
    }
}

fn render(
    net: &Network,
    command: &str,
    journey_steps: &[Step],
    rejections: &[Step],
    r: &bench::Report,
    pinned: &PinReport,
) -> String {
    let mut md = String::new();
    let deployment = std::fs::read_to_string(
        repo_root()
            .join("deployments")
            .join(format!("{}.json", net.chain_id)),
    )
    .ok()
    .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok())
    .unwrap_or_default();
    let wasmd = deployment["wasmd_client"]
        .as_str()
        .unwrap_or("?")
        .to_string();
    let date = std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();

    let by = |v: &[Measure], n: u32| v.iter().find(|m| m.readings_per_batch == n).cloned();
    // The budgets are judged on the cheapest successful ed25519 packing of each batch size.
    let best = |n: u32| -> Measure {
        r.batch_sizes
            .iter()
            .chain(r.batches_per_tx.iter())
            .filter(|m| m.readings_per_batch == n)
            .min_by(|a, b| {
                let key = |m: &Measure| if m.ok { m.per_reading() } else { f64::MAX };
                key(a).total_cmp(&key(b))
            })
            .cloned()
            .expect("measurement")
    };
    let hourly = best(12);
    let minute = best(60);
    let hourly_v2 = r
        .v2_batches_per_tx
        .iter()
        .filter(|m| m.ok)
        .min_by(|a, b| a.per_reading().total_cmp(&b.per_reading()))
        .cloned();
    let hourly_v2_ok = hourly_v2
        .as_ref()
        .is_some_and(|m| m.per_reading() <= 1000.0);
    let hourly_ok = hourly.ok && hourly.per_reading() <= 1000.0;
    let minute_ok = minute.ok && minute.per_reading() <= 250.0;
    let fit_ok = r.block_fit.ok && r.block_fit.gas_used <= 10_000_000;

    let _ = writeln!(md, "# Gas report\n");
    let _ = writeln!(
        md,
        "Measured `gas_used` of real transactions on a local wasmd node running the optimized \
         contracts from `artifacts/`. Produced by:\n\n```sh\n{command}\n```\n\n\
         which starts a fresh single-validator network (chain `{}`), deploys the suite with \
         `scripts/deploy.sh`, runs `cargo run -p diachain-e2e --bin gas-report` and \
         stops the network. Last run: {date}, wasmd `{wasmd}`. Every number below is the \
         chain's own `gas_used` (tx bytes, signature verification, ante handler, contract \
         execution, storage, events, sub-messages to the data union), read from the delivered \
         transaction. The codes are not pinned, except in the last section (\"Pinned code\"), \
         measured after a governance proposal pinned them.\n",
        net.chain_id
    );
    if let Some(contracts) = deployment["contracts"].as_object() {
        md.push_str("| contract | code id | sha256 of the wasm measured |\n| --- | ---: | --- |\n");
        for (name, c) in contracts {
            let _ = writeln!(
                md,
                "| {name} | {} | `{}` |",
                c["code_id"],
                c["checksum"].as_str().unwrap_or("?")
            );
        }
        md.push('\n');
    }

    let _ = writeln!(md, "## Budgets (docs: design brief, \"Budgets\")\n");
    md.push_str("| budget | measured | verdict |\n| --- | --- | --- |\n");
    let _ = writeln!(
        md,
        "| ≤ 1,000 gas per reading, hourly 12-reading batches | {:.0} gas/reading ({} batches of 12 in one tx) | {} |",
        hourly.per_reading(),
        hourly.batches,
        verdict(hourly_ok)
    );
    let _ = writeln!(
        md,
        "| ≤ 1,000 gas per reading, hourly 12-reading batches, version 2 headers (the readings' scope signed) | {} | {} |",
        hourly_v2.as_ref().map_or("every transaction failed".to_string(), |m| format!(
            "{:.0} gas/reading ({} batches of 12 in one tx)",
            m.per_reading(),
            m.batches
        )),
        verdict(hourly_v2_ok)
    );
    let _ = writeln!(
        md,
        "| ≤ 250 gas per reading, 60-reading batches | {:.0} gas/reading ({} batches of 60 in one tx) | {} |",
        minute.per_reading(),
        minute.batches,
        verdict(minute_ok)
    );
    let _ = writeln!(
        md,
        "| 800 hourly batches in a 10,000,000-gas block | {} gas for 800 batches of 12 in one tx{} | {} |",
        fmt_int(r.block_fit.gas_used),
        if r.block_fit.ok { "" } else { " (tx failed)" },
        verdict(fit_ok)
    );
    let claim_gas = |n: usize| {
        r.claims
            .claims
            .iter()
            .find(|m| m.devices == n && m.ok)
            .map(|m| m.gas_used)
    };
    match (claim_gas(1), claim_gas(20)) {
        (Some(one), Some(twenty)) => {
            // Flat: 20 devices may cost at most 1 % more than 1 (the old claim walked every
            // device on every study day: thousands of gas per extra device).
            let flat = twenty as f64 <= one as f64 * 1.01;
            let _ = writeln!(
                md,
                "| a claim costs the same whatever the patient's number of devices (issue 11) | {} gas with 1 device, {} with 20 ({:+}) | {} |",
                fmt_int(one),
                fmt_int(twenty),
                twenty as i64 - one as i64,
                verdict(flat)
            );
        }
        _ => {
            let _ = writeln!(
                md,
                "| a claim costs the same whatever the patient's number of devices (issue 11) | a claim failed | {} |",
                verdict(false)
            );
        }
    }
    md.push('\n');

    // Linear breakdown: per tx, per batch, per reading.
    let b1 = r.batches_per_tx.iter().find(|m| m.batches == 1 && m.ok);
    let b400 = r
        .batches_per_tx
        .iter()
        .filter(|m| m.ok && m.readings_per_batch == 12)
        .max_by_key(|m| m.batches);
    let s1 = by(&r.batch_sizes, 1);
    let s288 = by(&r.batch_sizes, 288);
    if let (Some(b1), Some(b400), Some(s1), Some(s288)) = (b1, b400, s1, s288) {
        let per_batch = (b400.gas_used as f64 - b1.gas_used as f64) / (b400.batches as f64 - 1.0);
        let per_tx = b1.gas_used as f64 - per_batch;
        let per_reading = (s288.gas_used as f64 - s1.gas_used as f64) / (287.0 * s1.batches as f64);
        let _ = writeln!(
            md,
            "## Where the gas goes\n\n\
             From the series below (linear fits on the measured transactions):\n\n\
             - per transaction, whatever it carries: ≈ {} gas (ante handler: signature, fee, \
             account; the contract instance; one registry query; the hook to the data union);\n\
             - per batch (ed25519, 12 readings, each on its own device and patient): ≈ {} gas — \
             its ~216 bytes of tx data (the binary header, base64 in the JSON message) at 10 \
             gas/byte, the device signature check, the registry's view of the device, the \
             batch record (also the device's cursor; a coverage segment only on a new day), \
             and the patient's contribution in the union's hook;\n\
             - per extra reading in a batch: ≈ {:.2} gas (only the count grows: the readings \
             stay off chain behind one Merkle root).\n\n\
             So the cost per reading is ≈ ({} / batches per tx + {}) / readings per batch: \
             batching readings per device is what makes anchoring cheap, and packing many \
             batches per transaction spreads the fixed cost.\n",
            fmt_int(per_tx.round() as u64),
            fmt_int(per_batch.round() as u64),
            per_reading,
            fmt_int(per_tx.round() as u64),
            fmt_int(per_batch.round() as u64),
        );
    }

    let _ = writeln!(
        md,
        "## Cost per anchored reading by device batch size\n\n\
         100 batches per transaction, each from its own ed25519 CGM of its own patient \
         (steady state: every device has anchored before). 12, 48 and 288 readings are an \
         hour, 4 hours and a day of a 5-minute CGM; 60 readings are a 1-minute CGM's hour. \
         The readings are a minute apart, the densest a CGM may anchor, so that all of a \
         device's measured batches fit in one UTC day after its binding (the clock is moved \
         past that day first); times are fixed-width header fields, so this does not change \
         the gas.\n"
    );
    measure_rows(&mut md, &r.batch_sizes.iter().collect::<Vec<_>>());
    let _ = writeln!(
        md,
        "\n## Cost per anchored reading by batches per transaction\n\n\
         Hourly 12-reading ed25519 batches, one device and patient per batch (steady state).\n"
    );
    measure_rows(&mut md, &r.batches_per_tx.iter().collect::<Vec<_>>());
    let _ = writeln!(
        md,
        "\n## Version 2 headers\n\n\
         The same hourly 12-reading batches with version 2 headers, which list the scope of their \
         readings (glucose: one byte, and the version byte), signed with the rest \
         ([encoding.md](encoding.md#version-2-the-scopes-of-the-readings)).\n"
    );
    measure_rows(&mut md, &r.v2_batches_per_tx.iter().collect::<Vec<_>>());
    let _ = writeln!(
        md,
        "\n## A block's worth: 800 hourly batches in one transaction\n\n\
         Sent with a gas limit equal to the block gas limit (10,000,000): it fits in one block \
         only if it succeeds.\n"
    );
    measure_rows(&mut md, &[&r.block_fit]);
    let _ = writeln!(
        md,
        "\n## Other cases\n\n\
         First anchoring of each device (creates its cursor and the patient's coverage entry), \
         and P-256 (secp256r1) devices, whose ECDSA check costs more than Ed25519.\n"
    );
    let mut other: Vec<&Measure> = r.first.iter().collect();
    other.extend(r.secp256r1.iter());
    measure_rows(&mut md, &other);

    claim_rows(&mut md, &r.claims);

    let _ = writeln!(
        md,
        "\n## The patient journey, message by message\n\n\
         The steps of the e2e journey (`tests/e2e/src/journey.rs`), each its own transaction.\n"
    );
    step_rows(&mut md, journey_steps);
    let _ = writeln!(
        md,
        "\n## Rejections\n\nFailed transactions still pay for the gas they used.\n"
    );
    step_rows(&mut md, rejections);

    let _ = writeln!(md, "\n## Setting up devices in bulk\n");
    md.push_str("| operation | messages / tx | gas_used per tx | gas per device |\n| --- | ---: | ---: | ---: |\n");
    let mut setup_row = |name: &str, rows: &[(usize, u64)], per_item: usize| {
        if let Some((n, gas)) = rows.iter().max_by_key(|(n, _)| *n) {
            let items = if per_item > 0 { per_item } else { *n };
            let _ = writeln!(
                md,
                "| {name} | {} | {} | {} |",
                if per_item > 0 { 1 } else { *n },
                fmt_int(*gas),
                fmt_int(gas / items.max(1) as u64)
            );
        }
    };
    setup_row(
        "`RegisterDevices` (200 devices per message)",
        &r.setup.register_per_device,
        200,
    );
    setup_row(
        "`AddGuardian` by the consortium",
        &r.setup.guardian_per_patient,
        0,
    );
    setup_row(
        "`BindDevice` by a guardian (ed25519 or P-256 proof)",
        &r.setup.bind_per_device,
        0,
    );
    md.push_str(&pinned.markdown(command));
    md
}
