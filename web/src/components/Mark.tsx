import { useEffect } from "react";

/** A performance mark, once, when first rendered: how long the page took to show something
 * (tests/browser/first-view.test.mjs reads them). */
export function Mark({ name }: { name: string }) {
  useEffect(() => {
    if (performance.getEntriesByName(name, "mark").length === 0) performance.mark(name);
  }, [name]);
  return null;
}
