"""WhatsApp content beyond plain text, through Twilio's Content API.

* ``content.templates``: the approved templates (one per language) for business-initiated
  messages outside the 24-hour window, their registration and approval state.
* ``content.api``: the Content API calls (create, approval request, approval fetch) made with the
  real twilio client pointed at the configured base URL.
* ``content.interactive``: quick-reply buttons and list pickers for in-session replies.
* ``content.window``: the customer-service window and the one decision the sender asks for each
  message: free text, a template (``ContentSid`` + ``ContentVariables``), an interactive content,
  or not at all.
"""
