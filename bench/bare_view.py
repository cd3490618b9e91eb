"""The floor P1 is measured against: the least a webhook can do on this stack.

Parse the JSON body, one SELECT of the user's secret, decrypt it and compare in constant time,
one `INSERT ... ON CONFLICT DO NOTHING RETURNING id` of a Signal keyed on the trade id, enqueue
`process_signal` on commit, answer 202. No validation, no account, symbol or DCA lookups: the
difference to the real webhook is what those cost.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid

from django.db import connection, transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from accounts.models import User
from config.encryption import associated_data, decrypt
from trading.queue.tasks import process_signal

INSERT = (
    "INSERT INTO trading_signal (id, user_id, source, raw_body, parsed, idempotency_key, exchange, symbol,"
    " timeframe, side, intent_type, status, classification, reason, reason_code, reason_field, received_at)"
    " VALUES (%s, %s, 'tradingview', %s, '{}', %s, '', '', '', '', '', 'received', '', '', '', '', now())"
    " ON CONFLICT (user_id, idempotency_key) DO NOTHING RETURNING id"
)


@csrf_exempt
def bare_webhook(request: HttpRequest, user_id: str) -> JsonResponse:
    body = json.loads(request.body)
    row = User.objects.filter(pk=user_id).values_list("webhook_secret_encrypted", flat=True).first()
    if row is None:
        return JsonResponse({"detail": "bad secret"}, status=401)
    secret = decrypt(row, aad=associated_data("accounts.User", "webhook_secret", user_id))
    if not hmac.compare_digest(secret.encode(), str(body.get("secret", "")).encode()):
        return JsonResponse({"detail": "bad secret"}, status=401)
    key = hashlib.sha256(f"{body['strategy_info']['trade_id']}\x00{body['timestamp']}".encode()).hexdigest()
    signal_id = str(uuid.uuid4())
    with connection.cursor() as cursor:
        cursor.execute(INSERT, [signal_id, user_id, request.body.decode(), key])
        inserted = cursor.fetchone() is not None
    if not inserted:
        return JsonResponse({"status": "duplicate"}, status=200)
    transaction.on_commit(lambda: process_signal.delay(signal_id=signal_id, user_id=user_id))
    return JsonResponse({"signal_id": signal_id, "status": "received"}, status=202)
