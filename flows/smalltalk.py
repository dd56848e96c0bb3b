"""Small talk from enrolled members: greetings, thanks and "ok" get a short friendly answer.

Why: "राम राम", "السلام علیکم", "shukriya" or a 👍 is courtesy, not a request; answering it with
"didn't understand" and the whole menu feels rude. A salaam is answered with "وعلیکم السلام", a
"राम राम" with "राम राम", in the member's reply language.
"""

from __future__ import annotations

from flows import match
from flows.engine import Flow, Turn, on, show_menu
from flows.intents import define
from flows.normalize import fold

SALAAM = ["salaam", "salam", "assalam", "asalam", "assalamualaikum", "asalamualaikum", "assalamu", "alaikum",
          "alaikum", "walaikum", "slm", "सलाम", "अस्सलाम", "अस्सलामु", "अलैकुम", "السلام", "سلام", "علیکم",
          "اسلام", "وعلیکم", "aoa"]
RAM_RAM = ["ram", "राम", "jai", "जय", "radhe", "राधे", "sitaram", "सीताराम", "shri", "श्री", "shyam", "श्याम"]
ADAAB = ["adab", "aadab", "aadaab", "आदाब", "آداب"]
NAMASTE = ["namaste", "namaskar", "namastey", "pranam", "parnam", "नमस्ते", "नमस्कार", "प्रणाम", "نمستے", "پرنام"]
HELLO = ["hi", "hii", "hello", "helo", "hey", "hola", "hlo", "hallo", "morning", "evening", "afternoon", "gm", "हाय",
         "हेलो", "हैलो", "ہیلو", "ہائے", "sat", "sri", "akal", "सत", "अकाल", "ست", "سری", "اکال", "good", "shubh",
         "suprabhat", "शुभ", "सुप्रभात", "subah", "ramzan", "mubarak", "eid", "diwali", "holi", "happy", "jinendra",
         "hind", "हिंद", "ہند"]

SOCIAL = ("greeting", "thanks", "ack")
"""In order of preference when a message holds several ("namaste ji, shukriya")."""

define("greeting", social=True, fuzzy=False, words=SALAAM + RAM_RAM + ADAAB + NAMASTE + HELLO,
       phrases=["good morning", "good evening", "good afternoon", "ram ram", "jai shri ram", "jai siya ram",
                "राम राम", "जय श्री राम", "radhe radhe", "राधे राधे", "السلام علیکم", "sat sri akal", "kaise ho",
                "kya haal hai", "how are you",
                "कैसे हो", "क्या हाल है", "کیسے ہو", "کیا حال ہے", "jai hind", "जय हिंद"])
define("thanks", social=True,
       words=["thanks", "thank", "thanku", "thankyou", "thnx", "thx", "ty", "shukriya", "shukria", "dhanyavad",
              "dhanyawad", "dhanyabad", "meherbani", "mehrbani", "धन्यवाद", "शुक्रिया", "थैंक्स", "थैंक्यू", "शुक्रिया",
              "मेहरबानी", "شکریہ", "شکریا", "مہربانی", "جزاک", "تھینکس"],
       phrases=["thank you", "thank u", "bahut shukriya", "bahut dhanyavad", "बहुत धन्यवाद", "بہت شکریہ", "jazakallah",
                "جزاک اللہ", "thank u so much", "tq"])
define("ack", social=True, fuzzy=False,
       words=["ok", "okay", "okk", "k", "kk", "theek", "thik", "accha", "acha", "achha", "badhiya", "badiya", "great",
              "nice", "good", "cool", "fine", "alright", "perfect", "mast", "sahi", "done", "got", "ओके", "ठीक",
              "अच्छा", "बढ़िया", "सही", "اوکے", "ٹھیک", "اچھا", "بڑھیا", "زبردست", "बहुत", "bahut", "بہت", "super",
              "wah", "वाह", "واہ", "night", "gn", "bye", "alvida", "अलविदा", "الوداع", "hafiz", "حافظ",
              "tata", "chalo", "चलो", "چلو", "noted", "samajh", "gaya", "समझ", "गया", "سمجھ", "گیا"])


def _social(turn: Turn) -> str | None:
    """Which small talk a member's message is ("greeting", "thanks", "ack"), when it is only that."""
    if turn.member is None:
        return None
    intent = match.understood(turn).intent
    return intent if intent in SOCIAL else None


def _greeting_reply(text: str) -> str:
    tokens = set(fold(text).split())
    for words, msgid in ((SALAAM, "smalltalk.salaam"), (RAM_RAM, "smalltalk.ram_ram"), (ADAAB, "smalltalk.adaab"),
                         (NAMASTE, "smalltalk.namaste")):
        if tokens & {fold(w) for w in words}:
            return msgid
    return "smalltalk.hello"


def reply(turn: Turn) -> None:
    name = turn.member.name if turn.member else ""
    if turn.value == "greeting":
        turn.say(_greeting_reply(turn.text), name=name)
        show_menu(turn)
    elif turn.value == "thanks":
        turn.say("smalltalk.thanks", name=name)
    else:
        turn.say("smalltalk.ok")


FLOW = Flow(name="smalltalk", entry=[on(_social, reply)], priority=85)
