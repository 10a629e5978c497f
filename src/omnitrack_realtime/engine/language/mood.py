"""A clause's mood, read before its intent: is it a command, a question, a hypothetical, a
negation or a correction, or a dialogue act (yes, no, courtesy, something out of scope)?

The intent rules answer *what* a clause is about; the mood decides what may happen: a
question and a hypothetical never change the twin, a negated clause does nothing, a
correction replaces the last value. Every pattern reads the masked, lower-case clause of
:mod:`.references` (node names are "§", places "¤"), so a node called "Never Mind Ltd" or a
city named "Nice" is never a mood word.
"""

from __future__ import annotations

import re
from enum import Enum

from .courtesy import APOLOGY, BYE, HELLO, NO, THANKS, YES

__all__ = [
    "ALWAYS_OUT_OF_SCOPE",
    "Mood",
    "dialogue_act",
    "mood",
    "out_of_scope_at",
    "out_of_scope_topic",
]


class Mood(Enum):
    COMMAND = "command"
    QUESTION = "question"
    HYPOTHETICAL = "hypothetical"
    NEGATED = "negated"
    CORRECTION = "correction"


_YES = re.compile(
    r"^[^\w§¤]*(?:yes|yeah|yep|yup|ya|yes\splease|sure|ok(?:ay)?|confirm(?:ed)?|correct|right"
    rf"|{YES}"
    r"|do\sit|go\sahead|go\sfor\sit|proceed|please\sdo|absolutely|affirmative|y|of\scourse"
    r"|that'?s\sright|sounds\sgood|let'?s\sdo\sit|yes,?\s(?:do\sit|go\sahead|remove\sit"
    r"|delete\sit|please|confirm))(?:[^\w§¤]+(?:please|thanks|thank\syou|do\sit|go\sahead|over"
    r"|out|over\sand\sout|roger(?:\sthat)?|copy(?:\sthat)?))*[^\w§¤]*$"
)
_NO = re.compile(
    r"^[^\w§¤]*(?:no|nope|nah|n|no\sthanks|no,?\sthank\syou|cancel(?:\sthat|\sit)?|never\s?mind"
    rf"|{NO}"
    r"|forget\s(?:it|that|about\sit)|don'?t|do\snot|stop|abort|leave\sit|keep\sit"
    r"|no,?\s(?:don'?t|keep\sit|leave\sit|cancel|stop|wait)|not\snow|hold\soff|skip\sit"
    r"|scratch\sthat)(?:[^\w§¤]+(?:please|thanks|thank\syou|then))*[^\w§¤]*$"
    # "no, leave it, we still need the space": a no with its reason.
    r"|^[^\w§¤]*(?:actually[^\w§¤]+|oh[^\w§¤]+|hmm+[^\w§¤]+|wait[^\w§¤]+)?(?:no|nope|nah)[^\w§¤]+"
    r"(?:i'?d\sbetter|i\sshould|let\sme|i'?ll|i\swill|i\sneed\sto|i\shave\sto)\s(?:ask|check"
    r"|wait|talk|confirm|run\sit)"
    r"|^[^\w§¤]*(?:no|nope|nah)(?:[^\w§¤]+no)*[^\w§¤]+(?:leave\sit|keep\sit|don'?t|do\snot|not\snow"
    r"|not\syet|cancel"
    r"|never\smind|forget\sit|let'?s\snot|leave\sthem|keep\sthem)\b"
)
_KINDNESS = (
    r"(?:cooperation|co-operation|patience|help|assistance|support|understanding|time|reply"
    r"|response|attention|consideration)"
)
_SMALLTALK = re.compile(
    r"^[^\w§¤]*(?:(?:hi|hello|hey|hiya|howdy|yo|g'?day(?:\smate)?|good\s(?:morning|afternoon|evening)|greetings"
    r"|dzień\sdobry|dzien\sdobry|hola|buenos\sd[ií]as|bonjour|guten\s(?:tag|morgen)|hallo|ciao|buongiorno"
    r"|ol[áa]|bom\sdia|namaste|merhaba|salaam|salam|marhaba|konnichiwa|ni\shao|goedemorgen|hej|moin"
    r"|thanks?|thank\syou(?:\svery\smuch|\sso\smuch)?|thx|ty|cheers|great|perfect|awesome"
    r"|cool|nice|brilliant|excellent|got\sit|understood|noted|bye|goodbye|see\sya|later"
    r"|have\sa\sgood\sone|that'?s\sall|that'?s\sit|all\sgood|much\sappreciated|appreciate\sit"
    r"|many\sthanks|thanks\sso\smuch|thank\syou\skindly|thanks\sa\s(?:lot|million|bunch)"
    r"|copy(?:\sthat)?|roger(?:\sthat)?|wilco|out|over\sand\sout|10-4|top|dank\sje(?:\swel)?|dank\su"
    r"|bedankt|danke(?:\sschön|\ssehr)?|gracias|merci(?:\sbeaucoup)?|grazie(?:\smille)?|obrigad[oa]"
    r"|arigato|dhanyavaad|shukran|tack|takk|kiitos|dziękuję|dziekuje|cheers\smate"
    r"|(?:many\s)?(?:thanks|thank\syou)\s(?:(?:so|very)\smuch\s)?for\s(?:all\s)?(?:your|the|this)\s(?:help|time|patience"
    r"|assistance|support|work)"
    r"|you'?re\sthe\sbest|well\sdone|good\sjob|lovely|wonderful|there|everyone|team|copilot"
    r"|mate|bestie|fam|pal|buddy|again|a\slot|how\sare\syou|how'?s\sit\sgoing|so\smuch|very\smuch"
    r"|that'?s\s(?:really\s|very\s|super\s|so\s)?(?:helpful|useful|great|perfect|clear|good"
    r"|nice|awesome)|(?:really\s|very\s|super\s)?(?:helpful|useful)|you'?re\s(?:a\s)?star"
    r"|makes\ssense|ok\sgot\sit|good\sto\sknow|reassuring|that'?s\sreassuring|good\snews"
    r"|no\sworries|no\sproblem(?:\sat\sall)?|not\sa\sproblem|fair\senough|all\sright|alright"
    r"|a\srelief|phew|i'?m\s(?:a\s)?(?:student|new(?:\shere)?|learning)|just\sstarting(?:\sto"
    r"\slearn)?(?:\sthis\sstuff|\sout)?|learning\sthis\sstuff|danke(?:\sschön)?|merci|gracias"
    r"|obrigad[oa]|grazie(?:\smille)?|ciao|adios|arrivederci|tsch[üu]ss|au\srevoir|for\stoday"
    r"|for\snow|all\sfor\stoday|have\sa\snice\sday|(?:please\s)?bear\swith\sme"
    r"|kia\sora|that'?s\sall\sfrom\sme|end\sof\sshift|over\sand\sout|(?:terima\s)?kasih(?:\sbanyak)?"
    r"|makasih(?:\sbanyak)?(?:\sya)?|matur\snuwun|kak|mas|mbak|pak|bu"
    # "Okay I understand already.": understood, said as a learner says it
    r"|(?:i|we)\s(?:understand|see|get\sit)\s(?:now|already|clearly)"
    r"|vielen\sdank|danke\sschön|muchas\sgracias|merci\sbien|asante(?:\ssana)?|that'?s\sall"
    r"|kwaheri|habari|jambo|salamat(?:\spo)?|shukran|terima\skasih|xie\s?xie|kamsahamnida"
    # a letter's greetings and closings ("Dear Sir/Madam,", "With sincere thanks", "Best regards")
    r"|dear|sirs?|madam|respected|regards|best|kind|kindest|warm|warmest|sincere|sincerely"
    r"|yours|faithfully|truly|with|and|in\sadvance|best\swishes"
    r"|for\syour\s(?:kind\s|prompt\s|valuable\s|continued\s)?"
    + _KINDNESS
    + r"(?:\s(?:and|&)\s"
    + _KINDNESS
    + r")*"
    r"|i\shope\s(?:this|my)\s(?:message|e-?mail|mail|note|letter)\sfinds\syou\swell"
    r"|(?:i\s)?hope\syou\s(?:are|'re)\s(?:well|doing\swell)"
    r"|further\sto\smy\s(?:previous|last|earlier)\s(?:message|e-?mail|note|letter)"
    r"|please\sallow\sme\sto\sask\s(?:a\s|you\sa\s)?(?:question|something)"
    # the same in the languages users mix in, and the slang of approval ("ok sick ty")
    rf"|{HELLO}|{THANKS}|{BYE}|{APOLOGY}|ok|okay|oke|okie|alright|sick|sweet(?:\sas)?|legend|ace|mint|dope|epic|chur|nice\sone"
    r"|(?:und|and|y|et|e)\s(?:sch[öo]nen\stag|buen\sd[ií]a|bonne\sjourn[ée]e)(?:\snoch)?"
    r")[^\w§¤]*)+$"
)

_NEGATED = re.compile(
    r"^[^\w§¤]*(?:(?:and|but|so|oh|ok|okay|also|please|pls)[^\w§¤]+)*(?:(?:actually|wait|hmm)[^\w§¤]+)?"
    r"(?:don'?t|do\snot|dont|never|no\sneed\sto|no\sneed\sfor|not\syet|hold\soff(?:\son)?"
    r"|let'?s\snot|we\sdon'?t\sneed\sto|i\sdon'?t\s(?:want|need)\s(?:you\s)?to|there'?s\sno\sneed\sto"
    r"|skip|forget\sabout|you\sdon'?t\sneed\sto|you\scan\sskip|please\sdon'?t)\b"
    # "Members agreed NOT to connect Sunyani to Accra", "we decided not to add it"
    r"|\b(?:agreed|decided|chose|choose|prefer|preferred|want|wants|asked|told\sus)\s(?:not\sto|to\snot)\b"
    # "..., at Perth, is not yet contracted and ought not to be entered at present"
    r"|\b(?:ought\snot\sto|should\snot|shouldn'?t|must\snot|mustn'?t|is\snot\sto|are\snot\sto)\sbe"
    r"\s(?:entered|added|recorded|created|included|put\sin)\b"
    r"|\b(?:but|and)\s(?:don'?t|do\snot|not)\s(?:\w+\s){0,2}?(?:yet|now|for\snow)\b"
    # "Fukuoka not yet"
    r"|^[^\w§¤]*[\w§¤]+(?:\s[\w§¤]+)?\s+not\s(?:yet|now|for\snow)\W*$"
    # "rename nothing, just show the summary"
    r"|^[^\w§¤]*(?:add|remove|delete|rename|change|connect|disconnect|update|simulate|move)"
    r"\s(?:nothing|none|no\sone|nobody)\b"
)
# "don't connect it yet" negates; "why don't we ..." and "don't you think" propose or ask.
_NOT_A_NEGATION = re.compile(r"\bwhy\s(?:don'?t|not)\b|\bdon'?t\syou\b|\bdo\snot\sknow\b")

_HYPOTHETICAL = re.compile(
    # ("I suppose I should start with ...": a hedge)
    r"\bwhat\s(?:if|happens|would\shappen|will\shappen)\b|\bwhat\sabout\sif\b|(?<!\bi\s)\bsuppose\b"
    r"|\bsupposing\b|\bimagine\b|\bpretend\b|\bhypothetical\w*|\bin\scase\b|\bassum(?:e|ing)\b"
    r"|\bwould\s(?:it|we|that|this|things|the\snetwork)\s(?:\w+\s){0,3}?(?:if|be\saffected"
    r"|cope|survive|hurt|break|suffer|look)\b|\bif\s(?:§+|¤+|it|they|we|the\s\w+)(?:\s\w+){0,4}?\s"
    r"(?:fail\w*|clos\w*|went|goes|go|shut\w*|flood\w*|were|was|had|lost|lose|stopp?\w*|collaps\w*"
    r"|disappear\w*|dies|died|burn\w*|strike\w*|struck)\b"
)
# A polite request is a command, not a question: "can you add a supplier in Lyon?".
_POLITE = re.compile(
    r"^[^\w§¤]*(?:(?:hi|hey|hello|ok|okay|so|and|also|now|then|please|pls)[^\w§¤]+)*"
    r"(?:can|could|would|will|wud|cud|may|might)\s|^[^\w§¤]*(?:is|would)\s(?:it\s)?(?:be\s)?"
    r"(?:possible|great|good|nice|ideal|best|helpful)\sto\b"
    r"|^[^\w§¤]*(?:is|would)\s(?:it|that)\s(?:be\s)?(?:ok|okay|alright|fine|possible)\s(?:if|to)\b"
)
_QUESTION_START = re.compile(
    r"^[^\w§¤]*(?:(?:and|but|so|ok|okay|also|now|then|hmm|oh|quick\squestion)[^\w§¤]+)*"
    r"(?:what|which|who|whom|whose|where|when|why|how|is|are|was|were|does|did"
    r"|(?:has|have|had)\s(?:we|you|i|they|there)|should|shall|am|isn'?t|aren'?t|doesn'?t"
    r"|do(?=\s(?:you|we|i|they|u)\b)"
    r"|any|anything|tell\sme|do\syou\sknow|i\swonder|i'?m\swondering|wondering)\b"
)
_LEAD = (
    r"^[^\w§¤]*(?:(?:no|nope|sorry|oops|ugh|argh|hmm|ah|er+|um+|my\s(?:mistake|bad|error)"
    r"|(?:i\s)?made\sa\s(?:mistake|typo)|(?:wrong|bad)\s(?:city|town|place))[^\w§¤]+)*"
    r"(?:wait[^\w§¤]+)?"
)
_STATUS_WORDS = r"operational|degraded|offline|disrupted|online"
_CORRECTION = re.compile(
    _LEAD + r"(?:(?:sorry|oops)[^\w§¤]+)?(?:i\smeant|i\smean|i\smeant\sto\ssay"
    r"|make\sthat(?!\s(?:link|connection|route|lane)\b)"
    r"|i\sshould\shave\s(?:said|written|typed|put)|(?:it\s)?should\shave\ssaid"
    r"|scratch\sthat|correction|actually|change\sthat\sto|typo|should\shave\sbeen|instead)\b"
    r"|" + _LEAD + r"not\s[¤§]+[\s,]+(?:but\s|i\smean[t]?\s|it'?s\s|it\swas\s|should\sbe\s)?[¤§]+"
    r"|^[^\w§¤]*(?:no|nope|oops|sorry|whoops|my\sbad)[^\w§¤]+(?:wait[^\w§¤]+)?[¤§]+"
    r"|^[^\w§¤]*wait[^\w§¤]+(?:no[^\w§¤]+)?[¤§]+"
    r"|^[^\w§¤]*(?:no[^\w§¤]+)?not\s(?:that|this)\s(?:one|node|site)[^\w§¤]+(?:i\smean[t]?\s)?[¤§]+"
    r"|[¤§]+[^\w§¤]+not\s[¤§]+[^\w§¤]*$|\bnot\s[¤§]+[^\w§¤]*$"
    r"|^[^\w§¤]*[¤§]+\s(?:instead|rather)[^\w§¤]*$"
    r"|\bshould\s(?:be|have\sbeen)\s[\d¤§][^;]*?\snot\s[\d¤§]"
    r"|\b(?:it\swas|it'?s|was|is)\s(?:in\s|at\s)?[\d¤§][^;]*?,?\snot\s(?:in\s|at\s)?[\d¤§]"
    r"|\b(?:it'?s|is|was)\snot\s(?:in\s|at\s)?[¤§]+[\s,]+(?:but\s)?(?:it'?s\s|is\s)?(?:in\s|at\s)?[¤§]"
    # "the warehouse isn't Monterrey, it's Celaya"
    r"|\b(?:isn'?t|wasn'?t|is\snot|was\snot)\s(?:in\s|at\s)?[¤§]+[\s,;]+(?:but\s)?(?:it'?s|it\sis)\s"
    r"(?:in\s|at\s)?[¤§]"
    # "Hmm wait, not offline, degraded.", "degraded, not offline": a status said to be wrong
    # (said after a marker: "Degraded, not offline." beside the change itself is that change)
    r"|^[^\w§¤]*(?:(?:no|nope|sorry|oops|wait|hmm+|actually|hang\son)[^\w§¤]+)+(?:not\s(?:"
    + _STATUS_WORDS
    + r")[\s,]+(?:but\s|i\smean[t]?\s|it'?s\s|should\sbe\s)?(?:"
    + _STATUS_WORDS
    + r")|(?:"
    + _STATUS_WORDS
    + r"),?\s(?:and\s)?not\s(?:"
    + _STATUS_WORDS
    + r"))\b"
    # "no, 12k not 21k": a size said to be wrong
    r"|^[^\w§¤]*(?:(?:no|nope|sorry|oops|wait|actually|correction)[^\w§¤]+)*(?:it'?s\s|it\sis\s"
    r"|make\sit\s|should\sbe\s)?\d[\d,.]*\s?k?(?:\s[a-z]+)?,?\s(?:and\s)?not\s\d[\d,.]*\s?k?\W*$"
    # "no wait, put it in Cape Town, not Stellenbosch - that's where ..."
    r"|^[^\w§¤]*(?:no|nope|wait)\b.*[¤§],?\snot\s(?:in\s|at\s)?[¤§]"
)

_OUT_OF_SCOPE = {
    "book trucks or shipments": (
        # the verb: "book two 40-foot containers", not "the book fair" or "bookstores"
        r"\bbook(?:ing|ed)?\s(?:me\s|us\s)?(?:an?|the|some|\d+|one|two|three|four|five|our|my|space|slots?"
        r"|containers?|trucks?|freight|shipments?|transport|carriers?|couriers?|lorr\w*|vans?|it|them"
        r"|pickups?|capacity|a\sslot)\b(?!\s(?:fair|store|shop|club|launch|tour)s?\b)"
        r"|\bbookings?\b(?!\s(?:fair|store))|\breserve\b|\bcharter\b|\b(?:arrange|organi[sz]e|schedule|dispatch|get)"
        r"\s(?:\w+\s){0,2}?(?:trucks?|lorr(?:y|ies)|vans?|couriers?|containers?|pickups?"
        r"|collections?|transport)\b"
    ),
    "send email or messages": (
        # "text me a summary afterwards", "whatsapp me the list"
        r"\b(?:text|sms|whatsapp|e-?mail|message)\s(?:me|us)\s(?:a|an|the|this|that|it)\b|"
        r"\b(?:send|write|draft|compose|forward|reply)\w*\s(?:\w+\s){0,5}?(?:e-?mails?|letters?"
        r"|messages?|memos?|texts?|sms|notes?|reports?|slack|invites?)\b|\be-?mail\s(?:the|our"
        r"|my|him|her|them|it|to)\b|\bemail\b"
        # "Send that summary to the board members": sending anything to people
        r"|\b(?:send|forward|mail|whatsapp|telegram|sms|text|message)\w*\s(?:\w+\s){0,4}?to\s(?:the\s|our\s|my\s|all\s)?(?:\w+\s)?"
        r"(?:board|team|boss|manager|ceo|cfo|coo|members|people|customers?|clients?|staff|everyone"
        r"|colleagues|investors|him|her|them|me)\b"
        r"|\b(?:post|share|put)\s(?:\w+\s){0,3}?(?:to|on|in|into)\s(?:\w+\s){0,3}?(?:slack|teams"
        r"|channel|chat|twitter|linkedin|whatsapp|group)\b"
        r"|(?<!the\s)(?<!any\s)\bslack\b"  # the app, not "pick up the slack"
    ),
    "call or message people": (
        r"\b(?:call|phone|ring|text|whatsapp|ping|dm|message)\s(?:him|her|them|(?:the|our|my)\s(?:\w+\s)?"
        r"(?:manager|team|driver|drivers|boss|rep|customer|customers|people|crew|supplier\srep"
        r"|vendor\srep|ceo|cfo|office|insurers?|insurance|broker|bank|lawyer|agent|influencers?"
        r"|accountant|landlord|buyers?|planners?|sales|purchasing|procurement|logistics|carrier"
        r"|forwarder|freight\sforwarder|haulier|trucker|union|workers|staff|shift\slead))\b"
    ),
    "handle refunds, invoices or support tickets": (
        # ("our export invoices are in dollars" says why, it asks for no invoice)
        r"\brefunds?\b|(?<!\bwe\s)\binvoices?\b(?!\s(?:are|is|were|get)\s(?:in|paid|issued))"
        r"(?<!our\sexport\sinvoices)(?!\s(?:in|our\scustomers\sin)\s)"
        r"|\b(?:support\s)?tickets?\b|\bchargebacks?\b|\bcustomer\s(?:complaint|service)"
    ),
    "handle taxes, customs or legal filings": (
        r"\bvat\b|\btax(?:es)?\b|\bcustoms\s(?:\w+\s)?(?:declarations?|forms?|paperwork|clearance)\b"
        # "Will customs clear our container in Hamburg by Friday?"
        r"|\bcustoms\s(?:clear|release|inspect|let)\w*\b|\b(?:clear|through)\scustoms\b"
        r"|\b(?:fill\s(?:in|out)|complete|prepare)\s(?:our\s|the\s|an?\s)?(?:\w+\s){0,3}?(?:declarations?"
        r"|paperwork|forms?|certificates?)\b|\bfil(?:e|ing)\s(?:our\s|the\s|an?\s)?"
        r"(?:\w+\s){0,3}?(?:declarations?|returns?|paperwork|forms?|claims?|certificates?|permits?)\b"
        r"|\b(?:open|raise|submit|lodge|make)\s(?:an?\s|the\s)?(?:insurance\s)?claim\b"
        # "file the phytosanitary certificate for tomorrow's shipment"
        r"|\b(?:phytosanitary|export|import|health|origin)\s(?:certificates?|permits?|licen[cs]es?)\b"
        r"|\b(?:import|export)\sdut(?:y|ies)\b|\btariff\sfilings?\b"
    ),
    "get quotes from carriers": (
        r"\bquotes?\b|(?<![\w-])(?:dhl|fedex|ups|maersk|msc|db\sschenker|kuehne|cma\scgm)\b"
        r"|\bfreight\srates?\b|\b(?:freight|shipping|transport|trucking|delivery|haulage)\s"
        r"(?:costs?|prices?|rates?|charges?|fees?)\b|\bcost\sper\s(?:pallet|container|unit|kg"
        r"|kilo|ton|tonne|shipment|truck|mile|km)\b"
    ),
    "place orders or payments": (
        # ("send the Kampala distributor a purchase order": the order sent to someone)
        r"\b(?:raise|issue|send|create|place)\s(?:[^.?!,;]{1,40}?\s)?(?:a\s|an\s)?(?:po|p\.o\."
        r"|purchase\sorders?)\b|"
        r"\b(?:place|make|submit|cancel)\s(?:an?\s|the\s)?(?:purchase\s)?(?:orders?|payments?"
        r"|invoices?)\b|\bpay\s(?:the|our|them|for|\d)|\b(?:purchase|buy)\s\d|\border\s\d"
        # "order a fresh batch of zinc-air cells from them"
        r"|\b(?:order|re-?order|purchase)\s(?:a\s|an\s|some\s|more\s|the\s)?(?:\w+\s){0,2}?(?:batch"
        r"|lot|shipment|consignment|pallets?|boxes|units|cases|containers?)\b"
        # "Could you possibly order more malt from the Cork supplier for me?"
        r"|(?:\b(?:can|could|would|will)\s(?:you|u)\s(?:\w+\s)?|\bplease\s|^\W*)(?:order|re-?order"
        r"|purchase|buy)\s(?:more|some|extra|another|in)\b"
        # "And order six new forklifts online."
        r"|\b(?:order|buy|purchase)\s(?:(?:one|two|three|four|five|six|seven|eight|nine|ten|a|an|some"
        r"|\d+)\s)?(?:new\s|more\s|spare\s)?(?:\w+\s){0,2}?(?:online|on\samazon|from\s(?:amazon|ebay))\b"
    ),
    "negotiate prices or contracts": (
        r"\b(?:re-?)?negotiat(?!ed\b)\w*\b|\bhaggle\b|\b(?:sign|draft|renew|review)\s(?:a\s|the\s|our\s)?"
        r"(?:\w+\s)?contracts?\b|\b(?:get|ask\sfor|push\sfor)\s(?:a\s)?(?:better\s)?(?:price|discount)s?\b"
    ),
    "check the weather": (
        r"\bweather\b|\bforecast\b|\btemperatures?\b(?![\s-](?:sensitive|controlled))"
        # "Is it going to rain in Oaxaca this weekend?"
        r"|\b(?:is\sit|will\sit|gonna|going\sto)\s(?:\w+\s)?(?:rain|snow|storm|be\s(?:sunny|hot|cold|windy))\b"
        # "Will Highway 2 be snowed in this week?"
        r"|\b(?:be|get|gets|getting|been)\s(?:snowed|iced|flooded|rained)\s(?:in|out|under)\b"
        r"|\b(?:snowstorms?|blizzards?|heatwaves?)\s(?:coming|expected|forecast)\b"
    ),
    "look up prices, markets or news": (
        r"\bstock\sprices?\b|\bshare\sprices?\b|\bexchange\srates?\b|\bmarkets?\sprices?"
        # the news to read, not "sad news, the Ottawa shop never took off"
        r"|\b(?:the|latest|today'?s|any|read|check|show\sme)\s(?:\w+\s)?news\b|\bnews\s(?:about|on|from|today)\b"
        r"|\bheadlines\b"
        r"|\b(?:fuel|diesel|petrol|gasoline|bunker)\sprices?\b|\bprices?\sof\b|\bcost\sof\s(?:shipping|freight)\b"
        # "What's the going price for dried apricots in Hamburg these days?"
        r"|\b(?:going|current|market|spot|latest|today'?s|wholesale|retail)\s(?:price|rate)s?\b"
        r"|\bprices?\sfor\s(?!(?:the|our|my)\s(?:simulation|scenario|risk))"
        # "What's the cotton price today?": a commodity's price now
        r"|\bprices?\s(?:today|now|right\snow|this\s(?:week|morning)|at\sthe\smoment)\b"
        r"|\bwhat'?s\s(?:the\s)?(?:[\w-]+\s){1,2}prices?\b"
        # "What will nitrile prices do next quarter?": a market forecast
        r"|\bwhat\s(?:will|would|are)\s(?:\w+\s){0,2}?prices?\s(?:do|be|going)\b"
        r"|\bprices?\s(?:\w+\s)?(?:next|this)\s(?:week|month|quarter|year)\b"
        r"|\b(?:will|are)\s(?:\w+\s){0,2}?prices?\s(?:go|rise|fall|drop|increase)\b"
        r"|\b(?:fx|forex|conversion)\s(?:rates?|today)\b|\b[a-z]{3}\s(?:to|/|vs)\s[a-z]{3}\s(?:exchange\s)?rate\b"
        # "What's the shilling to euro rate today?": a currency's rate against another
        r"|\b(?:[a-z]+\s)?(?:shillings?|euros?|dollars?|pounds?|yen|yuan|rupees?|pesos?|reais|real"
        r"|rand|francs?|krona|kronor|lira|dirhams?|riyals?|won|baht|ringgit|dong|naira|cedis?)\s"
        r"(?:to|/|vs\.?|against)\s(?:the\s)?[a-z]+\s(?:exchange\s)?rate\b"
        # "what's black tea fetching at the Mombasa auction this week?"
        # (an auction's news or prices, not where goods wait: "kept in our warehouse in Mombasa
        # before the tea auction")
        r"|\b(?:at|from|in|on)\s(?:the\s|this\sweek'?s\s|today'?s\s|last\sweek'?s\s)?(?:(?!(?:for|before|after|until|to)\b)[\w¤§-]+\s){0,2}?"
        # ("The buyers at the auction pay in dollars": why the currency, not its prices)
        r"auctions?\b(?!\s(?:pays?|paid)\b)|\bauction\s(?:prices?|results?|rates?|levels?|news)\b"
        r"|\bhow\s(?:did|was|is|were|'?s)\s(?:the\s|this\sweek'?s\s|today'?s\s)?(?:[\w-]+\s)?auction"
        r"|\bwhat(?:'?s|\sis|\sare|\sdoes|\sdo)\s(?:\w+\s){1,4}?(?:fetching|selling\sfor"
        r"|trading\sat|going\sfor|sell\sfor)\b"
        # trade terms quote a price: "FOB Callao", "CIF Rotterdam"
        r"|\b(?:fob|cif|cfr|exw)\b"
    ),
    "schedule meetings": (
        r"\b(?:schedule|set\sup|arrange|book)\s(?:a\s)?(?:meeting|call|calendar)"
        # "Can you put a reminder in my calendar to re-check this on Monday?"
        r"|\b(?:set|put|add|create|make|schedule)\s(?:me\s)?(?:a\s|an\s)?(?:\w+\s)?reminders?\b"
        # ("Remind me which currency we're on" asks for the setting)
        r"|\bremind\s(?:me|us|the\steam)\s(?:to|on|at|tomorrow|tonight|next|later|in\s(?:a|an|\d))\b|\b(?:in|to|on|into)\s(?:my|our|the\steam'?s?)\scalendars?\b"
        # "block out my calendar on Friday", "clear my diary"
        r"|\b(?:block|blocks|blocking)\s(?:out|off)\s(?:my|our|the\steam'?s?)\s(?:calendars?|diary|diaries)\b"
        r"|\b(?:block|clear|free\sup|check)\s(?:my|our)\s(?:calendars?|diary)\b"
    ),
    "track lead times, transit times or costs": (
        r"\b(?:lead|transit|delivery|travel|shipping|turnaround)\s?times?\b|\b(?:how\s(?:long|many"
        r"\sdays)\sdoes\sit\stake)\b|\bhow\smuch\s(?:does|do|would|will)\s(?:\S+\s){0,4}?cost\b"
        r"|\b(?:freight|shipping|transport|landed|unit)\s(?:costs?|rates?"
        r"|prices?)\b|\bcost\sper\s(?:unit|container|pallet|shipment)\b"
        # the margins themselves, not "what could hit margins" (the risks to them)
        r"|\b(?<!hit\s)(?<!hurt\s)(?<!into\s)(?<!hit\sour\s)(?<!hurt\sour\s)(?<!into\sour\s)margins?\b"
    ),
    # ("carbon bicycle frames", "carbon fibre": a material, not emissions)
    "measure emissions": r"\bemissions?\b|\bcarbon\b(?!\s(?:fib(?:re|er)|bicycle|bike|frames?|steel"
    r"|black|brushes|parts|composites?|plates?|rods?|tubes?|wheels?))|\bco2\b|\bfootprint\b"
    r"|\bsustainab\w*",
    "track shipments or trucks": (
        r"\btrack\w*\s(?:the\s|my\s|our\s|a\s)?(?:shipments?|trucks?|parcels?|packages?"
        r"|containers?|orders?)\b|\bwhere\sis\s(?:my|our|the)\s(?:shipment|truck|order|parcel"
        r"|container)\b"
    ),
    "hire or manage staff": (
        r"\b(?:hire|recruit|payroll|salar(?:y|ies))\b|\bfire\s(?:him|her|them|someone|staff|people"
        r"|drivers?|workers?|the\s(?:\w+\s)?(?:manager|driver|team|crew|staff))\b"
    ),
    "tell jokes or chat about other topics": (
        # ("books" a printer ships are goods: only books to read are another topic)
        r"\bjokes?\b|\bpoems?\b|\bsongs?\b|\brecipes?\b|\bsports?\b|\btextbooks?\b"
        r"|\b(?:recommend|suggest|good|best|favou?rite|read|reading)\s(?:me\s)?(?:a\s|some\s)?(?:good\s)?books?\b"
        r"|\bmovies?\b|\brestaurants?\b"
    ),
    "run personal errands": (
        # "Order me a coffee while you're at it": an errand for the user, not the network
        r"\b(?:order|get|fetch|bring|make|call)\s(?:me|us)\s(?:a\s|an\s|some\s)?(?:coffee|tea|lunch"
        r"|pizza|sandwich|snacks?|drinks?|beers?|breakfast|dinner|food|taxi|cab|uber)\b"
    ),
    "print labels or documents": (
        r"\bprint\w*\s(?:me\s|us\s|out\s)?(?:some\s|the\s|a\s|our\s)?(?:\w+\s)?(?:labels?|documents?"
        r"|invoices?|forms?|stickers?|packing\slists?|waybills?|manifests?|bills?\sof\slading)\b"
        r"|\b(?:shipping|address|pallet)\slabels?\b"
        # "can you send it to the office printer?" (a printer we buy from is a partner)
        r"|\bto\s(?:the|my|our)\s(?:office\s|network\s|nearest\s)?printer\b|\bprint\s(?:it|this|that|them)\b"
    ),
    "make slides or presentations": (
        # "Make a PowerPoint of that for my boss"
        r"\b(?:power\s?point|pptx?|slide\s?decks?|keynote)\b|\b(?:make|build|create|prepare|put"
        r"\stogether|do)\s(?:me\s|us\s)?(?:a\s|some\s|the\s)?(?:few\s)?(?:slides|deck|presentation)\b"
    ),
    "export files": (
        # ("Setting up our export network", "our export side": the export business)
        r"(?<!\bour\s)(?<!\bup\s)(?<!\bthe\s)(?<!\ban\s)(?<!\bmy\s)"
        r"\b(?:export|download)\s(?:the\s|my\s|our\s|this\s|a\s)?(?:network|data|list|file"
        r"|report|results|it|them|everything|to)\b"
        # "as a PDF", "into Excel"; not "the sites straight off my spreadsheet"
        r"|\b(?:as|into|to|in|an?)\s(?:an?\s)?(?:pdf|excel|spreadsheet|csv)\b(?!\s*:)"
        r"|\b(?:pdf|excel|spreadsheet|csv)\s(?:export|file|report|version|copy)\b"
    ),
    "translate": (
        r"\btranslat\w*|\bhow\s(?:do|would)\syou\ssay\b"
        r"|\bin\s(?:german|french|spanish|italian|chinese|japanese)\?"
    ),
    "sync with other systems (SAP, ERP, spreadsheets)": (
        r"\b(?:sync\w*|integrat\w*|import\w*|upload\w*|push\w*|pull\w*)\b.{0,40}?\b(?:sap|erp|crm"
        r"|salesforce|oracle|netsuite|systems?|instance|database|sheets?)\b|\bsap\b|\berp\b"
    ),
}
_OUT_OF_SCOPE_RE = re.compile(
    "|".join(f"(?P<g{i}>{pattern})" for i, pattern in enumerate(_OUT_OF_SCOPE.values()))
)
_TOPICS = tuple(_OUT_OF_SCOPE)
#: Topics that no node or place in the clause can turn into a request.
ALWAYS_OUT_OF_SCOPE = frozenset(
    ("check the weather", "tell jokes or chat about other topics", "send email or messages")
)


def dialogue_act(m: str) -> str | None:
    """``"yes"``, ``"no"`` or ``"smalltalk"`` when the whole (masked, lower-case) message is
    only that, else None."""
    if _YES.match(m):
        return "yes"
    if _NO.match(m):
        return "no"
    if _SMALLTALK.match(m):
        return "smalltalk"
    return None


def out_of_scope_topic(m: str) -> str | None:
    """What the clause asks that no intent serves ("book trucks or shipments"), else None."""
    found = out_of_scope_at(m)
    return found[0] if found is not None else None


def out_of_scope_at(m: str) -> tuple[str, int] | None:
    """The out-of-scope topic of a clause and where its words start, else None."""
    match = _OUT_OF_SCOPE_RE.search(m)
    if match is None or match.lastgroup is None:
        return None
    return _TOPICS[int(match.lastgroup[1:])], match.start()


# "I suppose we should probably add a store in Manchester as well, go ahead": said for real
_GO_AHEAD = re.compile(r"\b(?:go\sahead|just\sdo\sit|do\sit|please\sdo|make\sit\sso)\W*$")


def mood(m: str) -> Mood:
    """The mood of one masked, lower-case clause."""
    if _NEGATED.search(m) and not _NOT_A_NEGATION.search(m):
        return Mood.NEGATED
    if _CORRECTION.search(m):
        return Mood.CORRECTION
    if _HYPOTHETICAL.search(m) and not _GO_AHEAD.search(m):
        return Mood.HYPOTHETICAL
    if _POLITE.match(m):
        return Mood.COMMAND
    if _QUESTION_START.match(m) or m.rstrip().endswith("?"):
        return Mood.QUESTION
    return Mood.COMMAND
