from __future__ import annotations

import logging

from config.tasks import house_task

from . import services
from .models import ExchangeConfig

logger = logging.getLogger(__name__)


@house_task(expires=240)
def validate_exchange_connections() -> int:
    """Beat, every 5 minutes: one validation task per enabled account, spread over the workers."""
    ids = services.configs_to_validate()
    for config_id in ids:
        validate_exchange_connection.delay(config_id=config_id)
    return len(ids)


@house_task(name=services.VALIDATE_TASK, expires=240)
def validate_exchange_connection(*, config_id: str, user_id: str | None = None) -> bool | None:
    config = ExchangeConfig.objects.select_related("user").filter(pk=config_id).first()
    if config is None:
        logger.info("exchange account %s is gone; nothing to validate", config_id)
        return None
    return services.exchange_config_validate(config=config).is_validated
