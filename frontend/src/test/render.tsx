import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import { createMemoryRouter, Route, RouterProvider, Routes } from "react-router";
import { AuthProvider } from "@/auth/AuthProvider";

export function testClient(): QueryClient {
  return new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
}

/** Render a page inside the app's providers at `path` (after `back`, the pages the history
 * holds before it), with extra routes to land on. */
export function renderPage(
  ui: ReactElement,
  { path = "/", route = "*", client = testClient(), extra = {} as Record<string, ReactElement>, back = [] as string[] } = {},
) {
  // A data router, as the app has (App.tsx), so pages that hold navigations work here too.
  const router = createMemoryRouter(
    [
      {
        path: "*",
        element: (
          <AuthProvider>
            <Routes>
              <Route path={route} element={ui} />
              {Object.entries(extra).map(([p, element]) => (
                <Route key={p} path={p} element={element} />
              ))}
            </Routes>
          </AuthProvider>
        ),
      },
    ],
    { initialEntries: [...back, path] },
  );
  const result = render(
    <MantineProvider>
      <QueryClientProvider client={client}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </MantineProvider>,
  );
  return { ...result, client, router };
}

export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });
}

export const USER = {
  id: "u1",
  email: "trader@example.com",
  username: "trader",
  role: "trader" as const,
  is_active: true,
  created_at: "2026-01-01T00:00:00Z",
  last_login: null,
};
