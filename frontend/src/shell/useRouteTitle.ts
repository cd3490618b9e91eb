// The window title of the page on screen, "<Page> · Tradefleet", from the route table in
// routes.tsx: one title per route, so screen readers, tabs and history tell pages apart.
import { useEffect, useMemo } from "react";
import { matchRoutes, useLocation } from "react-router";

export const APP_NAME = "Tradefleet";

export interface TitledRoute {
  path: string;
  title: string;
}

export function documentTitle(page: string | undefined): string {
  return page ? `${page} · ${APP_NAME}` : APP_NAME;
}

/** The title of the route that matches `pathname` best (react-router's ranking: /dca/new before /dca/:id). */
export function routeTitle(routes: TitledRoute[], pathname: string): string | undefined {
  const matches = matchRoutes(
    routes.map((route, index) => ({ path: route.path, id: String(index) })),
    pathname,
  );
  const best = matches?.[matches.length - 1]?.route.id;
  return best === undefined ? undefined : routes[Number(best)]?.title;
}

export function useRouteTitle(routes: TitledRoute[]): void {
  const { pathname } = useLocation();
  const title = useMemo(() => documentTitle(routeTitle(routes, pathname)), [routes, pathname]);
  useEffect(() => {
    document.title = title;
  }, [title]);
}
