import { describe, expect, it } from "vitest";
import type { AlertTestResult, SignalDetail } from "@/api/types";
import { maskSecret, templateText, testAlertVerdict } from "./webhookSetup";

const SECRET = "abcdefghijklmnopqrstuvwxyz012345";

function result(http_status: number, response: object, signal: Partial<SignalDetail> | null = null): AlertTestResult {
  return { template: "strategy", closing: false, http_status, response, sent: {}, signal: signal as AlertTestResult["signal"] };
}

describe("the template on the page", () => {
  it("masks the secret wherever it appears until Show", () => {
    const text = templateText({ secret: SECRET, tv: { exchange: "simulator" } });
    expect(text).toContain(`"secret": "${SECRET}"`);
    const masked = maskSecret(text, SECRET);
    expect(masked).not.toContain(SECRET);
    expect(masked).toContain('"secret": "••••••••••••"');
    expect(masked).toContain('"exchange": "simulator"');
  });
});

describe("a test alert's verdict", () => {
  it("names the field of a webhook refusal", () => {
    const verdict = testAlertVerdict(result(422, { detail: "tv.symbol: no DCA", code: "no_dca_config", errors: { "tv.symbol": ["there is no DCA configuration"] }, signal_id: "s1" }), null);
    expect(verdict).toMatchObject({ color: "red", field: "tv.symbol", detail: "there is no DCA configuration", signalId: "s1" });
    expect(verdict.title).toContain("no_dca_config");
  });

  it("waits for the engine, then links the position it opened", () => {
    const accepted = result(202, { signal_id: "s1", status: "received" }, { id: "s1", outcome: "received" });
    expect(testAlertVerdict(accepted, null)).toMatchObject({ pending: true, color: "gray" });
    const done = { id: "s1", outcome: "accepted", classification: "entry", position_group: "g1", symbol: "BTC/USDT", side: "long" } as SignalDetail;
    expect(testAlertVerdict(accepted, done)).toMatchObject({ color: "green", positionId: "g1", title: "Accepted: opened a new position" });
  });

  it("shows the engine's reason when it refuses", () => {
    const refused = { id: "s1", outcome: "refused", reason: "The grid cannot be placed: below the minimum.", reason_field: "" } as SignalDetail;
    expect(testAlertVerdict(result(202, {}), refused)).toMatchObject({ color: "red", detail: refused.reason, field: undefined });
  });
});
