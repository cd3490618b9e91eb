// Keeps unsaved edits from being lost: any in-app navigation while `dirty` (a link, the
// browser's Back and Forward buttons) is held until the user chooses (react-router's
// useBlocker; the app runs on a data router), and a reload or closed tab gets the browser's own
// prompt (beforeunload).
import { useEffect, useRef } from "react";
import { useBlocker } from "react-router";

export interface UnsavedChangesGuard {
  /** True while a navigation is held and the confirmation is open. */
  asking: boolean;
  leave: () => void;
  stay: () => void;
  /** Let the next navigation through (after a save, whose new state has not rendered yet). */
  release: () => void;
}

export function useUnsavedChangesGuard(dirty: boolean): UnsavedChangesGuard {
  // Refs, not the render's values: a save navigates before its new state has rendered.
  const dirtyRef = useRef(dirty);
  dirtyRef.current = dirty;
  const released = useRef(false);
  const blocker = useBlocker(
    ({ currentLocation, nextLocation }) =>
      dirtyRef.current && !released.current && currentLocation.pathname !== nextLocation.pathname,
  );

  useEffect(() => {
    if (!dirty) return;
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      event.preventDefault();
      event.returnValue = ""; // older browsers show the prompt only when this is set
    };
    window.addEventListener("beforeunload", onBeforeUnload);
    return () => window.removeEventListener("beforeunload", onBeforeUnload);
  }, [dirty]);

  return {
    asking: blocker.state === "blocked",
    leave: () => blocker.proceed?.(),
    stay: () => blocker.reset?.(),
    release: () => {
      released.current = true;
    },
  };
}
