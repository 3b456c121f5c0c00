"""The Teams tab ("Översikt"): organisation results, a manager's reports, and the person's own data, as
server-rendered pages of the same aiohttp app, behind Teams single sign-on (docs/tab.md)."""

from bot.tab.routes import add_tab_routes

__all__ = ["add_tab_routes"]
