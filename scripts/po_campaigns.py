"""Writes locales/{en,hi,ur}/LC_MESSAGES/campaigns.po from the table below (issue 9's sentences).

Run: .venv/bin/python scripts/po_campaigns.py — edit the table, not the .po files.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

ROOT = Path(__file__).resolve().parent.parent

MESSAGES: dict[str, tuple[str, str, str]] = {
    "template.points_expiry": (
        "Namaste {name}, {points} of your reward points expire on {date}. Scan a coupon or reply BALANCE "
        "to see your points.",
        "नमस्ते {name} जी, आपके {points} पॉइंट्स {date} को ख़त्म हो जाएँगे। कूपन स्कैन कीजिए या अपने पॉइंट्स "
        "देखने के लिए BALANCE लिखिए।",
        "آداب {name} صاحب، آپ کے {points} پوائنٹس {date} کو ختم ہو جائیں گے۔ کوپن اسکین کیجیے یا اپنے پوائنٹس "
        "دیکھنے کے لیے BALANCE لکھیے۔",
    ),
    "template.campaign_offer": (
        "Namaste {name}! {offer} Your balance is {points} points. Reply MENU to see what you can do.",
        "नमस्ते {name} जी! {offer} आपका बैलेंस {points} पॉइंट्स है। आगे क्या कर सकते हैं, देखने के लिए MENU "
        "लिखिए।",
        "آداب {name} صاحب! {offer} آپ کا بیلنس {points} پوائنٹس ہے۔ آگے کیا کر سکتے ہیں، دیکھنے کے لیے MENU "
        "لکھیے۔",
    ),
    "template.claim_update": (
        "Namaste {name}, there is news about your claim: {update} Reply here if you have any question.",
        "नमस्ते {name} जी, आपके क्लेम के बारे में जानकारी: {update} कोई सवाल हो तो यहीं जवाब दीजिए।",
        "آداب {name} صاحب، آپ کے کلیم کے بارے میں اطلاع: {update} کوئی سوال ہو تو یہیں جواب دیجیے۔",
    ),
    "template.handoff_reply": (
        "Namaste {name}, our team has answered your question. Reply to this message to read it.",
        "नमस्ते {name} जी, हमारी टीम ने आपके सवाल का जवाब दिया है। पढ़ने के लिए इस मैसेज का जवाब दीजिए।",
        "آداب {name} صاحب، ہماری ٹیم نے آپ کے سوال کا جواب دیا ہے۔ پڑھنے کے لیے اس پیغام کا جواب دیجیے۔",
    ),
    "menu.button": ("Choose", "चुनिए", "منتخب کیجیے"),
    "menu.agent": ("Talk to a person", "किसी से बात करें", "کسی سے بات کریں"),
    "role.button": ("Choose your work", "अपना काम चुनिए", "اپنا کام منتخب کیجیے"),
    "menu.prompt": ("What would you like to do?", "आप क्या करना चाहेंगे?", "آپ کیا کرنا چاہیں گے؟"),
    "enroll.role_prompt": (
        "Thanks, {name}. What is your work?",
        "शुक्रिया, {name} जी। आप क्या काम करते हैं?",
        "شکریہ، {name} صاحب۔ آپ کیا کام کرتے ہیں؟",
    ),
    "handoff.opened": (
        "Sure. I'm passing this chat to a person from our team; they will reply here soon. You can write "
        "your question now.",
        "ज़रूर। मैं यह बातचीत हमारी टीम के एक साथी को दे रहा हूँ, वे जल्द ही यहीं जवाब देंगे। आप अपना सवाल "
        "अभी लिख सकते हैं।",
        "ضرور۔ میں یہ بات چیت ہماری ٹیم کے ایک ساتھی کو دے رہا ہوں، وہ جلد ہی یہیں جواب دیں گے۔ آپ اپنا سوال "
        "ابھی لکھ سکتے ہیں۔",
    ),
    "handoff.dispute_opened": (
        "Sorry about that. I've sent claim {ref} to our team; a person will check it and reply here. You "
        "can add details now.",
        "माफ़ कीजिए। मैंने क्लेम {ref} हमारी टीम को भेज दिया है, कोई साथी उसे जाँचकर यहीं जवाब देगा। आप "
        "चाहें तो अभी और जानकारी लिख सकते हैं।",
        "معاف کیجیے۔ میں نے کلیم {ref} ہماری ٹیم کو بھیج دیا ہے، کوئی ساتھی اسے جانچ کر یہیں جواب دے گا۔ آپ "
        "چاہیں تو ابھی مزید تفصیل لکھ سکتے ہیں۔",
    ),
    "handoff.closed": (
        "Our team has closed this conversation. I'm back: send MENU to see what you can do.",
        "हमारी टीम ने यह बातचीत बंद कर दी है। अब मैं फिर हाज़िर हूँ: आगे क्या कर सकते हैं, देखने के लिए "
        "MENU लिखिए।",
        "ہماری ٹیم نے یہ بات چیت بند کر دی ہے۔ اب میں پھر حاضر ہوں: آگے کیا کر سکتے ہیں، دیکھنے کے لیے MENU "
        "لکھیے۔",
    ),
    "handoff.timed_out": (
        "Sorry, our team could not reply in time. I'm back for now: send MENU for options, or ask for a "
        "person again whenever you like.",
        "माफ़ कीजिए, हमारी टीम समय पर जवाब नहीं दे पाई। फ़िलहाल मैं हाज़िर हूँ: विकल्प देखने के लिए MENU "
        "लिखिए, या जब चाहें फिर से किसी से बात करने को कहिए।",
        "معاف کیجیے، ہماری ٹیم وقت پر جواب نہیں دے سکی۔ فی الحال میں حاضر ہوں: اختیارات دیکھنے کے لیے MENU "
        "لکھیے، یا جب چاہیں پھر سے کسی سے بات کرنے کو کہیے۔",
    ),
    "campaign.bonus": (
        "Bonus! {points} extra points for taking part in our offer. Your balance is now {balance} points.",
        "बोनस! ऑफ़र में हिस्सा लेने के लिए {points} अतिरिक्त पॉइंट्स। अब आपका बैलेंस {balance} पॉइंट्स है।",
        "بونس! آفر میں حصہ لینے کے لیے {points} اضافی پوائنٹس۔ اب آپ کا بیلنس {balance} پوائنٹس ہے۔",
    ),
}


HI_LATN: dict[str, str] = {
    "template.points_expiry": "Namaste {name} ji, aapke {points} points {date} ko khatm ho jaayenge. Coupon scan "
                              "kijiye ya apne points dekhne ke liye BALANCE likhiye.",
    "template.campaign_offer": "Namaste {name} ji! {offer} Aapka balance {points} points hai. Aage kya kar sakte "
                               "hain, dekhne ke liye MENU likhiye.",
    "template.claim_update": "Namaste {name} ji, aapke claim ke baare mein jaankari: {update} Koi sawaal ho to "
                             "yahin jawaab dijiye.",
    "template.handoff_reply": "Namaste {name} ji, hamari team ne aapke sawaal ka jawaab diya hai. Padhne ke liye "
                              "is message ka jawaab dijiye.",
    "menu.button": "Chuniye",
    "menu.agent": "Kisi se baat karein",
    "role.button": "Apna kaam chuniye",
    "menu.prompt": "Aap kya karna chahenge?",
    "enroll.role_prompt": "Shukriya, {name} ji. Aap kya kaam karte hain?",
    "handoff.opened": "Zaroor. Main yeh baatcheet hamari team ke ek saathi ko de raha hoon, woh jald hi yahin "
                      "jawaab denge. Aap apna sawaal abhi likh sakte hain.",
    "handoff.dispute_opened": "Maaf kijiye. Maine claim {ref} hamari team ko bhej diya hai, koi saathi use jaanch "
                              "kar yahin jawaab dega. Aap chahein to abhi aur jaankari likh sakte hain.",
    "handoff.closed": "Hamari team ne yeh baatcheet band kar di hai. Ab main phir haazir hoon: aage kya kar sakte "
                      "hain, dekhne ke liye MENU likhiye.",
    "handoff.timed_out": "Maaf kijiye, hamari team samay par jawaab nahi de paayi. Filhaal main haazir hoon: "
                         "vikalp dekhne ke liye MENU likhiye, ya jab chahein phir se kisi se baat karne ko kahiye.",
    "campaign.bonus": "Bonus! Offer mein hissa lene ke liye {points} extra points. Ab aapka balance {balance} "
                      "points hai.",
}
"""Hindi in Latin script (issue 12's fourth reply language), as people type it on WhatsApp."""


def main() -> None:
    for index, lang in enumerate(("en", "hi", "ur")):
        catalog = Catalog(locale=lang, project="inaam", version="0.1", fuzzy=False)
        for msgid, texts in MESSAGES.items():
            catalog.add(msgid, texts[index])
        path = ROOT / "locales" / lang / "LC_MESSAGES" / "campaigns.po"
        with path.open("wb") as fh:
            write_po(fh, catalog, width=0, omit_header=False)
    assert set(HI_LATN) == set(MESSAGES), set(MESSAGES) ^ set(HI_LATN)
    catalog = Catalog(locale="hi_Latn", project="inaam", version="0.1", fuzzy=False)
    for msgid in MESSAGES:
        catalog.add(msgid, HI_LATN[msgid])
    with (ROOT / "locales" / "hi_Latn" / "LC_MESSAGES" / "campaigns.po").open("wb") as fh:
        write_po(fh, catalog, width=0, omit_header=False)


if __name__ == "__main__":
    main()
