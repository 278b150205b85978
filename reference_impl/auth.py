"""Authentication and authorization for the content API, as users-permissions and API tokens do it.

Strategies are tried in order (API tokens, then users-permissions); the first that authenticates
sets ``ctx.state.isAuthenticated`` and ``ctx.state.auth = {strategy, credentials, ability}``.  With
no bearer token the Public role's permissions apply; with none granted, or a token nobody knows,
the answer is 401 "Missing or invalid credentials".  ``verify`` then checks the route's scope:
no permission gives ``ForbiddenError`` (403), no credentials ``UnauthorizedError`` (401).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import jwt

from .compose import Next
from .errors import ForbiddenError, RateLimitError, UnauthorizedError, ValidationError

if TYPE_CHECKING:
    from .context import Context

READ_ONLY_ACTIONS = ("find", "findOne")


def bearer_token(ctx: Context) -> str | None:
    header = ctx.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


@dataclass
class ApiToken:
    id: int
    name: str
    type: str  # full-access | read-only | custom
    access_key_hash: str
    permissions: list[str] = field(default_factory=list)
    expires_at: float | None = None


class ApiTokenStrategy:
    """``content-api-token``: bearer API tokens stored as salted hashes."""

    name = "api-token"

    def __init__(self, salt: str) -> None:
        self.salt = salt.encode()
        self.tokens: dict[str, ApiToken] = {}

    def hash(self, access_key: str) -> str:
        return hmac.new(self.salt, access_key.encode(), hashlib.sha512).hexdigest()

    def create(self, name: str, type: str, permissions: list[str] | None = None, access_key: str | None = None,
               lifespan_s: float | None = None) -> str:
        """Create a token; returns its plain access key (only known at creation)."""
        key = access_key or secrets.token_hex(64)
        token = ApiToken(len(self.tokens) + 1, name, type, self.hash(key), permissions or [],
                         time.time() + lifespan_s if lifespan_s else None)
        self.tokens[token.access_key_hash] = token
        return key

    def find(self, access_key: str) -> ApiToken | None:
        """The token whose hash matches, compared in constant time against every stored hash: how long
        the check takes says nothing about how close a guess was, nor which token it resembled."""
        digest = self.hash(access_key)
        found = None
        for stored, token in list(self.tokens.items()):
            if hmac.compare_digest(stored, digest):
                found = token
        return found

    async def authenticate(self, ctx: Context) -> dict[str, Any]:
        key = bearer_token(ctx)
        if key is None:
            return {"authenticated": False}
        token = self.find(key)
        if token is None:
            return {"authenticated": False}
        if token.expires_at is not None and token.expires_at < time.time():
            return {"authenticated": False, "error": "Token expired"}
        return {"authenticated": True, "credentials": token}

    async def verify(self, auth: dict[str, Any], config: dict[str, Any]) -> None:
        token: ApiToken = auth["credentials"]
        if token.type == "full-access":
            return
        scopes = config.get("scope") or []
        if token.type == "read-only":
            # A route without a scope is no read: Strapi lets a read-only token through only when
            # every scope names find or findOne.
            if scopes and all(str(scope).rsplit(".", 1)[-1] in READ_ONLY_ACTIONS for scope in scopes):
                return
            raise ForbiddenError()
        if all(scope in token.permissions for scope in scopes):
            return
        raise ForbiddenError()


@dataclass
class User:
    id: int
    username: str
    email: str
    password_hash: str
    role: str = "authenticated"
    blocked: bool = False
    confirmed: bool = True

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "username": self.username, "email": self.email, "blocked": self.blocked,
                "confirmed": self.confirmed, "role": {"type": self.role, "name": self.role.capitalize()}}


class UsersPermissionsStrategy:
    """``users-permissions``: JWT users with roles, and the Public role for anonymous requests."""

    name = "users-permissions"

    def __init__(self, jwt_secret: str) -> None:
        self.jwt_secret = jwt_secret
        self.roles: dict[str, set[str]] = {"public": set(), "authenticated": set()}
        self.users: dict[int, User] = {}

    def grant(self, role: str, actions: list[str]) -> None:
        self.roles.setdefault(role, set()).update(actions)

    @staticmethod
    def _hash_password(password: str, salt: bytes | None = None) -> str:
        salt = salt or secrets.token_bytes(16)
        digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 10_000)
        return salt.hex() + "$" + digest.hex()

    def add_user(self, username: str, email: str, password: str, role: str = "authenticated") -> User:
        user = User(len(self.users) + 1, username, email, self._hash_password(password), role)
        self.users[user.id] = user
        return user

    def issue(self, user: User) -> str:
        return jwt.encode({"id": user.id, "iat": int(time.time()), "exp": int(time.time()) + 30 * 86400},
                          self.jwt_secret, algorithm="HS256")

    def login(self, identifier: str, password: str) -> dict[str, Any]:
        for user in self.users.values():
            if identifier in (user.username, user.email):
                salt_hex, _, _ = user.password_hash.partition("$")
                if hmac.compare_digest(self._hash_password(password, bytes.fromhex(salt_hex)), user.password_hash):
                    return {"jwt": self.issue(user), "user": user.public()}
        raise ValidationError("Invalid identifier or password")

    async def authenticate(self, ctx: Context) -> dict[str, Any]:
        token = bearer_token(ctx)
        if token is not None:
            # One algorithm, the secret's: "alg": "none" and tokens signed with another key or
            # algorithm are refused, as are expired ones ("exp" in the past).
            try:
                payload = jwt.decode(token, self.jwt_secret, algorithms=["HS256"])
            except jwt.PyJWTError:
                return {"authenticated": False}
            user_id = payload.get("id") if isinstance(payload, dict) else None
            if isinstance(user_id, bool) or not isinstance(user_id, (int, str)) or not str(user_id).isdigit():
                return {"authenticated": False}
            user = self.users.get(int(user_id))
            if user is None or user.blocked or not user.confirmed:
                return {"error": "Invalid credentials"}
            ctx.state["user"] = user.public()
            return {"authenticated": True, "credentials": user.public(), "ability": self.roles.get(user.role, set())}
        public = self.roles.get("public", set())
        if public:
            return {"authenticated": True, "credentials": None, "ability": public}
        return {"authenticated": False}

    async def verify(self, auth: dict[str, Any], config: dict[str, Any]) -> None:
        scopes = config.get("scope")
        if not scopes:
            if not auth.get("credentials"):
                raise UnauthorizedError()
            return
        ability = auth.get("ability")
        if ability is None:
            raise UnauthorizedError()
        if not all(scope in ability for scope in scopes):
            raise ForbiddenError()


class Auth:
    """``strapi.get('auth')`` for the content API."""

    def __init__(self, api_tokens: ApiTokenStrategy, users_permissions: UsersPermissionsStrategy) -> None:
        self.api_tokens = api_tokens
        self.users_permissions = users_permissions
        self.strategies: list[Any] = [api_tokens, users_permissions]

    async def authenticate(self, ctx: Context, next: Next) -> Any:
        for strategy in self.strategies:
            result = await strategy.authenticate(ctx) or {}
            if result.get("error") is not None:
                ctx.unauthorized(result["error"])
                return None
            if result.get("authenticated"):
                ctx.state["isAuthenticated"] = True
                ctx.state["auth"] = {
                    "strategy": {"name": strategy.name},
                    "credentials": result.get("credentials"),
                    "ability": result.get("ability"),
                    "_strategy": strategy,
                }
                return await next()
        ctx.unauthorized("Missing or invalid credentials")
        return None

    async def verify(self, auth: dict[str, Any] | None, config: Any) -> None:
        if config is False:
            return
        if not auth:
            raise UnauthorizedError()
        await auth["_strategy"].verify(auth, config or {})


# koa2-ratelimit's time units (an interval is milliseconds, or an object of units).
TIME_UNITS_MS = {"ms": 1, "sec": 1000, "min": 60_000, "hour": 3_600_000, "day": 86_400_000,
                 "week": 604_800_000, "month": 2_592_000_000, "year": 31_536_000_000}


def time_to_ms(value: Any) -> float:
    if isinstance(value, dict):
        return float(sum(TIME_UNITS_MS[unit] * float(n) for unit, n in value.items() if unit in TIME_UNITS_MS))
    return float(value)


class RateLimit:
    """``plugin::users-permissions.rateLimit``: the route middleware on ``/api/auth/local``.

    As the users-permissions documentation states it: on by default, at most ``max`` (5) requests
    per ``interval`` (5 minutes) for one path and client IP, configured by the plugin's
    ``ratelimit`` (``enabled``, ``interval``, ``max``); the next requests throw ``RateLimitError``
    (429). Windows are fixed and start at a key's first request (koa2-ratelimit's memory store),
    and every answer carries ``X-RateLimit-Limit``, ``-Remaining`` and ``-Reset``. (Strapi 5.54.0's
    own plugin config overrides the documented defaults with 10 requests a minute.)
    """

    def __init__(self, config: dict[str, Any] | None = None, clock: Any = time.time) -> None:
        config = config or {}
        self.enabled = config.get("enabled", True) is not False
        self.interval_ms = time_to_ms(config.get("interval", {"min": 5}))
        self.max = int(config.get("max", 5))
        self.clock = clock
        self.hits: dict[str, list[float]] = {}  # key → [counter, end of its window (epoch s)]

    def key(self, ctx: Context) -> str:
        path = "/" + "/".join(p for p in ctx.path.lower().split("/") if p)
        ip = ctx.client[0] if ctx.client else "unknown"
        # The login route's key has no identifier from the body: varying one cannot split the count.
        return f"noIdentifier:{path}:{ip}"

    async def __call__(self, ctx: Context, next: Next) -> Any:
        if not self.enabled:
            return await next()
        now = self.clock()
        for key in [k for k, (_, end) in self.hits.items() if end <= now]:
            del self.hits[key]
        hit = self.hits.setdefault(self.key(ctx), [0, now + self.interval_ms / 1000])
        hit[0] += 1
        ctx.set("X-RateLimit-Limit", str(self.max))
        ctx.set("X-RateLimit-Remaining", str(max(self.max - int(hit[0]), 0)))
        ctx.set("X-RateLimit-Reset", str(math.ceil(hit[1])))
        if self.max and hit[0] > self.max:
            raise RateLimitError()
        return await next()
