"""A few milliseconds of realistic work per request or message.

Half of it burns CPU (key derivation) so that CPUUtilization follows load and CPU-based scaling
has something to react to; half of it awaits, like the database round trip a real service makes.
"""

from __future__ import annotations

import asyncio
import hashlib

_CPU_ROUNDS = 1500  # about 1 ms on a laptop core
_IO_S = 0.003


async def do_work(seed: str) -> None:
    hashlib.pbkdf2_hmac("sha256", seed.encode(), b"shop", _CPU_ROUNDS)
    await asyncio.sleep(_IO_S)
