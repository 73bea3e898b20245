//! The reading anchors' helpers: signed batches, submissions, anchored hours and days, and the
//! anchors contract's queries (cursor, gaps, batches, coverage, proofs).

use std::ops::Range;

use cosmwasm_std::{Addr, Binary, StdResult};
use cw_multi_test::AppResponse;
use diachain_std::anchors::{self, BatchInfo, CoverageResponse, Gap, ProofResponse};
use diachain_std::encoding::ReadingKind;
use diachain_std::testing::{signed_batch, signed_batch_v2, submission, SignedBatch};
use diachain_std::{DataScope, DeviceKind, Domain, Page};

use super::{at, Suite, CGM_INTERVAL, CGM_READINGS_PER_HOUR, MINUTE, PEN_DOSES};

impl Suite {
    /// The anchors contract's signing domain: this chain id and the anchors address.
    pub fn anchors_domain(&self) -> Domain<'_> {
        Domain {
            chain_id: &self.chain_id,
            contract: self.anchors.as_str(),
        }
    }

    /// `count` readings of `device_id` from `first_seq`, measured every five minutes from
    /// `first_time`, signed by the device for this chain and anchors contract.
    pub fn batch(
        &self,
        device_id: &str,
        first_seq: u64,
        count: u32,
        first_time: u64,
    ) -> SignedBatch {
        self.batch_for(
            &self.anchors_domain(),
            device_id,
            first_seq,
            count,
            first_time,
        )
    }

    /// `count` glucose readings of `device_id` from `first_seq`, measured every `interval`
    /// seconds from `first_time`, in a version 2 header (the relayer's uploads).
    pub fn glucose_batch(
        &self,
        device_id: &str,
        first_seq: u64,
        count: u32,
        first_time: u64,
        interval: u64,
    ) -> SignedBatch {
        signed_batch_v2(
            &self.device_sim(device_id).key,
            device_id,
            first_seq,
            count,
            first_time,
            interval,
            &self.anchors_domain(),
            &[ReadingKind::Glucose],
        )
    }

    /// The same, signed for another domain (another chain or contract).
    pub fn batch_for(
        &self,
        domain: &Domain,
        device_id: &str,
        first_seq: u64,
        count: u32,
        first_time: u64,
    ) -> SignedBatch {
        let key = &self.device_sim(device_id).key;
        signed_batch(
            key,
            device_id,
            first_seq,
            count,
            first_time,
            CGM_INTERVAL,
            domain,
        )
    }

    /// What `device_id` measures in `hour` of `day`, as signed batches, continuing its sequence;
    /// readings at the positions in `lost` (0..12, CGMs only) never reach the relayer, so the
    /// hour splits into several batches around them. Returns the batches and how many readings
    /// the device numbered (lost ones included).
    pub fn hour_batches(
        &self,
        device_id: &str,
        day: u64,
        hour: u64,
        lost: &[u64],
    ) -> (Vec<SignedBatch>, u64) {
        let device = self.device_sim(device_id);
        let start = at(day, hour, 0);
        let mut batches = vec![];
        match device.kind {
            DeviceKind::Pen | DeviceKind::Pump => {
                let doses: Vec<_> = PEN_DOSES.iter().filter(|(h, _)| *h == hour).collect();
                for (i, (_, minute)) in doses.iter().enumerate() {
                    let seq = device.next_seq + i as u64;
                    batches.push(self.batch(device_id, seq, 1, start + minute * MINUTE));
                }
                (batches, doses.len() as u64)
            }
            _ => {
                // Runs of consecutive readings that did arrive.
                let mut run: Option<(u64, u32, u64)> = None;
                for i in 0..CGM_READINGS_PER_HOUR {
                    let seq = device.next_seq + i;
                    if lost.contains(&i) {
                        if let Some((first, count, time)) = run.take() {
                            batches.push(self.batch(device_id, first, count, time));
                        }
                        continue;
                    }
                    run = match run {
                        Some((first, count, time)) => Some((first, count + 1, time)),
                        None => Some((seq, 1, start + i * CGM_INTERVAL)),
                    };
                }
                if let Some((first, count, time)) = run {
                    batches.push(self.batch(device_id, first, count, time));
                }
                (batches, CGM_READINGS_PER_HOUR)
            }
        }
    }

    /// `sender` submits these batches in one `SubmitBatches`; on success they join the
    /// relayer's store and each device's counter moves past them.
    pub fn submit_as(&mut self, sender: &Addr, batches: &[SignedBatch]) -> StdResult<AppResponse> {
        let anchors = self.anchors.clone();
        let res = self.exec(
            sender,
            &anchors,
            &anchors::ExecuteMsg::SubmitBatches {
                batches: submission(batches),
            },
        )?;
        for b in batches {
            if let Some(device) = self.devices.get_mut(&b.header.device_id) {
                device.next_seq = device.next_seq.max(b.header.last_seq + 1);
            }
            self.anchored.push(b.clone());
        }
        Ok(res)
    }

    /// The relayer submits these batches.
    pub fn submit(&mut self, batches: &[SignedBatch]) -> StdResult<AppResponse> {
        let relayer = self.actors.relayer.clone();
        self.submit_as(&relayer, batches)
    }

    /// Just after `hour` of `day` ends, the relayer anchors what each device measured in that
    /// hour, all devices in one message. `lost` lists (device, position) of readings lost on
    /// the way.
    pub fn anchor_hour(
        &mut self,
        day: u64,
        hour: u64,
        devices: &[&str],
        lost: &[(&str, u64)],
    ) -> StdResult<AppResponse> {
        self.at_least(at(day, hour + 1, 0) + 30);
        let mut batches = vec![];
        let mut numbered = vec![];
        for id in devices {
            let lost_here: Vec<u64> = lost
                .iter()
                .filter(|(d, _)| d == id)
                .map(|(_, i)| *i)
                .collect();
            let (b, n) = self.hour_batches(id, day, hour, &lost_here);
            numbered.push((id.to_string(), self.device_sim(id).next_seq + n));
            batches.extend(b);
        }
        if batches.is_empty() {
            return Ok(AppResponse::default());
        }
        let res = self.submit(&batches)?;
        for (id, next) in numbered {
            if let Some(device) = self.devices.get_mut(&id) {
                device.next_seq = device.next_seq.max(next);
            }
        }
        Ok(res)
    }

    /// The relayer anchors `hours` of `day` for these devices, hour by hour; panics if any hour
    /// is refused.
    pub fn anchor_hours(
        &mut self,
        day: u64,
        hours: Range<u64>,
        devices: &[&str],
        lost: &[(&str, u64, u64)],
    ) {
        for hour in hours {
            let lost_now: Vec<(&str, u64)> = lost
                .iter()
                .filter(|(_, h, _)| *h == hour)
                .map(|(d, _, i)| (*d, *i))
                .collect();
            self.anchor_hour(day, hour, devices, &lost_now)
                .unwrap_or_else(|e| panic!("anchoring hour {hour} of day {day}: {e}"));
        }
    }

    /// The relayer anchors a whole UTC day of these devices in 24 hourly submissions.
    pub fn anchor_day(&mut self, day: u64, devices: &[&str]) {
        self.anchor_hours(day, 0..24, devices, &[]);
    }

    /// The anchored batch holding reading `seq` of `device_id`, from the relayer's store.
    pub fn stored_batch(&self, device_id: &str, seq: u64) -> &SignedBatch {
        self.anchored
            .iter()
            .find(|b| {
                b.header.device_id == device_id
                    && b.header.first_seq <= seq
                    && seq <= b.header.last_seq
            })
            .unwrap_or_else(|| panic!("no stored batch of {device_id} holds seq {seq}"))
    }

    /// The stored reading of `device_id` measured at `measured_at`.
    pub fn stored_reading(&self, device_id: &str, measured_at: u64) -> &diachain_std::Reading {
        self.anchored
            .iter()
            .filter(|b| b.header.device_id == device_id)
            .flat_map(|b| b.readings.iter())
            .find(|r| r.measured_at == measured_at)
            .unwrap_or_else(|| panic!("no stored reading of {device_id} at {measured_at}"))
    }

    /// Asks the anchors contract to check the inclusion proof of reading `seq` (leaf hash and
    /// audit path from the relayer's store) against the root it anchored.
    pub fn verify_reading(&self, device_id: &str, seq: u64) -> ProofResponse {
        let batch = self.stored_batch(device_id, seq);
        let index = (seq - batch.header.first_seq) as usize;
        self.query(
            &self.anchors,
            &anchors::QueryMsg::VerifyProof {
                device_id: device_id.to_string(),
                seq,
                leaf_hash: Binary::new(batch.leaves[index].to_vec()),
                path: batch
                    .proof(seq)
                    .iter()
                    .map(|h| Binary::new(h.to_vec()))
                    .collect(),
            },
        )
    }

    pub fn cursor(&self, device_id: &str) -> Option<u64> {
        let res: anchors::CursorResponse = self.query(
            &self.anchors,
            &anchors::QueryMsg::Cursor {
                device_id: device_id.to_string(),
            },
        );
        res.last_seq
    }

    pub fn gaps(&self, device_id: &str) -> Vec<Gap> {
        let page: Page<Gap> = self.query(
            &self.anchors,
            &anchors::QueryMsg::Gaps {
                device_id: device_id.to_string(),
                start_after: None,
                limit: Some(100),
            },
        );
        page.items
    }

    /// Every anchored batch of a device, in order (following pages).
    pub fn batches(&self, device_id: &str) -> Vec<BatchInfo> {
        let mut out: Vec<BatchInfo> = vec![];
        loop {
            let page: Page<BatchInfo> = self.query(
                &self.anchors,
                &anchors::QueryMsg::Batches {
                    device_id: device_id.to_string(),
                    start_after: out.last().map(|b| b.last_seq),
                    limit: Some(100),
                },
            );
            out.extend(page.items);
            if !page.has_more {
                return out;
            }
        }
    }

    /// Readings anchored for `patient` on `day` under `scope` (the anchors contract's coverage).
    pub fn coverage(&self, patient: &Addr, day: u64, scope: DataScope) -> u64 {
        let res: CoverageResponse = self.query(
            &self.anchors,
            &anchors::QueryMsg::Coverage {
                patient: patient.to_string(),
                from_day: day,
                to_day: day,
            },
        );
        res.days
            .iter()
            .filter(|d| d.scope == scope)
            .map(|d| d.readings)
            .sum()
    }
}
