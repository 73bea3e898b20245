import { useCallback, useEffect, useState } from "react";

export type AsyncState<T> =
  | { status: "loading" }
  | { status: "error"; error: unknown }
  | { status: "ok"; data: T };

/** Runs `load` when `key` changes (and on `reload()`); stale answers are dropped. */
export function useAsync<T>(load: () => Promise<T>, key: string): [AsyncState<T>, () => void] {
  const [state, setState] = useState<{ key: string; value: AsyncState<T> }>({ key: "", value: { status: "loading" } });
  const [tick, setTick] = useState(0);
  const run = `${key}#${tick}`;
  useEffect(() => {
    let live = true;
    load().then(
      (data) => live && setState({ key: run, value: { status: "ok", data } }),
      (error: unknown) => live && setState({ key: run, value: { status: "error", error } }),
    );
    return () => {
      live = false;
    };
    // `load` is a fresh closure each render; `run` says when to call it again.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [run]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  // While a new key loads, show loading rather than another key's data; a reload keeps the data.
  const sameKey = state.key.split("#")[0] === key;
  return [sameKey ? state.value : { status: "loading" }, reload];
}
