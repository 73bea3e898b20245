// Studies as the dashboard shows them, and the patient's way in: a research consent to the
// study's sponsor and the Join, in one transaction when no consent exists yet.
import type { ConsentTypes, DataUnionTypes } from "@diachain/client";
import type { ExecuteResult } from "@cosmjs/cosmwasm-stargate";
import type { Queries } from "./chain";
import { allPages } from "./chain";
import type { AppConfig } from "./config";
import { DAY_S, secondsToNs } from "./format";
import type { Signing } from "./signing";

export type StudyResponse = DataUnionTypes.StudyResponse;

export function allStudies(q: Queries): Promise<StudyResponse[]> {
  return allPages<StudyResponse, number>((after) => q.union.studies({ startAfter: after, limit: 100 }), (s) => s.study.id);
}

/** Grants the study's sponsor a research consent for the study's scopes and period, then joins. */
export async function joinStudy(cfg: AppConfig, q: Queries, s: Signing, study: DataUnionTypes.Study): Promise<ExecuteResult> {
  const existing = (await q.consent.researchConsent({ patient: s.address, studyId: study.id })).consent;
  const join = { contractAddress: cfg.contracts.union, msg: { join: { study_id: study.id } } satisfies DataUnionTypes.ExecuteMsg };
  if (existing && existing.grantee === study.sponsor) return s.cosm.executeMultiple(s.address, [join], "auto", `join study ${study.id}`);
  if (existing)
    throw new Error(`Your research consent for study ${study.id} (grant ${existing.grant_id}) is to ${existing.grantee}, not the sponsor: revoke it first.`);
  const grant: ConsentTypes.ExecuteMsg = {
    grant: {
      grantee: study.sponsor,
      purpose: "research",
      study_id: study.id,
      scopes: study.scopes,
      data_from: secondsToNs(study.data_from_day * DAY_S),
      data_to: secondsToNs((study.data_to_day + 1) * DAY_S - 1),
      expires: { at_time: study.refund_after },
    },
  };
  return s.cosm.executeMultiple(s.address, [{ contractAddress: cfg.contracts.consent, msg: grant }, join], "auto", `consent and join study ${study.id}`);
}
