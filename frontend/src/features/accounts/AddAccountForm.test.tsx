import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Exchange } from "@/api/types";
import { writeAuth } from "@/auth/tokens";
import { jsonResponse, renderPage, USER } from "@/test/render";
import { AddAccountForm } from "./AddAccountForm";

const KOTAK_FIELDS = [
  { name: "api_key", label: "Consumer key", secret: false, help: "Kotak Neo API dashboard" },
  { name: "api_secret", label: "Consumer secret", secret: true, help: "" },
  { name: "mobile_number", label: "Mobile number", secret: false, help: "10 digits" },
  { name: "ucc", label: "UCC (client code)", secret: false, help: "" },
  { name: "mpin", label: "MPIN", secret: true, help: "" },
  { name: "totp_secret", label: "TOTP secret (base32, from the authenticator set-up)", secret: true, help: "" },
];

const CATALOG: Exchange[] = [
  { id: "simulator", name: "Exchange simulator", kind: "simulator", modes: ["testnet", "live"], asset_class: "crypto", credential_fields: [] },
  {
    id: "binance",
    name: "Binance",
    kind: "ccxt",
    modes: ["testnet", "live"],
    asset_class: "crypto",
    credential_fields: [
      { name: "api_key", label: "API key", secret: false, help: "" },
      { name: "api_secret", label: "API secret", secret: true, help: "" },
    ],
  },
  { id: "kotak_neo", name: "Kotak Neo (NSE)", kind: "kotak", modes: ["live"], asset_class: "equities", credential_fields: KOTAK_FIELDS },
  { id: "kotak_simulator", name: "Kotak Neo simulator (NSE)", kind: "kotak_simulator", modes: ["testnet", "live"], asset_class: "equities", credential_fields: [] },
];

type Call = { url: string; method: string; body: Record<string, string> | undefined };

function stubApi(calls: Call[], answer: (call: Call) => Response) {
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string, init: RequestInit) => {
      const call = { url, method: init.method ?? "GET", body: init.body ? JSON.parse(String(init.body)) : undefined };
      calls.push(call);
      return answer(call);
    }),
  );
}

// The dropdown is still in its opening transition when jsdom looks: hidden to role queries.
async function chooseExchange(name: string) {
  await userEvent.click(screen.getByRole("textbox", { name: "Exchange" }));
  await userEvent.click(await screen.findByRole("option", { name, hidden: true }));
}

beforeEach(() => writeAuth({ access: "a", refresh: "r", user: USER }));
afterEach(() => vi.unstubAllGlobals());

describe("the add-account form", () => {
  it("offers the exchanges grouped by asset class and asks for the credentials the catalogue names", async () => {
    renderPage(<AddAccountForm exchanges={CATALOG} onDone={() => {}} />);
    expect(screen.getByTestId("keyless-hint")).toHaveTextContent("the simulator makes a funded test account for you");
    expect(screen.queryByLabelText("API key")).not.toBeInTheDocument();

    await userEvent.click(screen.getByRole("textbox", { name: "Exchange" }));
    const listbox = document.getElementById(screen.getByRole("textbox", { name: "Exchange" }).getAttribute("aria-controls") ?? "")!;
    await waitFor(() => expect(within(listbox).getAllByRole("group", { hidden: true })).toHaveLength(2));
    const groups = within(listbox).getAllByRole("group", { hidden: true });
    expect(groups.map((group) => within(group).getAllByRole("option", { hidden: true }).map((option) => option.getAttribute("value")))).toEqual([
      ["simulator", "binance"],
      ["kotak_neo", "kotak_simulator"],
    ]);
    expect(within(listbox).getByText("Crypto")).toBeInTheDocument();
    expect(within(listbox).getByText("NSE equities")).toBeInTheDocument();
    await userEvent.click(within(listbox).getByRole("option", { name: "Kotak Neo (NSE) (kotak)", hidden: true }));

    expect(screen.getByTestId("asset-class")).toHaveTextContent("NSE equities");
    for (const field of KOTAK_FIELDS) {
      const input = screen.getByLabelText(field.label) as HTMLInputElement;
      expect(input.type).toBe(field.secret ? "password" : "text");
    }
    expect(screen.getByRole("textbox", { name: "Mode" })).toHaveValue("live");
    expect(screen.getByText("Orders on this account use real funds.")).toBeInTheDocument();
  });

  it("needs nothing for the Kotak simulator: the platform provisions the account", async () => {
    const calls: Call[] = [];
    stubApi(calls, () => jsonResponse({ id: "a1", exchange: "kotak_simulator", label: "default", mode: "testnet", api_key: "****ab12" }, 201));
    const onDone = vi.fn();
    renderPage(<AddAccountForm exchanges={CATALOG} onDone={onDone} />);
    await chooseExchange("Kotak Neo simulator (NSE) (kotak_simulator)");
    expect(screen.getByTestId("keyless-hint")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Add account" }));
    await waitFor(() => expect(onDone).toHaveBeenCalled());
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ url: "/api/v1/keys/kotak_simulator", method: "POST", body: { mode: "testnet", label: "default" } });
    const { mode, label, ...credentials } = calls[0]!.body!;
    expect([mode, label]).toEqual(["testnet", "default"]);
    expect(Object.values(credentials).every((value) => value === "")).toBe(true);
  });

  it("sends the Kotak credentials and shows the server's refusal next to each field it names", async () => {
    const calls: Call[] = [];
    stubApi(calls, () =>
      jsonResponse(
        {
          detail: "mpin: The MPIN is 4 to 6 digits.",
          code: "invalid",
          errors: { mpin: ["The MPIN is 4 to 6 digits."], totp_secret: ["This is not a base32 TOTP secret."] },
        },
        400,
      ),
    );
    const onDone = vi.fn();
    renderPage(<AddAccountForm exchanges={CATALOG} onDone={onDone} />);
    await chooseExchange("Kotak Neo (NSE) (kotak)");
    const values: Record<string, string> = {
      "Consumer key": "ck-123",
      "Consumer secret": "cs-secret",
      "Mobile number": "+919876543210",
      "UCC (client code)": "AB123",
      MPIN: "12",
      "TOTP secret (base32, from the authenticator set-up)": "not base32!",
    };
    for (const [label, value] of Object.entries(values)) await userEvent.type(screen.getByLabelText(label), value);
    await userEvent.click(screen.getByRole("button", { name: "Add account" }));

    expect(await screen.findByText("The MPIN is 4 to 6 digits.")).toBeInTheDocument();
    expect(screen.getByText("This is not a base32 TOTP secret.")).toBeInTheDocument();
    expect(screen.getByLabelText("MPIN")).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByLabelText("MPIN")).toHaveAccessibleDescription(/The MPIN is 4 to 6 digits\./);
    expect(screen.getByLabelText("Consumer key")).toHaveAttribute("aria-invalid", "false");
    expect(screen.getAllByRole("alert").map((alert) => alert.textContent)).toContain("The account was not addedCorrect the fields marked in red.");
    expect(onDone).not.toHaveBeenCalled();
    expect(calls[0]).toMatchObject({
      url: "/api/v1/keys/kotak_neo",
      method: "POST",
      body: { mode: "live", label: "default", api_key: "ck-123", api_secret: "cs-secret", mobile_number: "+919876543210", ucc: "AB123", mpin: "12", totp_secret: "not base32!", password: "" },
    });
  });

  it("never asks for a key or secret for the built-in simulator or a paper account, whatever the catalogue lists", async () => {
    const keyFields = CATALOG[1]!.credential_fields;
    const catalog: Exchange[] = [
      { ...CATALOG[0]!, credential_fields: keyFields },
      { id: "paper", name: "Paper trading", kind: "paper", modes: ["testnet"], asset_class: "crypto", credential_fields: keyFields },
      CATALOG[1]!,
    ];
    renderPage(<AddAccountForm exchanges={catalog} onDone={() => {}} />);
    expect(screen.queryByLabelText("API key")).not.toBeInTheDocument();
    expect(screen.queryByLabelText("API secret")).not.toBeInTheDocument();
    await chooseExchange("Paper trading (paper)");
    expect(screen.queryByLabelText("API secret")).not.toBeInTheDocument();
    expect(screen.getByLabelText("Price source")).toBeInTheDocument();
    await chooseExchange("Binance (ccxt)");
    expect(screen.getByLabelText("API secret")).toBeInTheDocument();
  });
});
