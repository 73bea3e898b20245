import { useState } from "react";
import { Async } from "../../components/Async";
import { dayToIso } from "../../lib/format";
import { useAsync } from "../../lib/useAsync";
import { useSession } from "../../session";

const WEEKS = 5;

/** Readings anchored per UTC day (the anchors contract's Coverage), five weeks at a time, up to
 * the chain's today. */
export function CoverageCalendar() {
  const { queries, wallet, version } = useSession();
  // The calendar ends on the Sunday of the week `end` falls in; weeks start on Monday.
  const [end, setEnd] = useState(() => queries.clock.today());
  const lastDay = end + ((3 - end) % 7 + 7) % 7; // day 0 (1970-01-01) was a Thursday; day 3 a Sunday
  const firstDay = lastDay - WEEKS * 7 + 1;
  const [state] = useAsync(
    () => queries.anchors.coverage({ patient: wallet.address, fromDay: firstDay, toDay: lastDay }),
    `${wallet.address}:${firstDay}:${version}`,
  );
  const today = queries.clock.today();
  return (
    <section aria-labelledby="coverage-h" data-testid="coverage">
      <h2 id="coverage-h">Daily coverage</h2>
      <div className="row">
        <button type="button" onClick={() => setEnd(end - WEEKS * 7)}>← earlier</button>
        <span>{dayToIso(firstDay)} – {dayToIso(lastDay)} (UTC days, as the anchors contract counts them)</span>
        <button type="button" disabled={lastDay >= today} onClick={() => setEnd(Math.min(end + WEEKS * 7, today))}>later →</button>
      </div>
      <Async state={state} what="coverage">
        {(cov) => {
          const perDay = new Map<number, { total: number; scopes: string[] }>();
          for (const c of cov.days) {
            const e = perDay.get(c.day) ?? { total: 0, scopes: [] };
            e.total += c.readings;
            e.scopes.push(`${c.scope.replace("_", " ")}: ${c.readings}`);
            perDay.set(c.day, e);
          }
          const max = Math.max(1, ...[...perDay.values()].map((e) => e.total));
          const days = Array.from({ length: WEEKS * 7 }, (_, i) => firstDay + i);
          return (
            <>
              <div className="calendar" role="table" aria-label="Readings anchored per day (UTC days)">
                <div className="cal-row" role="row">
                  {["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].map((d) => <div key={d} className="cal-head" role="columnheader">{d}</div>)}
                </div>
                {Array.from({ length: WEEKS }, (_, w) => days.slice(w * 7, w * 7 + 7)).map((week) => (
                  <div className="cal-row" role="row" key={week[0]}>
                    {week.map((day) => {
                      const e = perDay.get(day);
                      const level = e ? Math.ceil((e.total / max) * 4) : 0;
                      return (
                        <div key={day} role="cell" className={`cal-day level-${level}${day > today ? " future" : ""}`}
                          title={e ? `${dayToIso(day)}\n${e.scopes.join("\n")}` : `${dayToIso(day)}: no readings anchored`}
                          aria-label={`${dayToIso(day)}: ${e ? `${e.total} readings anchored (${e.scopes.join(", ")})` : "no readings anchored"}`}
                          data-day={dayToIso(day)} data-readings={e?.total ?? 0}>
                          <span className="cal-date" aria-hidden="true">{dayToIso(day).slice(8)}</span>
                          <span className="cal-count" aria-hidden="true">{e ? e.total : ""}</span>
                        </div>
                      );
                    })}
                  </div>
                ))}
              </div>
              <p className="small">
                {perDay.size === 0
                  ? "No readings were anchored for you in these weeks."
                  : `${[...perDay.values()].reduce((a, e) => a + e.total, 0)} readings anchored on ${perDay.size} day(s) in these weeks.`}
              </p>
            </>
          );
        }}
      </Async>
    </section>
  );
}
