"""Internationalization (the i18n plugin Strapi 5 ships in its core): locales, and localized types."""

from __future__ import annotations

DEFAULT_LOCALE = "en"
