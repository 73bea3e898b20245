import { SCOPES, scopeLabel } from "../lib/grants";

export function ScopePicker<S extends string>(props: { value: S[]; onChange: (v: S[]) => void; options?: readonly S[]; name: string; legend?: string }) {
  const options = props.options ?? (SCOPES as unknown as S[]);
  return (
    <fieldset className="scopes">
      <legend>{props.legend ?? "Scopes"}</legend>
      {options.map((s) => (
        <label key={s}>
          <input type="checkbox" name={props.name} value={s} checked={props.value.includes(s)}
            onChange={(e) => props.onChange(e.target.checked ? [...props.value, s] : props.value.filter((x) => x !== s))} />
          {scopeLabel(s)}
        </label>
      ))}
    </fieldset>
  );
}
