import { useEffect, useState } from "react";
import { useSession } from "../session";
import { ClinicianView } from "./clinician/ClinicianView";
import { PatientView } from "./patient/PatientView";
import { SponsorView } from "./sponsor/SponsorView";

const TABS = [
  { id: "patient", label: "Patient", View: PatientView },
  { id: "clinician", label: "Clinician", View: ClinicianView },
  { id: "sponsor", label: "Sponsor", View: SponsorView },
] as const;
type TabId = (typeof TABS)[number]["id"];

function fromHash(): TabId {
  const h = window.location.hash.replace(/^#/, "").split("/")[0];
  return TABS.find((t) => t.id === h)?.id ?? "patient";
}

/** The three roles, one tab each; the tab is in the URL's hash (#patient, #clinician, #sponsor).
 * Another account gets the view afresh: no form, confirmation or open patient of the last one. */
export function Views() {
  const { wallet } = useSession();
  const [tab, setTab] = useState<TabId>(fromHash);
  useEffect(() => {
    const on = () => setTab(fromHash());
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);
  const current = TABS.find((t) => t.id === tab) ?? TABS[0];
  return (
    <main>
      <nav className="tabs" role="tablist">
        {TABS.map((t) => (
          <a key={t.id} href={`#${t.id}`} role="tab" aria-selected={t.id === tab} className={t.id === tab ? "active" : undefined}>
            {t.label}
          </a>
        ))}
      </nav>
      <current.View key={`${wallet.kind}:${wallet.address}`} />
    </main>
  );
}
