"""Global commands, in all three languages, at any point: menu, help, language, stop/start, cancel.

Why: a member must always be able to get out of a flow, change language or opt out, whatever
state the conversation is in; opt-out is stored on the contact and honoured by every sender.
"""

from __future__ import annotations

from bot.i18n import translate
from flows import match
from flows.engine import Flow, Turn, enter, finish, flow_named, on, show_menu
from flows.intents import define

_DO = ["karo", "kar", "kardo", "do", "dijiye", "kijiye", "karein", "karen", "kariye", "dena", "de", "please",
       "करो", "कर", "दो", "दीजिए", "दीजिये", "कीजिए", "करें", "दें", "करिए", "دو", "کرو", "کر", "دیں", "کریں", "کیجیے",
       "دیجیے", "کیجئے", "دیجئے"]

define("menu", command=True, label="intent.menu",
       words=["menu", "menyu", "options", "option", "home", "मेनू", "मेन्यू", "मेन्यु", "विकल्प", "ऑप्शन", "ऑप्शंस",
              "مینو", "مینیو", "آپشن", "آپشنز"],
       phrases=["main menu", "all options", "what can you do", "what can i do here", "sab options", "saare options",
                "kya kya kar sakte", "aur kya kar sakte", "क्या क्या कर सकते", "सारे विकल्प", "और क्या कर सकते",
                "کیا کیا کر سکتے", "سارے آپشنز", "shuru se", "start over", "शुरू से", "شروع سے"],
       cues=["show", "open", "kholo", "dikhao", "wapas", "back", "go", "to", "खोलो", "दिखाओ", "دکھاؤ", "کھولو", *_DO])
define("help", command=True, label="intent.help",
       words=["help", "helpline", "madad", "madat", "sahayata", "sahayta", "मदद", "सहायता", "हेल्प", "مدد", "ہیلپ",
              "guide", "samjhao", "समझाओ", "سمجھاؤ", "मदत", "instructions"],
       phrases=["how does this work", "how it works", "how does it work", "how to use", "how do i use",
                "how to use this", "how to earn", "how to earn points", "how do i earn", "earn points",
                "points kaise milte", "points kaise kamaye", "kaise kamaye",
                "पॉइंट्स कैसे मिलते", "पॉइंट कैसे मिलेंगे", "कैसे कमाएं", "پوائنٹس کیسے ملتے", "پوائنٹس کیسے ملیں گے",
                "کیسے کمائیں", "kaise kaam karta", "kaise chalta hai", "kaise use kare", "kaise use karu",
                "samajh nahi aaya",
                "kuch samajh nahi", "samajh nahi aa raha", "समझ नहीं आया", "कैसे काम करता", "कैसे इस्तेमाल करें",
                "سمجھ نہیں آیا", "کیسے کام کرتا", "کیسے استعمال کریں", "i am confused", "what is this", "ye kya hai",
                "यह क्या है", "یہ کیا ہے", "kya karna hai", "what should i do", "क्या करना है", "کیا کرنا ہے"],
       cues=["need", "want", "chahiye", "चाहिए", "چاہیے", "me", "mujhe", "please", "support", "kaise", "how", *_DO])
define("language", command=True, label="menu.language",
       words=["language", "languages", "lang", "bhasha", "bhasa", "bhaasha", "zaban", "zuban", "zubaan", "zubān",
              "भाषा", "ज़बान", "जुबान", "زبان", "لینگویج"],
       phrases=["in english", "in hindi", "in urdu", "english please", "hindi please", "urdu please",
                "english mein", "hindi mein", "urdu mein", "angrezi mein", "roman hindi", "hinglish mein",
                "अंग्रेज़ी में", "हिंदी में", "उर्दू में", "انگریزی میں", "ہندی میں", "اردو میں", "speak english",
                "talk in english", "english me baat", "hindi me baat", "urdu me baat"],
       cues=["change", "badlo", "badal", "badalna", "badle", "badlein", "badlen", "switch", "select", "choose",
             "chuno", "set", "tabdeel", "tabdil", "बदलो", "बदलें", "बदलना", "बदल", "बदलिए", "चुनें", "चुनो", "تبدیل",
             "بدلیں", "بدلو", "بدل", "بدلنا", "چنیں", "badalni", "badalne", "badli", "बदलनी", "बदलने", "بدلنی",
             "بدلنے", "another", "other", "dusri", "doosri", "दूसरी", "دوسری",
             "baat", "बात", "بات", *_DO])
_MESSAGES = ["messages", "message", "msg", "msgs", "mesage", "massage", "sms", "मेसेज", "मैसेजेस", "texts", "text",
             "whatsapp", "notifications", "alerts",
             "updates", "offers", "promotions", "मैसेज", "मेसेज", "संदेश", "मेसेजेस", "میسج", "میسجز", "پیغام",
             "پیغامات", "مسیج"]
define("stop", command=True, label="intent.stop", refused=_MESSAGES,
       words=["stop", "unsubscribe", "unsub", "optout", "band", "bandh", "बंद", "रोको", "रोकें", "रोकिए", "بند",
              "روکو", "روکیں", "روکیے", "اسٹاپ", "سٹاپ", "स्टॉप"],
       phrases=["opt out", "no more messages", "no more msgs", "do not send", "dont send", "do not message",
                "stop sending", "stop messaging", "stop texting", "cancel subscription",
                "cancel my subscription", "end subscription", "stop these messages", "do not text", "do not contact",
                "not interested", "remove me", "remove my number", "mat bhejo", "mat bhejiye", "mat bhejna",
                "message mat bhejo", "msg mat bhejo", "messages nahi chahiye", "message nahi chahiye",
                "msg nahi chahiye", "interested nahi", "number hatao", "number hata do", "list se hatao",
                "मत भेजो", "मत भेजिए", "मत भेजें", "मैसेज नहीं चाहिए", "संदेश नहीं चाहिए", "नंबर हटाओ",
                "नंबर हटा दो", "नहीं चाहिए मैसेज", "मत भेजना", "مت بھیجو", "مت بھیجیں", "مت بھیجیے",
                "میسج نہیں چاہیے", "پیغام نہیں چاہیے", "پیغامات نہیں چاہییں", "نمبر ہٹا دیں", "نمبر ہٹاؤ",
                "do not want messages", "no messages", "pareshan mat karo", "disturb mat karo", "do not disturb",
                "परेशान मत करो", "پریشان مت کرو", "leave me alone", "spam mat karo", "koi message nahi",
                "कोई मैसेज नहीं", "کوئی پیغام نہیں"],
       cues=[*_MESSAGES, "sending", "send", "texting", "messaging", "bas", "बस", "بس", "more", "any", "anymore",
             "again", "dobara", "ever", "मज़ीद", "مزید", "और", "aur", "subscription", "bhejna", "bhejo", "bhejte",
             "bhejiye", "all", "sab", "saare", "sare",
             "everything", "forever", "hamesha", "turant", "immediately", "now", "ab", "ye", "these", "your",
             "भेजना", "भेजो", "सब", "सारे", "अब", "हमेशा", "بھیجنا", "بھیجو", "سب", "سارے", "اب", "ہمیشہ", "kar", "de",
             "daliye", "dijiye", *_DO])
define("start", command=True, label="intent.start",
       words=["start", "resume", "subscribe", "unstop", "restart", "shuru", "chalu", "शुरू", "चालू", "شروع", "چالو",
              "स्टार्ट", "اسٹارٹ"],
       phrases=["start again", "messages on", "phir se shuru", "fir se shuru", "dobara shuru", "message chalu",
                "फिर से शुरू", "दोबारा शुरू", "मैसेज चालू", "دوبارہ شروع", "پیغامات دوبارہ"],
       cues=[*_MESSAGES, "again", "phir", "fir", "dobara", "wapas", "फिर", "दोबारा", "دوبارہ", "پھر", "on", *_DO])
define("cancel", command=True, label="intent.cancel",
       words=["cancel", "back", "exit", "quit", "wapas", "wapis", "radd", "chhodo", "chodo", "रद्द", "वापस", "छोड़ो",
              "छोड़िए", "منسوخ", "واپس", "چھوڑو", "چھوڑیں", "کینسل", "कैंसल"],
       phrases=["never mind", "nevermind", "rehne do", "rahne do", "रहने दो", "رہنے دو", "go back", "peeche jao",
                "पीछे जाओ", "پیچھے جاؤ", "leave it", "forget it"],
       cues=["go", "jao", "jaiye", "this", "it", "isko", "ise", "इसे", "اسے", "जाओ", "जाइए", "جاؤ", "جائیں", "جائیے",
             *_DO])


def _language_command(turn: Turn) -> bool | None:
    """The language command, except where the conversation is asking for the language anyway."""
    if turn.contact.state in ("ask_language", "choose") and turn.contact.flow in ("enrollment", "language"):
        return None
    return match.intent("language")(turn)


def _opted_out(turn: Turn) -> bool | None:
    return True if turn.contact.opted_out else None


def still_opted_out(turn: Turn) -> None:
    turn.say("stop.still_stopped")
    turn.bypass_opt_out = True


def stop(turn: Turn) -> None:
    finish(turn)
    # Confirm in the language and script the member just wrote in ("बंद करो" from a new number gets Hindi).
    written = match.detect_language(turn.text)
    if turn.contact.lang is None and written:
        turn.contact.lang = written
    reply_lang = written if written in ("hi", "ur") else turn.lang
    turn.contact.opted_out = True
    turn.say_text("stop.done", translate(reply_lang, "stop.done"))
    turn.bypass_opt_out = True


def start(turn: Turn) -> None:
    was_out = turn.contact.opted_out
    turn.contact.opted_out = False
    if was_out:
        turn.say("start.done")
    _restart(turn)


def _restart(turn: Turn) -> None:
    """Back to the beginning: the menu for members, the enrollment for guests."""
    finish(turn)
    if turn.member is not None:
        show_menu(turn)
        return
    enrollment = flow_named("enrollment")
    if enrollment is not None and enrollment.start is not None:
        enter(turn, enrollment, enrollment.start)


def menu(turn: Turn) -> None:
    _restart(turn)


def cancel(turn: Turn) -> None:
    if turn.contact.flow:
        turn.say("cancel.done")
    _restart(turn)


def help_(turn: Turn) -> None:
    turn.say("help.text", program=turn.program.name_for(turn.lang), support=turn.program.support_phone)
    if turn.member is None and turn.contact.flow is None:
        _restart(turn)


def language(turn: Turn) -> None:
    """Ask for the language, or switch at once when the message names one ("hindi mein baat karo")."""
    from flows.language import chosen, named_language

    named = named_language(turn.text)
    if named is not None:
        if turn.member is not None:
            finish(turn)  # members leave what they were doing; a guest's enrollment carries on
        turn.value = named
        chosen(turn)
        return
    flow = flow_named("language")
    assert flow is not None and flow.start is not None
    enter(turn, flow, flow.start)


FLOW = Flow(
    name="commands",
    entry=[
        on(match.intent("start"), start),
        on(_opted_out, still_opted_out),
        on(match.intent("stop"), stop),
        on(match.intent("menu"), menu),
        on(match.intent("cancel"), cancel),
        on(match.intent("help"), help_),
        on(_language_command, language),
    ],
    is_global=True,
    for_guests=True,
    priority=0,
)
