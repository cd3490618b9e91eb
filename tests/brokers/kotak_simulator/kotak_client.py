"""A minimal Kotak Neo client for the tests, written from Kotak's docs (not from the simulator):
the two login steps, `jData` form posts with the session headers, and the report reads."""

from __future__ import annotations

import json
from typing import Any

import pyotp
import requests

from brokers.kotak_simulator import KotakSimCredentials

NEO_FIN_KEY = "neotradeapi"


class KotakClient:
    def __init__(self, root: str, credentials: KotakSimCredentials, *, timeout: float = 5.0) -> None:
        self.root = root.rstrip("/")
        self.credentials = credentials
        self.timeout = timeout
        self.http = requests.Session()
        self.base_url = ""
        self.token = ""
        self.sid = ""
        self.server_id = ""

    # --- login --------------------------------------------------------------------------------
    def login_step_one(self, *, totp: str | None = None, mobile: str | None = None) -> requests.Response:
        creds = self.credentials
        body = {
            "mobileNumber": creds.mobile_number if mobile is None else mobile,
            "ucc": creds.ucc,
            "totp": pyotp.TOTP(creds.totp_secret).now() if totp is None else totp,
        }
        headers = {"Authorization": creds.consumer_key, "neo-fin-key": NEO_FIN_KEY}
        return self.http.post(
            f"{self.root}/login/1.0/tradeApiLogin", json=body, headers=headers, timeout=self.timeout
        )

    def login_step_two(self, view: dict[str, Any], *, mpin: str | None = None) -> requests.Response:
        headers = {
            "Authorization": self.credentials.consumer_key,
            "neo-fin-key": NEO_FIN_KEY,
            "sid": view["sid"],
            "Auth": view["token"],
        }
        body = {"mpin": self.credentials.mpin if mpin is None else mpin}
        return self.http.post(
            f"{self.root}/login/1.0/tradeApiValidate", json=body, headers=headers, timeout=self.timeout
        )

    def login(self) -> dict[str, Any]:
        first = self.login_step_one()
        assert first.status_code == 200, first.text
        second = self.login_step_two(first.json()["data"])
        assert second.status_code == 200, second.text
        data: dict[str, Any] = second.json()["data"]
        self.base_url, self.token, self.sid = data["baseUrl"], data["token"], data["sid"]
        self.server_id = data["hsServerId"]
        return data

    # --- trading calls ----------------------------------------------------------------------------
    def _headers(self) -> dict[str, str]:
        return {"Auth": self.token, "Sid": self.sid, "neo-fin-key": NEO_FIN_KEY, "accept": "application/json"}

    def post(self, path: str, jdata: dict[str, Any], *, timeout: float | None = None) -> requests.Response:
        return self.http.post(
            f"{self.base_url}/{path}",
            params={"sId": self.server_id},
            data={"jData": json.dumps(jdata)},
            headers=self._headers(),
            timeout=timeout or self.timeout,
        )

    def get(self, path: str, *, timeout: float | None = None) -> requests.Response:
        return self.http.get(
            f"{self.base_url}/{path}",
            params={"sId": self.server_id},
            headers=self._headers(),
            timeout=timeout or self.timeout,
        )

    def place(self, **fields: Any) -> dict[str, Any]:
        jdata = {
            "am": "NO",
            "dq": "0",
            "es": "nse_cm",
            "mp": "0",
            "pc": "CNC",
            "pf": "N",
            "pr": "0",
            "pt": "MKT",
            "qt": "1",
            "rt": "DAY",
            "tp": "0",
            "ts": "RELIANCE-EQ",
            "tt": "B",
        }
        jdata.update({k: str(v) for k, v in fields.items()})
        response = self.post("quick/order/rule/ms/place", jdata)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def orders(self) -> list[dict[str, Any]]:
        answer = self.get("quick/user/orders").json()
        assert "data" in answer, answer
        return list(answer["data"])

    def order(self, number: str) -> dict[str, Any]:
        return next(o for o in self.orders() if o["nOrdNo"] == number)

    def history(self, number: str) -> dict[str, Any]:
        return dict(self.post("quick/order/history", {"nOrdNo": number}).json())

    def trades(self) -> list[dict[str, Any]]:
        return list(self.get("quick/user/trades").json()["data"])

    def positions(self) -> list[dict[str, Any]]:
        return list(self.get("quick/user/positions").json()["data"])

    def holdings(self) -> dict[str, dict[str, Any]]:
        return {h["symbol"]: h for h in self.get("portfolio/v1/holdings").json()["data"]}

    def limits(self) -> dict[str, Any]:
        return dict(self.post("quick/user/limits", {"seg": "ALL", "exch": "ALL", "prod": "ALL"}).json())

    def quote(self, token: str, kind: str = "all", *, key: str | None = None) -> requests.Response:
        return self.http.get(
            f"{self.base_url or self.root}/script-details/1.0/quotes/neosymbol/nse_cm|{token}/{kind}",
            headers={"Authorization": key or self.credentials.consumer_key},
            timeout=self.timeout,
        )
