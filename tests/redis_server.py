"""The tests' redis-server: the project's own (bench/redis_server.py), shared with the bench."""

from bench.redis_server import RedisServer

__all__ = ["RedisServer"]
