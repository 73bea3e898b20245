import { useState } from "react";
import { inputToSeconds, secondsToInput, useTimeZone } from "../lib/timezone";

/** A date-and-time picker (minutes) on the chosen time zone's clock; its value is unix seconds.
 * What is being typed stays as typed; a new value or time zone from outside is shown. */
export function ZonedInput({ name, value, onChange, label }: {
  name: string; value: number | null; onChange: (seconds: number) => void; label?: string;
}) {
  const zone = useTimeZone();
  const shown = value === null ? "" : secondsToInput(value, zone);
  const [text, setText] = useState(shown);
  const [last, setLast] = useState(shown);
  if (shown !== last) {
    setLast(shown);
    setText(shown);
  }
  return (
    <input type="datetime-local" name={name} value={text} aria-label={label} data-zone={zone}
      onChange={(e) => {
        setText(e.target.value);
        if (e.target.value) onChange(inputToSeconds(e.target.value, zone));
      }} />
  );
}
