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
import secrets
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import jwt

from .compose import Next
from .errors import ForbiddenError, UnauthorizedError, ValidationError

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

    async def authenticate(self, ctx: Context) -> dict[str, Any]:
        key = bearer_token(ctx)
        if key is None:
            return {"authenticated": False}
        token = self.tokens.get(self.hash(key))
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
            if all(scope.rsplit(".", 1)[-1] in READ_ONLY_ACTIONS for scope in scopes):
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
            try:
                payload = jwt.decode(token, self.jwt_secret, algorithms=["HS256"])
            except jwt.PyJWTError:
                return {"authenticated": False}
            user = self.users.get(int(payload.get("id") or 0))
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
