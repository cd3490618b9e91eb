// "Skip to content": the first stop of the keyboard on every page of the shell, so a keyboard
// user reaches the page without tabbing through the header and the menu.
import type { MouseEvent } from "react";
import { MAIN_ID } from "./RouteProgress";
import classes from "./SkipLink.module.css";

export function SkipLink() {
  const skip = (event: MouseEvent<HTMLAnchorElement>) => {
    // Focus main ourselves: not every browser moves the focus on a fragment link, and the
    // router's URL stays as it is.
    const main = document.getElementById(MAIN_ID);
    if (!main) return;
    event.preventDefault();
    main.focus();
    main.scrollIntoView?.();
  };
  return (
    <a className={classes.skip} href={`#${MAIN_ID}`} onClick={skip}>
      Skip to content
    </a>
  );
}
