"""A Redis cache that fails open: with Redis away the app keeps answering, uncached.

The cache holds nothing that must be there: API rate-limit counters and other short-lived
values. When Redis does not answer, reads miss and writes are dropped (logged), rather
than every request failing with a 500; the API rate limits then count in each process
(core.api.throttling). After a failure the cache is not tried again for
COREKIT_CACHE_RETRY_SECONDS in this process, so an outage costs one connection attempt
per process per interval, not one per request.
Sign-in throttling does not depend on it (it counts in the database).

Values are pickled, as Django's Redis cache does, and signed with their key
(`SignedSerializer`): a value whose signature does not verify is never unpickled. Whoever
can write to Redis, but does not hold SECRET_KEY, cannot make a web process or worker run
code by planting a pickle, nor serve one key's value under another.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import pickle
import time
from functools import wraps

from django.conf import settings
from django.core.cache.backends.redis import RedisCache, RedisCacheClient, RedisSerializer
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import OutOfMemoryError, ReadOnlyError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# A Redis that refuses writes (a read-only replica after a failover, or one full at its
# `maxmemory` with `noeviction`) is treated as away: callers that must record something
# (the password-reset marker, the API rate limits) then fall back as they do for an outage.
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, ReadOnlyError, OutOfMemoryError, OSError)
_down_until = 0.0  # per process: monotonic time before which Redis is not tried


def _retry_seconds() -> float:
    return float(getattr(settings, "COREKIT_CACHE_RETRY_SECONDS", 5))


def cache_available() -> bool:
    return time.monotonic() >= _down_until


def _mark_down(operation: str, exc: BaseException) -> None:
    global _down_until
    was_up = cache_available()
    _down_until = time.monotonic() + _retry_seconds()
    if was_up:
        logger.warning("cache: Redis unavailable during %s (%s); failing open for %.0f s",
                       operation, type(exc).__name__, _retry_seconds())


def reset() -> None:
    """Forget an outage (tests)."""
    global _down_until
    _down_until = 0.0


def _fail_open(fallback):
    def decorate(method):
        @wraps(method)
        def wrapper(self, *args, **kwargs):
            if not cache_available():
                return fallback(*args, **kwargs)
            try:
                return method(self, *args, **kwargs)
            except UNAVAILABLE as exc:
                _mark_down(method.__name__, exc)
                return fallback(*args, **kwargs)

        return wrapper

    return decorate


def _default(key, default=None, version=None):
    return default


def _incr(key, delta=1, version=None):
    return delta


class RefusedValue(Exception):
    """A cached value whose signature does not verify: read as a miss, never unpickled."""


class SignedSerializer(RedisSerializer):
    """Django's Redis serializer (integers stay plain, for incr), with every pickle signed.

    A stored value is `PREFIX`, then the HMAC-SHA256 of its Redis key and its pickle under a
    key derived from SECRET_KEY, then the pickle. `loads` checks the signature before
    anything is unpickled; an unsigned value, a changed one, or one moved from another key
    raises `RefusedValue`. SECRET_KEY_FALLBACKS are not accepted: an old key is usually
    retired because it leaked, and a refused value costs only a miss."""

    PREFIX = b"corekit:signed:1:"
    _MAC = 32

    def __init__(self, protocol=None) -> None:
        super().__init__(protocol)
        self._key = hashlib.sha256(b"corekit.cache.value\0" + settings.SECRET_KEY.encode()).digest()

    def _mac(self, key: str, payload: bytes) -> bytes:
        return hmac.new(self._key, key.encode() + b"\0" + payload, hashlib.sha256).digest()

    def dumps(self, obj, key: str = ""):
        data = super().dumps(obj)
        if type(data) is int:
            return data
        return self.PREFIX + self._mac(key, data) + data

    def loads(self, data, key: str = ""):
        try:
            return int(data)
        except ValueError:
            pass
        head = len(self.PREFIX)
        if not data.startswith(self.PREFIX) or len(data) < head + self._MAC:
            raise RefusedValue("not signed")
        mac, payload = data[head:head + self._MAC], data[head + self._MAC:]
        if not hmac.compare_digest(mac, self._mac(key, payload)):
            raise RefusedValue("signature does not match")
        return pickle.loads(payload)


_MISSING = object()


def _refused(key, exc: RefusedValue) -> None:
    logger.error("cache: value of %r refused (%s); read as a miss", key, exc)


class ReusingRedisCacheClient(RedisCacheClient):
    """Django's client builds a new `redis.Redis` object for every cache call (about 60 µs
    of Python with redis-py 8; two to four calls a throttled request). One per connection
    pool is enough: the object holds no connection of its own, the pool is thread-safe
    and notices a fork.

    Every value is written and read through `SignedSerializer` with its key."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(
                connection_pool=self._get_connection_pool(write))
        return client

    def _loads(self, key, data, default=None):
        try:
            return self._serializer.loads(data, key)
        except RefusedValue as exc:
            _refused(key, exc)
            return default

    def get(self, key, default):
        value = self.get_client(key).get(key)
        return default if value is None else self._loads(key, value, default)

    def get_many(self, keys):
        found = {}
        for key, value in zip(keys, self.get_client(None).mget(keys), strict=True):
            if value is not None and (loaded := self._loads(key, value, _MISSING)) is not _MISSING:
                found[key] = loaded
        return found

    def add(self, key, value, timeout):
        client = self.get_client(key, write=True)
        value = self._serializer.dumps(value, key)
        if timeout == 0:
            if added := bool(client.set(key, value, nx=True)):
                client.delete(key)
            return added
        return bool(client.set(key, value, ex=timeout, nx=True))

    def set(self, key, value, timeout):
        client = self.get_client(key, write=True)
        value = self._serializer.dumps(value, key)
        if timeout == 0:
            client.delete(key)
        else:
            client.set(key, value, ex=timeout)

    def set_many(self, data, timeout):
        pipeline = self.get_client(None, write=True).pipeline()
        pipeline.mset({k: self._serializer.dumps(v, k) for k, v in data.items()})
        if timeout is not None:  # mset takes no expiry
            for key in data:
                pipeline.expire(key, timeout)
        pipeline.execute()


def redis_client(alias: str = "default"):
    """The Redis client behind cache `alias`, for what the cache API cannot say (sets, key
    expiry per member); None for another backend, or while Redis is marked down."""
    from django.core.cache import caches

    backend = caches[alias]
    if not isinstance(backend, FailOpenRedisCache) or not cache_available():
        return None
    return backend._cache.get_client(write=True)


class FailOpenRedisCache(RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
        self._options = {"serializer": SignedSerializer, **self._options}
        # Signed values live under keys of their own: a process still running code that
        # unpickles whatever it reads never meets one during a rolling deploy (it would
        # fail on it), and this code never meets the unsigned values written before.
        self.key_prefix = f"signed1:{self.key_prefix}" if self.key_prefix else "signed1"

    get = _fail_open(_default)(RedisCache.get)
    get_many = _fail_open(lambda keys, version=None: {})(RedisCache.get_many)
    has_key = _fail_open(lambda key, version=None: False)(RedisCache.has_key)
    add = _fail_open(lambda *args, **kwargs: False)(RedisCache.add)
    set = _fail_open(lambda *args, **kwargs: None)(RedisCache.set)
    touch = _fail_open(lambda *args, **kwargs: False)(RedisCache.touch)
    delete = _fail_open(lambda *args, **kwargs: False)(RedisCache.delete)
    incr = _fail_open(_incr)(RedisCache.incr)
    set_many = _fail_open(lambda data, *args, **kwargs: list(data))(RedisCache.set_many)
    delete_many = _fail_open(lambda *args, **kwargs: None)(RedisCache.delete_many)
    clear = _fail_open(lambda: False)(RedisCache.clear)
