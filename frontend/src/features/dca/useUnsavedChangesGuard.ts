// Keeps unsaved edits from being lost. The app uses <BrowserRouter>, not a data router, so
// react-router's useBlocker is unavailable: a reload or closed tab gets the browser's own
// prompt (beforeunload), and a click on any in-app link is held until the user confirms.
// The browser's back button is not caught (that needs a data router).
import { useCallback, useEffect, useRef, useState } from "react";
import { useNavigate } from "react-router";

export interface UnsavedChangesGuard {
  /** The path a held click wanted, while the confirmation is open. */
  pending: string | null;
  leave: () => void;
  stay: () => void;
}

export function useUnsavedChangesGuard(dirty: boolean): UnsavedChangesGuard {
  const navigate = useNavigate();
  const [pending, setPending] = useState<string | null>(null);
  const dirtyRef = useRef(dirty);
  dirtyRef.current = dirty;

  useEffect(() => {
    if (!dirty) return;
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      event.preventDefault();
      event.returnValue = ""; // older browsers show the prompt only when this is set
    };
    window.addEventListener("beforeunload", onBeforeUnload);
    return () => window.removeEventListener("beforeunload", onBeforeUnload);
  }, [dirty]);

  useEffect(() => {
    // Capture on the document runs before React's listener on the root, so stopping the
    // event here keeps <Link> from navigating.
    const onClick = (event: MouseEvent) => {
      if (!dirtyRef.current || event.defaultPrevented || event.button !== 0) return;
      if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return; // a new tab keeps this one
      const anchor = (event.target as Element | null)?.closest?.("a[href]");
      if (!(anchor instanceof HTMLAnchorElement) || (anchor.target && anchor.target !== "_self") || anchor.hasAttribute("download")) return;
      const url = new URL(anchor.href, window.location.href);
      if (url.origin !== window.location.origin) return;
      const to = `${url.pathname}${url.search}${url.hash}`;
      if (to === `${window.location.pathname}${window.location.search}${window.location.hash}`) return;
      event.preventDefault();
      event.stopPropagation();
      setPending(to);
    };
    document.addEventListener("click", onClick, true);
    return () => document.removeEventListener("click", onClick, true);
  }, []);

  const leave = useCallback(() => {
    const to = pending;
    setPending(null);
    dirtyRef.current = false; // the navigation below must not be held again
    if (to) navigate(to);
  }, [pending, navigate]);
  const stay = useCallback(() => setPending(null), []);
  return { pending, leave, stay };
}
