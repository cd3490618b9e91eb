// What shows while a page's code loads (the pages are split into chunks, see routes.tsx): a thin
// bar across the top of the window, and the content marked busy for assistive technology.
import { Center, Loader } from "@mantine/core";
import { useEffect } from "react";
import classes from "./RouteProgress.module.css";

export const MAIN_ID = "main";

export function RouteProgress() {
  useEffect(() => {
    // main belongs to the shell (AppLayout), the fallback only lives inside it.
    const main = document.getElementById(MAIN_ID);
    main?.setAttribute("aria-busy", "true");
    return () => main?.removeAttribute("aria-busy");
  }, []);
  return (
    <>
      <div className={classes.bar} role="progressbar" aria-label="Loading the page" data-testid="route-progress" />
      <Center p="xl">
        <Loader aria-hidden />
      </Center>
    </>
  );
}
