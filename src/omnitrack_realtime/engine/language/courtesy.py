"""Courtesy in the languages users mix into English: greetings, thanks, goodbyes, the polite
particles that end a sentence, and emoticons.

One table for the parser (a greeting opening a request, "Hola, I plan materials ..."), the
mood reader (a message that is only courtesy is small talk) and the replies ("thanks" gets
"you're welcome"), so that the three never disagree about what is a thank-you. Words are
written as users type them, with and without diacritics. Pure: strings and patterns only.
"""

from __future__ import annotations

import re

__all__ = [
    "APOLOGY",
    "BYE",
    "HELLO",
    "NO",
    "THANKS",
    "YES",
    "without_emoticons",
    "without_particles",
]

#: Greetings that open a message ("Xin chao, ...", "Grüß Gott! We build skis ...").
HELLO = (
    r"hola|bonjour|namaste|namaskar|salaam|salam|merhaba|marhaba|ahlan|hallo|ciao|buongiorno"
    r"|ol[áa]|bom\sdia|buenos\sd[ií]as|buenas(?:\stardes|\snoches)?|guten\s(?:tag|morgen)"
    r"|dzień\sdobry|dzien\sdobry|konnichiwa|ni\s?hao|你好|您好|こんにちは|goedemorgen|hej|hei|moin"
    r"|habari|jambo|sawubona|akwaaba|kia\sora|g'?day|salut|servus|gr[üu]ezi|gr[üu](?:ß|ss)\sgott"
    r"|xin\s?ch[àa]o|ch[àa]o|sawa?s?dee(?:\s(?:krub|khrub|ka|kha))?|sawatdee(?:\s(?:krub|ka))?"
    r"|annyeong(?:haseyo)?|안녕하세요|privet|zdravo|ahoj|szia|shalom|kalimera|kalispera|yassou"
    r"|selam|as-?salaam(?:u)?\s?alaikum|assalam\s?o?\s?alaikum|assalamu\s?alaikum|vanakkam"
    r"|kumusta|kamusta|selamat\s(?:pagi|siang|sore|malam)|tere|labas|sveiki|dobr[ýy]\sden"
    r"|mabuhay|mingalaba|sannu|chale|bonjou|wagwan|howzit|kia\sora\skoutou"
)
#: Thanks ("cam on nhieu", "khob khun krub", "謝謝", "Danke", "sick ty").
THANKS = (
    r"thanks?|thank\syou|thx|tks|tq|ty|ta|cheers|gracias|muchas\sgracias|merci(?:\sbeaucoup)?"
    r"|danke(?:\ssch[öo]n|\ssehr)?|vielen\sdank|dank\sje(?:\swel)?|dank\su|bedankt|dankie"
    r"|obrigad[oa]|grazie(?:\smille)?|asante(?:\ssana)?|medaase|nagode|arigat[ōo]u?(?:\sgozaimasu)?"
    r"|ありがとう(?:ございます)?|shukran|shukriya|dhanyavaa?d|dhanyawaa?d|nandri|nanri|dhonnobad"
    r"|tack|takk|tak|kiitos|ait[äa]h|paldies|a[čc]i[ūu]|dzi[ęe]kuj[ęe]|d[ěe]kuji|k[öo]sz[öo]n[öo]m"
    r"|mul[țt]umesc|hvala|spasibo|спасибо|efharisto|ευχαριστώ|te[şs]ekk[üu]rler|te[şs]ekk[üu]r"
    r"\sederim|sa[ğg]ol|toda(?:\sraba)?|m[èe]si(?:\sanpil)?|salamat(?:\spo)?|terima\skasih"
    r"|(?:ma)?kasih(?:\sbanyak)?(?:\sya)?|matur\snuwun|c[ảa]m\s[ơo]n(?:\snhi[ềe]u)?"
    r"|kh(?:o|a)[pb]\s?kh?un(?:\s(?:krub|khrub|ka|kha|mak|maak))*|xie\s?xie|謝謝|谢谢|多謝|多谢"
    r"|kamsahamnida|감사합니다|고맙습니다|gomawo|ngiyabonga|enkosi|daal[ụu]|e\sse\sun"
    r"|misaotra(?:\sbetsaka)?|mahalo|rahmat|tashakkur|sagol|blagodaram|paldies"
    # (a Persian speaker's "khaste nabashid", said as thanks: "don't be tired!")
    r"|mamnoon|mamnun|khaste\snabashid|don'?t\sbe\stired|do\snot\sbe\stired"
)
#: Goodbyes ("Danke und schönen Tag noch!", "tạm biệt").
BYE = (
    r"bye|goodbye|bye\sbye|see\sya|see\syou|later|ciao|adi[óo]s|adeus|tchau|au\srevoir"
    r"|[àa]\sbient[ôo]t|arrivederci|tsch[üu]ss|auf\swiedersehen|sch[öo]nen\stag(?:\snoch)?"
    r"|hasta\sluego|nos\svemos|kwaheri|sayonara|zai\s?jian|再见|再見|t[ạa]m\sbi[ệe]t|do\ssvidaniya"
    r"|poka|ma'?a?\s?(?:al)?[\s-]?salama|khuda\shafiz|allah\shafiz|alvida|paalam|sampai\sjumpa"
    r"|dadah|hamba\skahle|totsiens|la\sh[ae]"
)

#: Apologies said beside a request or a correction ("Regret the error.", "sorry for the
#: confusion"): courtesy, not a request.
APOLOGY = (
    r"(?:i\s|we\s)?regret\sthe\s(?:error|mistake|confusion|inconvenience)|(?:my\s)?apologies"
    r"(?:\sfor\sthe\s(?:error|mistake|confusion|inconvenience))?|sorry\sfor\sthe\s(?:error|mistake"
    r"|confusion|trouble|inconvenience|typo)|sorry\sabout\sthat|pardon|excuse\sme"
)
#: Yes, as a whole answer to "Remove X? (yes/no)", in the languages users mix in.
YES = (
    r"s[ií](?:\s(?:dale|claro|por\sfavor|se[ñn]or))?|dale|claro|oui|ouais|d'accord|ja|jawohl|jo"
    r"|da|tak|igen|ano|kyll[äa]|joo|sim|ndiyo|ndio|ee|aywa|aiwa|na'?am|haan(?:\sji)?|ha\sji"
    r"|evet|tamam|opo|oo|iya|betul|hai|ken|wi|yebo"
)
#: No, likewise.
NO = r"non|nein|nee|nie|n[ãa]o|nahi|nahin|hapana|la'?a?|hay[ıi]r|hindi|iie|lo|ani|tidak|enggak|nej"

# The polite particles that end a sentence in Thai, Vietnamese, Malay, Tagalog, Japanese and
# Hindi English ("send there krub", "ship ca 2 a", "quickly lah"): courtesy, not words.
_PARTICLE = re.compile(
    r"(?<=\w)[ \t]+(?:krub|khrub|khrap|krap|kha|nha|nhé|nhe|ạ|lah|leh|lor|meh|po|ji|desu|yaar|oo"
    # (Vietnamese "giúp em", "help me", ends a request as "please" would)
    r"|ya|ne|na|a|gi[uú]p\s(?:em|t[oô]i|m[iì]nh|anh|ch[iị])(?:\s(?:nh[eé]|nha|v[oớ]i))?)"
    r"(?=\s*(?:[.!?,;:]|$))",
    re.IGNORECASE | re.MULTILINE,
)
# A sentence-ending "na"/"a"/"ya" follows a content word, never an article's noun phrase: "an
# order of ten na" is no English, but "plan A" and "Tier A" are; a capital stays.
_KEEP_CAPITAL = re.compile(r"\s+[A-Z]$")


def without_particles(text: str) -> str:
    """``text`` without the polite particles that end its sentences."""

    def drop(match: re.Match[str]) -> str:
        if _KEEP_CAPITAL.match(match.group()):
            return match.group()  # "plan A", "Tier A"
        return ""

    return _PARTICLE.sub(drop, text)


# Emoticons: kaomoji in brackets ("(^_^)", "m(_ _)m", "(>_<)", "(^o^)/") and western ones
# (":)", ";-)", ":D", "xD", "^^", "T_T"); they end a sentence like an emoji does.
_KAOMOJI = re.compile(
    r"(?<![\w(])[a-zA-Z]?\((?:[^\w()\n]|_|[oOTvwmxω](?![a-zA-Z])){1,12}\)[/\\]?[a-zA-Z]?(?!\w)"
)
_KAOMOJI_SIGN = re.compile(r"[\^_;><~*=`°・ω'\-]")
_WESTERN = re.compile(
    r"(?<!\S)(?:[:;=][-']?[)(DPpOo3/\\|\]\[]+|xD+|XD+|\^\^|\^_+\^|T_T|-_-|<3|:'\()(?!\S)"
)


def without_emoticons(text: str) -> str:
    """``text`` with its emoticons read as the end of a sentence."""
    for pattern in (_KAOMOJI, _WESTERN):
        text = _ended(pattern, text)
    return text


def _ended(pattern: re.Pattern[str], text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        face = match.group()
        if "(" in face and not _KAOMOJI_SIGN.search(face):
            return face  # "(i)", "(x)": list markers and ticks, not faces
        before = text[: match.start()].rstrip()
        return ". " if before and before[-1].isalnum() else " "

    return pattern.sub(replace, text)
