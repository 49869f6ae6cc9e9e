"""A small checkout service: HTTP routes plus business metrics, with the plain OTel API.

It has no instrumentation code of its own: the tests instrument it with
``instrument_app`` or run it under ``opentelemetry-instrument``. It is also the business
metrics example of docs/instrumentation.md.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from fastapi import FastAPI, HTTPException
from opentelemetry import metrics
from opentelemetry.metrics import CallbackOptions, MeterProvider, Observation
from pydantic import BaseModel

SLOW_S = 0.35


class Order(BaseModel):
    amount: float
    currency: str = "USD"
    express: bool = False


def create_app(meter_provider: MeterProvider | None = None) -> FastAPI:
    """The app; business metrics go to ``meter_provider`` (the global one by default)."""
    meter = metrics.get_meter("checkout", "1.0.0", meter_provider=meter_provider)
    active_users = meter.create_up_down_counter(
        "checkout.users.active", unit="{user}", description="Users signed in right now."
    )
    started = meter.create_counter(
        "checkout.conversations.started", unit="{conversation}", description="Support chats opened."
    )
    completed = meter.create_counter(
        "checkout.conversations.completed",
        unit="{conversation}",
        description="Support chats closed, by outcome.",
    )
    revenue = meter.create_counter(
        "checkout.revenue", unit="{USD}", description="Order value, in the order's currency."
    )
    feature_usage = meter.create_counter(
        "checkout.feature.usage", unit="{use}", description="Uses of optional features."
    )
    stock = {"sku-1": 12, "sku-2": 3}

    def observe_stock(_: CallbackOptions) -> Iterable[Observation]:
        return [Observation(count, {"sku": sku}) for sku, count in stock.items()]

    meter.create_observable_gauge(
        "checkout.inventory.items", callbacks=[observe_stock], unit="{item}",
        description="Items in stock, by SKU.",
    )  # fmt: skip

    app = FastAPI()

    @app.get("/users/{user_id}")
    async def user(user_id: str) -> dict[str, str]:
        return {"user": user_id}

    @app.get("/slow")
    async def slow() -> dict[str, float]:
        await asyncio.sleep(SLOW_S)
        return {"slept_s": SLOW_S}

    @app.post("/orders", status_code=201)
    async def order(body: Order) -> dict[str, float]:
        revenue.add(body.amount, {"currency": body.currency})
        if body.express:
            feature_usage.add(1, {"feature": "express_checkout"})
        stock["sku-1"] -= 1
        return {"amount": body.amount}

    @app.post("/login")
    async def login() -> None:
        active_users.add(1)

    @app.post("/logout")
    async def logout() -> None:
        active_users.add(-1)

    @app.post("/conversations", status_code=201)
    async def start_conversation() -> None:
        started.add(1, {"channel": "chat"})

    @app.post("/conversations/{conversation_id}/complete")
    async def complete_conversation(conversation_id: str, outcome: str = "resolved") -> None:
        completed.add(1, {"channel": "chat", "outcome": outcome})

    @app.get("/fail")
    async def fail() -> None:
        raise ValueError("the payment provider is down")

    @app.get("/unavailable")
    async def unavailable() -> None:
        raise HTTPException(status_code=503)

    return app


app = create_app()
