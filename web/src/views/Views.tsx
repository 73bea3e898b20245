import { Component, Suspense, useEffect, useRef, useState, type ComponentType, type KeyboardEvent, type ReactNode } from "react";
import { Loading } from "../components/Async";
import { Mark } from "../components/Mark";
import { describeError } from "../lib/errors";
import { prefetchSigning, useSession } from "../session";

/** A form field or a transaction's button about to be used: time to fetch the signing code. */
function aboutToSign(e: { target: EventTarget }): void {
  const el = e.target instanceof Element ? e.target : null;
  if (el?.closest("form, .tx")) prefetchSigning();
}

// Each view is a chunk of its own, loaded when its tab is first shown; the URL's tab is fetched
// as the page starts (prefetchView), alongside /config.json and the node's status.
//
// A view whose chunk is there renders at once; one still loading suspends (React 19 holds a
// Suspense boundary's content back for 300 ms once it has shown its fallback: React.lazy suspends
// at its first render even when the chunk came long ago, so the signed-in view came 300 ms late).
function lazyView(load: () => Promise<ComponentType>): { View: ComponentType; fetch: () => Promise<void> } {
  let Loaded: ComponentType | null = null;
  let failed: unknown = null;
  let pending: Promise<void> | null = null;
  const fetch = () => {
    pending ??= load().then((c) => {
      Loaded = c;
    }, (e: unknown) => {
      failed = e;
    });
    return pending;
  };
  function View() {
    if (failed !== null) throw failed; // (to ViewFailed)
    if (Loaded === null) throw fetch(); // (suspends until the chunk is there)
    return <Loaded />;
  }
  return { View, fetch };
}

/** A view whose code could not be fetched (the server gone, a new build deployed meanwhile). */
class ViewFailed extends Component<{ children: ReactNode }, { error: unknown }> {
  state = { error: null as unknown };
  static getDerivedStateFromError(error: unknown) {
    return { error };
  }
  render() {
    if (this.state.error === null) return this.props.children;
    return (
      <div className="error" role="alert">
        <strong>This view could not be loaded: </strong>{describeError(this.state.error)}{" "}
        <button type="button" onClick={() => window.location.reload()}>Reload the page</button>
      </div>
    );
  }
}

const TABS = [
  { id: "patient", label: "Patient", ...lazyView(() => import("./patient/PatientView").then((m) => m.PatientView)) },
  { id: "clinician", label: "Clinician", ...lazyView(() => import("./clinician/ClinicianView").then((m) => m.ClinicianView)) },
  { id: "insurer", label: "Insurer", ...lazyView(() => import("./insurer/InsurerView").then((m) => m.InsurerView)) },
  { id: "sponsor", label: "Sponsor", ...lazyView(() => import("./sponsor/SponsorView").then((m) => m.SponsorView)) },
  { id: "consortium", label: "Consortium", ...lazyView(() => import("./consortium/ConsortiumView").then((m) => m.ConsortiumView)) },
  { id: "contacts", label: "Address book", ...lazyView(() => import("./contacts/AddressBook").then((m) => m.AddressBook)) },
] as const;
type TabId = (typeof TABS)[number]["id"];

function fromHash(): TabId {
  const h = window.location.hash.replace(/^#/, "").split("/")[0];
  return TABS.find((t) => t.id === h)?.id ?? "patient";
}

/** Starts fetching the view of the URL's tab (the first one shown) before it is needed. */
export function prefetchView(): void {
  void TABS.find((t) => t.id === fromHash())?.fetch().catch(() => undefined);
}

/** The roles, the consortium (read-only) and the address book, one tab each, as the WAI-ARIA tabs pattern: the arrow keys,
 * Home and End move between the tabs (and show them), only the selected tab is in the Tab order.
 * The tab is in the URL's hash (#patient, #clinician, #insurer, #sponsor, #consortium, #contacts). Another account gets
 * the view afresh: no form, confirmation or open patient of the last one. */
export function Views() {
  const { wallet } = useSession();
  const [tab, setTab] = useState<TabId>(fromHash);
  const buttons = useRef<Partial<Record<TabId, HTMLButtonElement | null>>>({});
  useEffect(() => {
    const on = () => setTab(fromHash());
    window.addEventListener("hashchange", on);
    window.addEventListener("popstate", on);
    return () => {
      window.removeEventListener("hashchange", on);
      window.removeEventListener("popstate", on);
    };
  }, []);
  const select = (id: TabId, focus = false) => {
    setTab(id);
    if (window.location.hash !== `#${id}`) window.history.pushState(null, "", `#${id}`);
    if (focus) buttons.current[id]?.focus();
  };
  const onKeyDown = (e: KeyboardEvent<HTMLButtonElement>) => {
    const i = TABS.findIndex((t) => t.id === tab);
    const to = e.key === "ArrowRight" ? (i + 1) % TABS.length
      : e.key === "ArrowLeft" ? (i - 1 + TABS.length) % TABS.length
        : e.key === "Home" ? 0
          : e.key === "End" ? TABS.length - 1
            : null;
    if (to === null) return;
    e.preventDefault();
    select(TABS[to]!.id, true);
  };
  const current = TABS.find((t) => t.id === tab) ?? TABS[0];
  return (
    <main>
      <div className="tabs" role="tablist" aria-label="Views">
        {TABS.map((t) => {
          const selected = t.id === tab;
          return (
            <button key={t.id} type="button" role="tab" id={`tab-${t.id}`} aria-selected={selected}
              aria-controls={selected ? `panel-${t.id}` : undefined} tabIndex={selected ? 0 : -1}
              className={selected ? "active" : undefined} data-testid={`tab-${t.id}`}
              ref={(el) => { buttons.current[t.id] = el; }} onClick={() => select(t.id)} onKeyDown={onKeyDown}>
              {t.label}
            </button>
          );
        })}
      </div>
      <div role="tabpanel" id={`panel-${current.id}`} aria-labelledby={`tab-${current.id}`} className="tabpanel"
        onFocusCapture={aboutToSign} onPointerOverCapture={aboutToSign}>
        <ViewFailed key={current.id}>
          <Suspense fallback={<Loading what="the view" />}>
            <current.View key={`${wallet.kind}:${wallet.address}`} />
            <Mark name={`diachain:view:${current.id}`} />
          </Suspense>
        </ViewFailed>
      </div>
    </main>
  );
}
