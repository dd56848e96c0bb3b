"""Words every intent shares: fillers (politeness, pronouns, auxiliaries) and negations, in four scripts.

Why: "please", "mujhe", "ज़रा", "کیجیے" carry no intent of their own, but a message made only of an
intent's words and these is clearly that intent; a negation next to an intent's words cancels it.
Intents themselves are declared by their flows (``flows.intents.define``).
"""

from __future__ import annotations

from flows.intents import add_fillers, add_negations

FILLERS_EN = [
    "please", "pls", "plz", "plese", "kindly", "sir", "madam", "maam", "mam", "bro", "dear", "hey", "yaar", "i",
    "me", "my", "mine", "myself", "we", "our", "us", "you", "your", "u", "ur", "the", "a", "an", "to", "of", "for",
    "in", "on", "at", "is", "are", "am", "be", "it", "its", "this", "that", "these", "those", "can", "could",
    "would", "will", "shall", "want", "wanna", "need", "like", "just", "now", "again", "also", "and", "or", "so",
    "do", "does", "did", "know", "tell", "show", "give", "let", "get", "check", "what", "whats", "how", "much",
    "many", "some", "all", "see", "view", "send", "sent", "have", "has", "got", "any", "with", "from", "about",
    "there", "here", "right", "quickly",
]

FILLERS_ROMAN = [
    "mujhe", "mujhko", "muje", "mjhe", "mera", "meri", "mere", "main", "mai", "mein", "me", "mai", "hum", "humko",
    "hame", "hamara", "hamari", "hamare", "aap", "ap", "aapka", "aapki", "aapke", "apna", "apni", "apne", "ka",
    "ki", "ke", "ko", "se", "par", "pe", "hai", "hain", "he", "h", "ho", "hoga", "hogi", "tha", "thi", "kya",
    "kyaa", "kia", "zara", "jara", "thoda", "abhi", "jaldi", "bhi", "to", "toh", "na", "ji", "jee", "bhai",
    "bhaiya", "bhaisahab", "sahab", "saab", "sahib", "kripya", "meharbani", "mehrbani", "karo", "kar", "kare",
    "karein", "karen", "karna", "karni", "karne", "kijiye", "kijie", "kijiyega", "kro", "krna", "karoge", "kariye",
    "do", "de", "dijiye", "dijie", "dena", "dein", "den", "batao", "bataiye", "bataye", "btao", "bataen", "bata",
    "dikhao", "dikhaiye", "dikha", "dikhado", "chahiye", "chahie", "chaiye", "chahta", "chahti", "hu", "hun",
    "hoon", "raha", "rahi", "rahe", "wala", "wali", "wale", "ek", "yeh", "ye", "woh", "wo", "sab", "saara", "saare",
    "liye",
]

FILLERS_DEVANAGARI = [
    "मुझे", "मुझको", "मेरा", "मेरी", "मेरे", "मैं", "मै", "हम", "हमें", "हमारा", "आप", "आपका", "आपकी", "आपके",
    "अपना", "अपनी", "अपने", "का", "की", "के", "को", "से", "पर", "में", "है", "हैं", "हो", "होगा", "था", "क्या",
    "ज़रा", "जरा", "थोड़ा", "अभी", "जल्दी", "भी", "तो", "जी", "भाई", "भैया", "साहब", "सर", "कृपया", "करो", "कर",
    "करें", "करना", "कीजिए", "कीजिये", "करिए", "दो", "दे", "दें", "दीजिए", "दीजिये", "देना", "बताओ", "बताइए",
    "बताएं", "बताइये", "बता", "दिखाओ", "दिखाइए", "दिखाएं", "दिखा", "चाहिए", "चाहता", "चाहती", "हूँ", "हूं", "रहा",
    "रही", "वाला", "वाली", "एक", "यह", "ये", "वो", "वह", "प्लीज़", "प्लीज", "ना", "लिए",
]

FILLERS_URDU = [
    "مجھے", "مجھ", "میرا", "میری", "میرے", "میں", "ہم", "ہمیں", "ہمارا", "آپ", "آپکا", "آپکی", "آپکے", "اپنا",
    "اپنی", "اپنے", "کا", "کی", "کے", "کو", "سے", "پر", "ہے", "ہیں", "ہو", "ہوگا", "تھا", "کیا", "ذرا", "تھوڑا",
    "ابھی", "جلدی", "بھی", "تو", "جی", "بھائی", "صاحب", "سر", "براہ", "کرم", "براہِ", "مہربانی", "کرو", "کر",
    "کریں", "کرنا", "کیجیے", "کیجئے", "دو", "دے", "دیں", "دیجیے", "دیجئے", "دینا", "بتاؤ", "بتائیں", "بتائیے",
    "بتا", "دکھاؤ", "دکھائیں", "دکھائیے", "دکھا", "چاہیے", "چاہئے", "چاہتا", "چاہتی", "ہوں", "رہا", "رہی", "والا",
    "والی", "ایک", "یہ", "وہ", "پلیز", "نا", "لیے",
]

NEGATIONS = [
    "no", "not", "never", "dont", "nahi", "nahin", "nahee", "nai", "nhi", "nahi", "mat", "mt", "नहीं", "नही", "नहि",
    "मत",
    "न", "نہیں", "نہی", "نئیں", "مت", "نہ",
]

FILLERS_SEND = ["check", "chek", "चेक", "चैक", "چیک", "status", "स्टेटस", "اسٹیٹس", "kro", "krdo", "krna", "kr",
                "krein", "karen", "send", "bhejo", "bhejiye", "bhejdo", "bhej",
                "bhejein", "भेजो", "भेजिए", "भेजें", "भेज", "भेजिये",
                "بھیجو", "بھیجیں", "بھیجیے", "بھیج", "bolo", "boliye", "बोलो", "बोलिए", "بولو", "بولیے", "lein", "len",
                "लें", "लो", "لیں", "لو", "thing", "app", "bot", "lot", "very", "so", "much", "bahut", "बहुत", "بہت",
                "aur", "और", "اور", "सारे", "सारा", "सब", "सभी", "سارے", "سارا", "سب", "sabhi", "dono", "दोनों",
                "دونوں", "both", "jao", "जाओ", "جاؤ"]

add_fillers(FILLERS_SEND + FILLERS_EN + FILLERS_ROMAN + FILLERS_DEVANAGARI + FILLERS_URDU)
add_negations(NEGATIONS)
