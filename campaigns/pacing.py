"""Messages per second per WhatsApp sender, shared by every worker through Redis.

Why: Twilio queues what exceeds a sender's throughput (80 messages/s by default) and fails what
would wait too long, so a campaign must pace itself however many workers send it. This is GCRA
(the generic cell rate algorithm): one Redis key per sender holds the theoretical arrival time of
the next message; a Lua script reserves the next slot atomically and says how long to wait for it.
Over any stretch of minutes the rate equals the configured one; a quarter second of slots missed
while senders were busy may be caught up (Twilio queues such a short burst anyway).
"""

from __future__ import annotations

import time
from typing import Any

RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now - burst then tat = now - burst end
redis.call('SET', KEYS[1], string.format('%.6f', tat + interval), 'EX', 3600)
return string.format('%.6f', tat - now)
"""

BURST_SECONDS = 0.25
"""Slots missed while every sender was busy may be caught up, at most this much of them."""


class Pacer:
    """Reserve send slots at ``rate`` per second for ``sender`` across processes."""

    def __init__(self, connection: Any, sender: str, rate: float) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.connection = connection
        self.key = f"inaam:pace:{sender}"
        self.interval = 1.0 / rate
        self.burst = BURST_SECONDS
        self._script = connection.register_script(RESERVE)

    def reserve(self) -> float:
        """Reserve the next slot; returns the seconds to wait before sending."""
        return float(self._script(keys=[self.key], args=[f"{self.interval:.6f}", f"{self.burst:.6f}"]))

    def wait(self) -> None:
        """Reserve a slot and sleep until it comes."""
        delay = self.reserve()
        if delay > 0:
            time.sleep(delay)


class DailyLimit:
    """WhatsApp's messaging-limit tier: business-initiated messages per sender per day (0 = no limit).

    Meta caps how many people a sender may start conversations with in 24 hours (1K, 10K, 100K…);
    past it messages fail with 63018. Lanes stop claiming when the day's count reaches the limit
    and the campaign's tick restarts them later.
    """

    def __init__(self, connection: Any, sender: str, limit: int) -> None:
        self.connection = connection
        self.sender = sender
        self.limit = limit

    def _key(self) -> str:
        return f"inaam:tier:{self.sender}:{time.strftime('%Y%m%d', time.gmtime())}"

    def remaining(self) -> int | None:
        """Messages left today, None without a limit."""
        if not self.limit:
            return None
        return max(0, self.limit - int(self.connection.get(self._key()) or 0))

    def use(self, count: int) -> None:
        if self.limit and count:
            key = self._key()
            self.connection.incrby(key, count)
            self.connection.expire(key, 2 * 86400)
