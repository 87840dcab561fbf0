"""The gateway's core: jobs, time, money and faults. Knows nothing of HTTP or aiohttp."""
