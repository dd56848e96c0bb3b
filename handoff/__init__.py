"""Talking to a person: a member's conversation handed to an agent, and back to the bot.

``handoff.service`` holds the operations (open, list, show, reply, close, close idle ones) as
plain functions for the CLI inbox and the admin console; ``flows/handoff.py`` is the dialog side
(the phrases and the menu item that open one, and the bot's silence while it is open).
"""
