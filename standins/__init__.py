"""Local stand-ins for the outside services Inaam talks to (Twilio today; RazorpayX and others later).

Why: the embedded mode and the tests need no accounts, so each outside API has a small local server
here that speaks its real wire format. The real client code is pointed at them by base-URL settings.
"""
