import type { ReactNode } from "react";
import { describeError } from "../lib/errors";
import type { AsyncState } from "../lib/useAsync";

export function ErrorBox({ error, title }: { error: unknown; title?: string }) {
  return (
    <div className="error" role="alert">
      {title ? <strong>{title}: </strong> : null}
      {describeError(error)}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

/** Shows loading, the error, or (when `isEmpty`) the empty text, else `children(data)`. */
export function Async<T>(props: {
  state: AsyncState<T>;
  what: string;
  empty?: string;
  isEmpty?: (data: T) => boolean;
  children: (data: T) => ReactNode;
}) {
  const { state } = props;
  if (state.status === "loading") return <Loading what={props.what} />;
  if (state.status === "error") return <ErrorBox error={state.error} title={`Could not load ${props.what}`} />;
  if (props.isEmpty?.(state.data)) return <Empty>{props.empty ?? `No ${props.what}.`}</Empty>;
  return <>{props.children(state.data)}</>;
}
