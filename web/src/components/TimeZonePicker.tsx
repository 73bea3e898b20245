import { browserZone, useTimeZoneSetting } from "../lib/timezone";

/** The time zone every time is shown and read in: this browser's, or UTC (remembered). */
export function TimeZonePicker() {
  const { choice, choose } = useTimeZoneSetting();
  return (
    <span role="group" aria-label="Time zone" className="tz-picker" data-testid="tz-picker" data-choice={choice}>
      <span className="small">Times in</span>{" "}
      <button type="button" aria-pressed={choice === "browser"} onClick={() => choose("browser")} data-testid="tz-browser">
        {browserZone()} <span className="small">(this browser)</span>
      </button>{" "}
      <button type="button" aria-pressed={choice === "utc"} onClick={() => choose("utc")} data-testid="tz-utc">UTC</button>
    </span>
  );
}
