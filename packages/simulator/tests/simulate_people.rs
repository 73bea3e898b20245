//! Simulated people with their devices, in simulated time, against a real relayer over HTTP
//! (in-process, its clock the simulation's): a person on a pump, one on pens with an app and
//! one with a CGM only stream for a day and a half, with a rerun in between. Everything is
//! accepted (the relayer holds each device kind and scope to the chain's rates), and what the
//! relayer stores is what the people's models did: the pump's, pen's and app's readings are
//! exactly the doses, rates and carbohydrates each model applied, at the minutes it applied
//! them, and add up to the insulin it gave; the glucose readings are the model's CGM values; the
//! same seed stores the same readings again.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use cosmwasm_std::{Addr, Timestamp};
use diachain_relayer_testkit::{TestRelayer, ANCHORS, CHAIN_ID, PATIENT};
use diachain_relayer_types::events::temp_basal_parts;
use diachain_relayer_types::gateway::HeaderVersion;
use diachain_simulate::deliver::Shared;
use diachain_simulate::fleet::{people, AlgorithmShares, Profile, ProfileShares, Role, SimPerson};
use diachain_simulate::http::RelayerClient;
use diachain_simulate::person::{FeedConfig, FeedStart, PersonSim};
use diachain_simulate::physiology::{InsulinGiven, Patient};
use diachain_simulate::state::SimState;
use diachain_simulate::stream::value_seed;
use diachain_simulate::summary::Tally;
use diachain_std::encoding::{flags, ReadingKind, ScopeCount, Unit};
use diachain_std::registry::AnchoringDevice;
use diachain_std::{DataScope, DeviceKind, Reading};
use tokio::net::TcpListener;
use tokio::sync::{watch, Mutex};

const SEED: &str = "simulate-people-test";
/// 2026-01-05T06:00:00Z: the run crosses two midnights.
const T0: u64 = 1_767_592_800;
/// The first run stops after 20 hours; the rerun starts ten minutes later and lasts 16 hours.
const STOP: u64 = T0 + 20 * 3_600;
const RERUN: u64 = STOP + 600;
const END: u64 = RERUN + 16 * 3_600;
const FEEDS: FeedConfig = FeedConfig {
    interval: 300,
    glucose_header: HeaderVersion::V2,
    batch_readings: 12,
    event_batch_secs: 300,
};

/// One person of each profile, drawn from the seed.
fn cast(seed: &str) -> Vec<SimPerson> {
    let keys = AlgorithmShares::new(0.4, 0.3).expect("shares");
    let shares = ProfileShares::new(0.34, 0.33).expect("shares");
    let mut all = people(seed, DeviceKind::Cgm, 30, keys, shares).expect("people");
    [Profile::Pump, Profile::PensAndApp, Profile::CgmOnly]
        .iter()
        .map(|p| {
            let i = all
                .iter()
                .position(|x| x.profile == *p)
                .expect("every profile among 30 people");
            all.remove(i)
        })
        .collect()
}

/// A relayer whose clock is `clock`, every device of `cast` bound to the test patient.
async fn relayer(
    cast: &[SimPerson],
    clock: Arc<AtomicU64>,
) -> (TestRelayer, String, tokio::sync::oneshot::Sender<()>) {
    let r = TestRelayer::with_clock(1 << 20, Arc::new(move || clock.load(Ordering::SeqCst)))
        .expect("relayer");
    for p in cast {
        for (_, d) in p.devices() {
            r.registry.put(
                &d.id,
                AnchoringDevice {
                    kind: d.kind,
                    owner: Some(Addr::unchecked(PATIENT)),
                    owner_since: Timestamp::from_seconds(0),
                    owner_since_height: 1,
                    public_key: d.key.public_key(),
                    key_since: Timestamp::from_seconds(0),
                    previous_key: None,
                    refuses_from: None,
                    key_holder: None,
                },
            );
        }
    }
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (state, writer) = (r.state.clone(), r.writer.clone());
    tokio::spawn(async move {
        let shutdown = async {
            let _ = stopped.await;
        };
        let _ = diachain_relayer_api::server::run(listener, state, writer, shutdown).await;
    });
    (r, url, stop)
}

/// The people of `cast` starting at `now`, continuing `state`.
fn start(cast: &[SimPerson], seed: &str, state: &SimState, now: u64) -> Vec<PersonSim> {
    cast.iter()
        .map(|p| {
            let devices = p
                .devices()
                .map(|(role, d)| FeedStart {
                    device: diachain_simulate::fleet::SimDevice {
                        id: d.id.clone(),
                        kind: d.kind,
                        key: diachain_simulate::keys::derive_key(seed, &d.id, d.key.algorithm())
                            .expect("key"),
                    },
                    role,
                    bind_time: 0,
                    previous: state.devices.get(&d.id).cloned(),
                })
                .collect();
            PersonSim::new(
                value_seed(seed, &p.glucose.id),
                p.profile,
                devices,
                now,
                FEEDS,
            )
            .expect("person")
        })
        .collect()
}

/// Runs `sims` from `from` to `to` in 30-second steps of the shared clock, delivering each
/// batch as it is cut; at `to` the pumps, pens and apps post what they hold.
async fn run(sims: &mut [PersonSim], shared: &Shared, clock: &AtomicU64, from: u64, to: u64) {
    let mut now = from;
    while now <= to {
        clock.store(now, Ordering::SeqCst);
        for sim in sims.iter_mut() {
            let mut batches = sim.produce(now);
            if now == to {
                batches.extend(sim.flush_logged());
            }
            for (i, readings) in batches {
                let feed = &sim.feeds[i];
                let renumbered = shared
                    .deliver(&feed.device, readings, feed.header_version)
                    .await;
                assert_eq!(renumbered, None);
            }
        }
        now += 30;
    }
}

/// What the relayer stores after the whole run of `seed`'s people: each device's readings in
/// sequence order, and the batches' headers' scopes by device.
struct Stored {
    readings: BTreeMap<String, Vec<Reading>>,
    scopes: BTreeMap<String, Vec<Vec<ScopeCount>>>,
    tally: Tally,
}

async fn simulate(seed: &str) -> Stored {
    let cast = cast(seed);
    let clock = Arc::new(AtomicU64::new(T0));
    let (r, url, stop) = relayer(&cast, clock.clone()).await;
    let shared = Shared {
        relayer: RelayerClient::new(&url).await.expect("client"),
        chain_id: CHAIN_ID.into(),
        anchors: ANCHORS.into(),
        tally: Mutex::new(Tally::default()),
        state: Mutex::new(SimState::default()),
        batches: AtomicU64::new(0),
        max_batches: None,
        stop: watch::channel(false).0,
        clock_offset: 0,
        acks: None,
    };
    let mut sims = start(&cast, seed, &SimState::default(), T0);
    run(&mut sims, &shared, &clock, T0, STOP).await;
    let state = shared.state.lock().await.clone();
    let mut sims = start(&cast, seed, &state, RERUN);
    run(&mut sims, &shared, &clock, RERUN, END).await;
    let mut readings: BTreeMap<String, Vec<Reading>> = BTreeMap::new();
    let mut scopes: BTreeMap<String, Vec<Vec<ScopeCount>>> = BTreeMap::new();
    for b in r
        .store
        .patient_batches(PATIENT, 0, u64::MAX, 100_000)
        .expect("batches")
    {
        let id = b.header.device_id.clone();
        scopes
            .entry(id.clone())
            .or_default()
            .push(b.header.scopes.clone().expect("version 2 headers"));
        readings
            .entry(id)
            .or_default()
            .extend(r.store.readings(&b).expect("readings"));
    }
    for list in readings.values_mut() {
        list.sort_by_key(|r| r.seq);
    }
    let _ = stop.send(());
    let tally = std::mem::take(&mut *shared.tally.lock().await);
    Stored {
        readings,
        scopes,
        tally,
    }
}

/// What the person's model does over `from..=to` (their pump, if any, streaming from `from`):
/// its CGM at `times`, what its devices logged and the insulin and carbohydrates it gave.
struct Expected {
    glucose: Vec<i64>,
    logged: Vec<(u64, ReadingKind, Unit, i64)>,
    given: InsulinGiven,
    carbs: u64,
}

fn expected(seed: u64, profile: Profile, from: u64, to: u64, times: &[u64]) -> Expected {
    let mut p = Patient::new(seed, profile.therapy());
    p.keep_log();
    if profile == Profile::Pump {
        p.report_pump_from(from);
    }
    p.advance_to(from);
    let glucose = times
        .iter()
        .map(|t| i64::from(p.cgm_at(*t).0) * 1_000)
        .collect();
    p.advance_to(to);
    Expected {
        glucose,
        logged: p
            .take_log()
            .into_iter()
            .filter(|l| l.at >= from)
            .map(|l| (l.at, l.kind, l.unit, l.value))
            .collect(),
        given: p.insulin_given(),
        carbs: p.carbs_eaten(),
    }
}

/// The insulin a pump's, pen's or app's readings over `from..=to` tell: doses (thousandths of a
/// unit), and the basal rate in force each minute summed (the last scheduled rate, or the
/// temporary one while it runs).
fn insulin_told(readings: &[&Reading], from: u64, to: u64) -> InsulinGiven {
    let mut told = InsulinGiven::default();
    let mut scheduled = None;
    let mut temp: Option<(i64, u64)> = None;
    let mut rest = readings.iter().peekable();
    let pump = readings.iter().any(|r| r.unit == Unit::InsulinUnitsPerHour);
    for m in from / 60..=to / 60 {
        while let Some(r) = rest.next_if(|r| r.measured_at / 60 == m) {
            match (r.kind, r.unit) {
                (ReadingKind::InsulinBolus, Unit::InsulinUnits)
                | (ReadingKind::InsulinBasal, Unit::InsulinUnits) => told.doses_milli += r.value,
                (ReadingKind::InsulinBasal, Unit::InsulinUnitsPerHour) => scheduled = Some(r.value),
                (ReadingKind::TempBasal, _) => {
                    let (rate, minutes) = temp_basal_parts(r.value).expect("a temp basal");
                    temp = (minutes > 0).then_some((rate, m + u64::from(minutes)));
                }
                _ => {}
            }
        }
        if temp.is_some_and(|(_, until)| until <= m) {
            temp = None;
        }
        if pump {
            told.basal_rate_minutes +=
                temp.map_or_else(|| scheduled.expect("the rate in force is told"), |t| t.0);
        }
    }
    told
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_stream_exactly_what_their_models_did_and_the_same_seed_does_it_again() {
    let stored = simulate(SEED).await;
    assert!(
        stored.tally.rejected.is_empty() && stored.tally.transport_errors == 0,
        "{:?}",
        stored.tally
    );
    assert_eq!(stored.tally.accepted, stored.tally.posted);
    let cast = cast(SEED);
    let segments = [(T0, STOP), (RERUN, END)];
    let mut kinds: BTreeMap<ReadingKind, usize> = BTreeMap::new();
    for person in &cast {
        let seed = value_seed(SEED, &person.glucose.id);
        let glucose = &stored.readings[&person.glucose.id];
        let therapy: Vec<&Reading> = person
            .companions
            .iter()
            .flat_map(|(_, d)| stored.readings.get(&d.id).into_iter().flatten())
            .collect();
        // Every device stored something, in both runs, the sequence numbers continuing.
        for (role, d) in person.devices() {
            let list = &stored.readings[&d.id];
            let seqs: Vec<u64> = list.iter().map(|r| r.seq).collect();
            assert_eq!(
                seqs,
                (1..=list.len() as u64).collect::<Vec<_>>(),
                "{role:?}"
            );
            for (from, to) in segments {
                assert!(
                    list.iter().any(|r| (from..=to).contains(&r.measured_at)),
                    "{:?} {role:?} in {from}..={to}",
                    person.profile
                );
            }
            // A pump, pen or app counts its readings under their own scopes (version 2).
            if role != Role::Glucose {
                for (scopes, batch) in stored.scopes[&d.id].iter().zip(0..) {
                    assert!(
                        scopes
                            .iter()
                            .all(|c| c.scope == DataScope::Insulin
                                || c.scope == DataScope::Nutrition),
                        "{role:?} batch {batch}: {scopes:?}"
                    );
                }
            }
        }
        for (from, to) in segments {
            let in_run = |r: &&Reading| (from..=to).contains(&r.measured_at);
            let times: Vec<u64> = glucose
                .iter()
                .filter(in_run)
                .map(|r| r.measured_at)
                .collect();
            let want = expected(seed, person.profile, from, to, &times);
            let what = format!("{:?} {from}..={to}", person.profile);
            // The glucose readings are the model's CGM.
            let got: Vec<i64> = glucose.iter().filter(in_run).map(|r| r.value).collect();
            assert_eq!(got, want.glucose, "{what}");
            assert!(
                times.len() >= 150,
                "{what}: {} glucose readings",
                times.len()
            );
            // The pump's, pen's and app's readings are exactly what the model logged.
            let mut got: Vec<(u64, ReadingKind, Unit, i64)> = therapy
                .iter()
                .copied()
                .filter(in_run)
                .map(|r| (r.measured_at, r.kind, r.unit, r.value))
                .collect();
            got.sort_by_key(|g| (g.0, g.1.code()));
            let mut logged = want.logged.clone();
            logged.sort_by_key(|g| (g.0, g.1.code()));
            if person.profile == Profile::CgmOnly {
                assert!(got.is_empty(), "{what}");
                continue;
            }
            assert_eq!(got, logged, "{what}");
            for (_, kind, _, _) in &got {
                *kinds.entry(*kind).or_default() += 1;
            }
            // … and tell the insulin the model gave, and the carbohydrates it ate.
            let mut in_order: Vec<&Reading> = therapy.iter().copied().filter(in_run).collect();
            in_order.sort_by_key(|r| r.measured_at);
            assert_eq!(insulin_told(&in_order, from, to), want.given, "{what}");
            let carbs: i64 = in_order
                .iter()
                .filter(|r| r.kind == ReadingKind::Carbohydrates)
                .map(|r| r.value)
                .sum();
            assert_eq!(carbs, want.carbs as i64 * 1_000, "{what}");
            assert!(want.given.units() > 10.0 && want.carbs > 100, "{what}");
            assert!(in_order
                .iter()
                .filter(|r| r.kind == ReadingKind::Carbohydrates)
                .all(|r| r.flags == flags::MANUAL_ENTRY));
        }
    }
    for kind in [
        ReadingKind::InsulinBolus,
        ReadingKind::InsulinBasal,
        ReadingKind::Carbohydrates,
    ] {
        assert!(
            kinds.get(&kind).is_some_and(|n| *n >= 3),
            "{kind:?}: {kinds:?}"
        );
    }

    // The same seed stores the same readings (salts aside); another seed others.
    let key = |s: &Stored| -> Vec<(String, u64, u64, u8, i64, u16)> {
        s.readings
            .iter()
            .flat_map(|(id, list)| {
                list.iter().map(move |r| {
                    (
                        id.clone(),
                        r.seq,
                        r.measured_at,
                        r.kind.code(),
                        r.value,
                        r.flags,
                    )
                })
            })
            .collect()
    };
    let again = simulate(SEED).await;
    assert_eq!(key(&again), key(&stored));
    let other = simulate("simulate-people-other").await;
    assert_ne!(key(&other), key(&stored));
}
