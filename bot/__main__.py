"""`python -m bot` serves the bot; its admin commands are listed in one table in bot/cli."""

import sys

from bot.cli import main

if __name__ == "__main__":
    sys.exit(main())
