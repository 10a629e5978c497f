"""The words the parser knows: node types, statuses, scenarios, severities, industries,
currencies, shipping methods, risk levels, the verbs of adding a node, and the keywords the
typo corrector may correct to.

Each table maps a value of :mod:`..commands` to a regular-expression alternation of the ways
people say it; a compiled pattern with one named group per value finds them (a group name is
the value with "-" as "_"). Pure; everything is built once at import.
"""

from __future__ import annotations

import re

from ..commands import ADD_INTENTS, DEFAULT_NAME_WORD

_STORE_NOUN = r"(?:warehouses?|whs?|whses?|depots?)\b"
_TYPE_PATTERNS = {
    "distribution_center": (
        r"distribution\s(?:cent(?:er|re)s?|hubs?|facilit(?:y|ies)|points?|sites?|warehouses?)"
        r"|fulfil{1,2}ment\s(?:cent(?:er|re)s?|hubs?)|cross[\s-]?docks?(?!\s" + _STORE_NOUN + ")"
        r"|dcs?|distributors?|dist(?:ribution)?\.?\s(?:ctrs?|cntrs?)|cedis"
        r"|centros?\sde\sdistribuci[oó]n|centros?\sde\sdistribui[cç][aã]o"
        r"|distribution|hubs?(?!\s" + _STORE_NOUN + ")"
    ),
    "manufacturer": (
        r"manufacturing\s(?:plants?|sites?|facilit(?:y|ies)|centers?|hubs?)|manufacturers?"
        r"|production\s(?:sites?|plants?|facilit(?:y|ies)|lines?)|assembly\s(?:plants?|lines?)"
        r"|factor(?:y|ies)|plants?|fabs?|mills?|foundr(?:y|ies)|makers?|mfgs?|mfrs?|manufs?"
        # Portuguese and Spanish "fábrica" ("our fabric in Braga"), not cloth
        r"|f[aá]bricas?|fabric(?=\s(?:in|at|of|near)\s)"
        r"|sawmills?|refiner(?:y|ies)|smelters?|breweries|brewery|bottlers?|canner(?:y|ies)"
        r"|packing\s(?:plants?|houses?)|packhouses?|processing\s(?:plants?|facilit(?:y|ies)|sites?)"
        r"|roaster(?:y|ies)|roasting\s(?:plants?|facilit(?:y|ies))|creamer(?:y|ies)|distiller(?:y|ies)"
        r"|dairy\splants?|bottling\s(?:plants?|lines?)"
        # "our roasting place", "the production site": where the goods are made
        r"|(?:roasting|production|bottling|brewing|baking|sewing|packing)\s(?:places?|sites?|units?|rooms?)"
        # Spanish, French, Italian and German words for a plant said inside English
        r"|plantas?(?=\s(?:in|en|at|de|that|which|near|ships|sends|supplies)\b)|(?<=the\s)plantas?"
        r"|usines?|fabbric(?:a|he)|fabrieken|fabriek|fabriken|fabrik(?=\s(?:in|at|near)\s)"
    ),
    "warehouse": (
        # "a cross-dock warehouse": the last noun says what the node is.
        r"(?:cross[\s-]?dock(?:ing)?|hub)\s"
        + _STORE_NOUN
        + r"|warehouses?|depots?|storage\s(?:facilit(?:y|ies)|sites?|units?|centers?|locations?)"
        # "a big store shed in Mombasa": where goods wait, not a shop
        r"|(?:store|storage)\s?sheds?"
        r"|stockrooms?|storehouses?|storage|whs?|whses?|(?:wear|ware)\shouses?|armaz[ée]ns?"
        r"|(?:lumber|timber|storage|container|stock|rail)\s?yards?|stockyards?|silos?|grain\selevators?"
        # "the cold store at Schiphol": a refrigerated warehouse, not a shop
        r"|(?:cold|chilled|frozen|bonded|central)[\s-](?:stores|store)(?!\s(?:of|chain))"
        r"|bodegas?|almac[eé]n(?:es)?|entrep[ôo]ts?|magazzin[oi]"
    ),
    "supplier": (
        r"sub[\s-]?suppliers?|suppliers?|vendors?|sourcing\spartners?|(?<!-)sources?(?!-)"
        # ops shorthand: "sup shenzhen 8k", "link sup -> mfg"
        r"|supps?|supl|sups?(?=\s+[A-Za-z§¤]|\s*(?:->|→|=>))|(?<=->\s)sups?\b|(?<=→\s)sups?\b"
        r"|mines(?=\s+(?:in|at|near)\s)|(?<!\bof\s)(?<!\bis\s)mine(?=\s+(?:in|at|near)\s)"  # a mine
        r"|proveedor(?:es)?|fornecedor(?:es)?|fournisseurs?|fornitor[ei]|lieferant(?:en)?"
    ),
    "retailer": (
        r"retail\s(?:stores?|shops?|locations?|outlets?|sites?|points?)|retailers?|stores?"
        r"|shops?|outlets?|boutiques?|points?\sof\ssale|tiendas?|lojas?|magasins?|negozi[oi]"
        r"|bookstores?|bookshops?|pop[\s-]?ups?(?:\s(?:stores?|shops?))?|showrooms?"
    ),
}
#: Every node-type word, as one alternation for other patterns to embed.
_TYPES = "|".join(_TYPE_PATTERNS.values())
_TYPE_RE = re.compile(
    r"\b(?:" + "|".join(f"(?P<{t}>{p})" for t, p in _TYPE_PATTERNS.items()) + r")\b",
    re.IGNORECASE,
)
_ADD_INTENT = ADD_INTENTS
#: What a bare type reference ("the store") carries as text: the word the twin ends default
#: names with ("Sydney Store"), so a partial-name match finds the node.
_DEFAULT_NAME_WORD = {node_type: word.lower() for node_type, word in DEFAULT_NAME_WORD.items()}
_TYPE_LABEL = {
    "supplier": "supplier",
    "manufacturer": "manufacturer",
    "warehouse": "warehouse",
    "distribution_center": "distribution center",
    "retailer": "retailer",
}

_STATUS_WORDS = {
    "operational": (
        r"operational|back\s(?:online|up|in\sservice|to\snormal)|online|up\sand\srunning"
        r"|restored|recovered|running\s(?:again|normally|fine)|working\s(?:again|fine|normally)"
        r"|healthy|active"
    ),
    "degraded": r"degraded|impaired|partially\s\w+|struggling|slowed|limping|reduced\scapacity",
    "disrupted": r"disrupted|disruption|interrupted|hit\sby|impacted|affected",
    "offline": (
        # ("down to 12,000 stems", "down by 20%": a size that fell, not a site that stopped)
        r"offline|off[\s-]line|down(?!\s(?:to|by)\s+(?:about\s|around\s|roughly\s|just\s)?[\d.,]+)|out\sof\s(?:service|action|order)|shut\sdown|shutdown"
        r"|closed|inactive|unavailable|dark|not\s(?:working|running|operating|producing|operational|online|active)"
        r"|stopped\s(?:working|running|operating)"
    ),
}
_STATUS_RE = re.compile(
    r"\b(?:" + "|".join(f"(?P<{s}>{p})" for s, p in _STATUS_WORDS.items()) + r")\b",
    re.IGNORECASE,
)

_SCENARIO_WORDS = {
    "natural-disaster": (
        r"natural\sdisasters?|earthquakes?|quakes?|typhoons?|hurricanes?|cyclones?|floods?"
        r"|flooding|tsunamis?|storms?|wildfires?|(?<!alerts\s)(?<!alarms\s)fires?|volcan\w*|tornado\w*|droughts?"
        r"|blizzards?|snowstorms?|heat\s?waves?|landslides?|monsoons?"
    ),
    "cyber-attack": (
        r"cyber[\s-]?attacks?|cyber\w*|ransomware|hack\w*|malware|ddos|data\sbreach|it\soutage"
    ),
    "geopolitical": (
        r"geopolitic\w*|sanctions?|tariffs?|trade\swars?|wars?|embargo\w*|political\w*"
        r"|conflicts?|coup|unrest|border\sclosures?|export\s(?:ban|controls?)"
    ),
    "labor-shortage": (
        r"labou?r\s(?:shortages?|strikes?|disputes?|issues?)|labou?r|workers?\sshortages?"
        r"|staff(?:ing)?\sshortages?|strikes?|walkouts?|worker\w*|staffing"
        r"|call(?:s|ed|ing)?\sin\ssick|sick\s(?:leave|days?|outs?)|absentee\w*"
    ),
    "quality-issue": (
        r"quality(?:\sissues?|\sproblems?|\sfailures?)?|recalls?|defects?|defective"
        r"|contaminat\w*|faulty"
    ),
    "transportation-delay": (
        r"transport(?:ation)?\sdelays?|shipping\sdelays?|logistics\s(?:delays?|disruptions?)"
        r"|freight\sdelays?|delays?|delayed|congestion|late\sshipments?|transit\sdisruptions?"
        r"|canals?|straits?|shipping\slanes?\s(?:\w+\s)?(?:closed|blocked)"
        r"|(?:shipments?|cargo|goods|containers?|freight|orders?|deliveries|trucks?)\s(?:\w+\s)?"
        r"(?:stuck|held\sup|backed\sup)|customs\s(?:delays?|holds?|hold-?ups?|checks?)|at\scustoms"
        # "the CN rail line is blocked", "the highway is closed": the route, not a node
        r"|(?:rail(?:way)?|train|road|highway|motorway|interstate|trucking|sea|shipping|freight)"
        r"(?:\s(?:\w+\s)?(?:lines?|lanes?|routes?|links?|corridors?|network|service))?\s(?:is\s|are\s|gets?\s"
        r"|was\s|were\s|being\s)?(?:blocked|closed|cut|disrupted|down|shut|out|suspended|halted)"
        r"|derail\w*|(?:rail|train|trucking)\s(?:strikes?|stoppages?|outages?)"
        r"|(?:lead|transit|delivery|shipping)\s?times?\s(?:\w+\s)?(?:doubl\w*|tripl\w*|increas\w*|ris\w*"
        r"|go(?:es)?\sup|grow\w*|jump\w*|get\slonger|slip\w*)"
    ),
    "supplier-failure": r"supplier\sfailures?|vendor\sfailures?|supplier\sbankruptc\w*",
    "demand-spike": r"demand\s(?:spikes?|surges?|shocks?)",
}
_SCENARIO_RE = re.compile(
    r"\b(?:"
    + "|".join(f"(?P<{s.replace('-', '_')}>{p})" for s, p in _SCENARIO_WORDS.items())
    + r")\b",
    re.IGNORECASE,
)

_SEVERITY_WORDS = {
    "critical": (
        r"critical|catastrophic|extreme|massive|devastating|worst[\s-]case|huge|disastrous"
        r"|crippling"
    ),
    "high": r"high|major|severe|serious|big|large|significant|strong|heavy|bad",
    "medium": r"medium|moderate|mid|average|normal|medium[\s-]sized",
    "low": r"low|minor|mild|small|light|slight|minimal|little",
}
_SEVERITY_RE = re.compile(
    r"\b(?:" + "|".join(f"(?P<{s}>{p})" for s, p in _SEVERITY_WORDS.items()) + r")\b",
    re.IGNORECASE,
)

_INDUSTRY_WORDS = {
    "electronics": (
        r"consumer\selectronics|electronics?|semiconductors?|semis|chips?|microchips?|tech"
        r"|hardware|computers?|devices?|(?:smart\s?|mobile\s|cell\s)?phones?|laptops?|tablets?"
        r"|gadgets?|pcs|consumer\stech"
    ),
    "automotive": r"automotive|auto(?:mobiles?|s)?|cars?|vehicles?|evs?|car\sparts",
    "pharmaceuticals": (
        r"pharma\w*|drugs?|medicines?|medical|healthcare|health\scare|biotech|life\ssciences"
    ),
    "food-beverage": (
        r"food(?:\s(?:and|&)\s(?:beverages?|drinks?))?|beverages?|f\s?&\s?b|fnb|drinks?"
        r"|groceries|grocery|fmcg|cpg|food-beverage"
    ),
    "fashion": (
        r"fashion|apparel|clothing|clothes|garments?|textiles?|footwear|shoes|luxury\sgoods"
    ),
    "chemicals": r"petro\s?chemicals?|chemicals?|chemistry|specialty\schemicals",
}
_INDUSTRY_RE = re.compile(
    r"(?<![\w&])(?:"
    + "|".join(f"(?P<{s.replace('-', '_')}>{p})" for s, p in _INDUSTRY_WORDS.items())
    + r")(?![\w&])",
    re.IGNORECASE,
)

_CURRENCY_WORDS = {
    "USD": (
        r"usd|us\s?dollars?|u\.s\.\sdollars?|american\s(?:dollars?|currency)|dollars?|bucks|\$"
    ),
    "EUR": r"eur|euros?|€",
    "GBP": r"gbp|british\s(?:pounds?|currency)|pounds?(?:\ssterling)?|sterling|quid|£",
    "CNY": r"cny|rmb|yuan|renminbi|chinese\s(?:yuan|currency)",
    "JPY": r"jpy|yen|japanese\s(?:yen|currency)|¥",
    "INR": r"inr|rupees?|indian\s(?:rupees?|currency)|₹|rs\.?(?=\s?\d)",
    "CAD": r"cad|canadian\s(?:dollars?|currency)|loonies?",
    "AUD": r"aud|australian\s(?:dollars?|currency)|aussie\sdollars?",
    "NZD": r"nzd|new\szealand\s(?:dollars?|currency)|kiwi\sdollars?",
    "SGD": r"sgd|singapore(?:an)?\s(?:dollars?|currency)",
    "HKD": r"hkd|hong\skong\s(?:dollars?|currency)",
    "CHF": r"chf|swiss\s(?:francs?|currency)|francs?",
    "SEK": r"sek|swedish\s(?:kron(?:a|or)|currency)|kronor",
    "NOK": r"nok|norwegian\s(?:kron(?:e|er)|currency)",
    "DKK": r"dkk|danish\s(?:kron(?:e|er)|currency)",
    "PLN": r"pln|z[lł]ot(?:y|ys|ych|e|ówka)|polish\scurrency",
    "KRW": r"krw|korean\s(?:won|currency)",
    # (bare "pesos": the one peso the twin knows, as bare "dollars" is USD)
    "MXN": r"mxn|mexican\s(?:pesos?|currency)|pesos?",
    "BRL": r"brl|reais|brazilian\s(?:reais|real|currency)|r\$",
    "ZAR": r"zar|rand|south\safrican\s(?:rand|currency)",
    "AED": r"aed|dirhams?|emirati\scurrency",
    "SAR": r"sar|riyals?|saudi\s(?:riyals?|currency)",
    "TRY": r"turkish\s(?:lira|currency)|lira",  # not "try"
    "THB": r"thb|baht|thai\scurrency",
    "MYR": r"myr|ringgit|malaysian\scurrency",
    "IDR": r"idr|rupiah|indonesian\scurrency",
    "VND": r"vnd|vietnamese\s(?:dong|currency)",
    "NGN": r"ngn|naira|nigerian\scurrency|₦",
    "KES": r"kes|kenyan\s(?:shillings?|currency)|ksh",
    "GHS": r"ghs|cedis?|ghanaian\scurrency",
    "EGP": r"egp|egyptian\s(?:pounds?|currency)",
    "PHP": r"php|philippine\s(?:pesos?|currency)|piso",
    "COP": r"colombian\s(?:pesos?|currency)",
    "CLP": r"clp|chilean\s(?:pesos?|currency)",
    "ARS": r"argentin(?:e|ian)\s(?:pesos?|currency)",
    "PEN": r"soles|peruvian\s(?:soles?|currency)",
    "PKR": r"pkr|pakistani\s(?:rupees?|currency)",
    "BDT": r"bdt|taka|bangladeshi\scurrency",
    "UAH": r"uah|hryvnias?|ukrainian\scurrency",
    "HUF": r"huf|forints?|hungarian\scurrency",
    "CZK": r"czk|korunas?|czech\s(?:crowns?|korunas?|currency)",
    "ILS": r"ils|shekels?|israeli\s(?:shekels?|currency)",
    "TWD": r"twd|nt\$|taiwan(?:ese)?\s(?:dollars?|currency)",
}
_CURRENCY_RE = re.compile(
    r"(?<![\w$€£¥])(?:"
    + "|".join(f"(?P<{c}>{p})" for c, p in _CURRENCY_WORDS.items())
    + r")(?![\w])",
    re.IGNORECASE,
)

_METHOD_WORDS = {
    "express": r"express|couriers?|expedited|overnight|next[\s-]day",
    "air": r"air(?:\s?(?:freight|cargo|shipping|transport))?|airfreight|planes?|flights?|by\sair",
    "rail": r"rail(?:ways?|roads?)?|trains?|freight\strains?",
    "truck": r"trucks?|trucking|road(?:\sfreight|\stransport)?|lorr(?:y|ies)|ground",
    "sea": r"sea(?:\s?freight)?|ocean(?:\sfreight)?|maritime|vessels?|container\sships?|boats?",
}
_METHOD_RE = re.compile(
    r"\b(?:" + "|".join(f"(?P<{m}>{p})" for m, p in _METHOD_WORDS.items()) + r")\b",
    re.IGNORECASE,
)

_RISK_LEVEL_WORDS = {
    "low": (
        r"low|lowest|minimum|conservative|cautious|risk[\s-]averse|averse|minimal|safe|careful"
        r"|less|little"
    ),
    "medium": r"medium|moderate|balanced|normal|standard|mid|middle|middling|intermediate",
    "high": r"high|highest|maximum|aggressive|bold|risk[\s-](?:tolerant|taking|seeking)|tolerant"
    r"|risky|adventurous|more|lots\sof"
    r"|a\slot\sof|plenty\sof",
}
_RISK_LEVEL_RE = re.compile(
    r"\b(?:" + "|".join(f"(?P<{lvl}>{p})" for lvl, p in _RISK_LEVEL_WORDS.items()) + r")\b",
    re.IGNORECASE,
)

#: Words the typo corrector knows. Words of five letters or more one edit away from one of
#: these (eight letters or more: two edits) are corrected to it; these words and the common
#: words below are never changed.
_KEYWORDS = """
supplier suppliers vendor vendors manufacturer manufacturers manufacturing factory factories
warehouse warehouses distribution distributor distributors center centers centre centres
retailer retailers retail outlet outlets store stores plant plants depot depots storage
anomaly anomalies anomalous outlier outliers unusual bottleneck bottlenecks utilization
utilisation utilized utilised simulate simulation simulations scenario scenarios summary
summarize summarise overview network capacity inventory status connect connection
connections disconnect remove delete update change increase decrease region industry currency
shipping shipment shipments alerts alert warnings warning alarms details detail information
identify risks vulnerable vulnerability vulnerabilities calculate earthquake typhoon hurricane
disaster transportation transport delays delay geopolitical shortage quality severity
critical medium operational degraded disrupted offline online relocate aggressive
conservative electronics automotive pharmaceuticals pharmaceutical chemicals chemical fashion
apparel beverage beverages express between demand closure closed closes failure fails
bankrupt doubles triples percent weeks hours months recent notifications choke points
analyze analyse analysis property profile tolerance appetite railway freight trucking
please create remove establish register onboard decommission capacity units thousand
million anything something whether overloaded utilisation locate located called named
instead actually capacities upstream downstream everything system
"""
_COMMON = """
about above after again against before being below could doing during every further
having other over should their there these those through under until where which while
would place places plans plane remote enter score chance state states stated short shore
sport river rivers stone notes modes routes route later alter items deliver terms cases
needs north south great power paris since still thing think three today where world years
month weeks hours there sales scale share model models trade brand price prices shall
stake stock stocks spend spent ports storm storms started planet first second
supplies supplied supply supplying supple falls fallen fells hails tails mails nails rails
sails wails fairs faith cloves clones stones stoves stares scores snore plank slant giant
relays charge charges chargers shopping chipping whipping median tedium equality
percept seeks weeps yours tours pours fours mouths unity unite caller naked chose chore
chock inline leverage outset retain retains factor factors avert doubled tripled remand
manufacture manufactures manufactured distribute distributes retailing storing
loses loser losers posed poses noses doses hoses roses close closed closer costs coast boxes
bottles pallets cartons crates barrels drums tonnes crate rise rises rising risen
double triple point
lease leases leased properly proper
risky riskier riskiest
situation situations stimulation
"""
_VOCAB = frozenset(_KEYWORDS.split()) | frozenset(_COMMON.split())
_CORRECTABLE = frozenset(w for w in _KEYWORDS.split() if len(w) >= 5)


# The link said right after an add ("..., feeding Pune", "..., fed by Galway"): the new node
# ships to the other (out), or receives from it (in). steps.py splits on them, parser.py reads
# them as a link with "it".
_LINK_OUT = (
    r"feeding|supplying|serving|shipping\s(?:to|into)|delivering\s(?:to|into)|selling\sto"
    r"|sending\sto|connected\sto|linked\sto|ships\s(?:to|into)|delivers\sto|sends\sto|supplies"
    # "..., it ship direct to the plant": said by a non-native speaker
    r"|(?:ships?|sends?|delivers?)\s(?:direct(?:ly)?|straight)\sto"
    # "..., they feed the Szeged mill"
    r"|they\s(?:also\s)?(?:feed|supply|ship\sto|deliver\sto|send\sto)"
    # "..., it will also feed the Sialkot factory"
    r"|(?:it|they|which)\s(?:will|would|shall|can)\s(?:also\s)?(?:feed|supply|serve|ship\sto|deliver\sto"
    r"|send\sto)"
    r"|feeds|(?:that|which)\s(?:supplies|feeds|ships\sto|delivers\sto)"
    r"|(?:delivered|shipped|sent)\s(?:straight\s|directly\s)?to"
    # "..., both sending returns to Leicester": the goods named between the verb and "to"
    r"|(?:sending|shipping|delivering|returning|sends|ships|delivers|returns)\s(?:(?:its|their|all"
    r"|the|refurbished|excess|surplus|returned|finished|spare)\s)?(?:returns|stock|goods|products?"
    r"|parts|orders|items|inventory|freight|cargo)\s(?:back\s)?(?:to|into)"
)
_LINK_IN = (
    r"connected\sfrom|linked\sfrom|fed\sby|supplied\sby|receiving\s(?:\w+\s)?from|getting\s(?:\w+\s)?from"
    r"|(?:that|which|it|they)\s(?:gets?|receives?|takes?|draws?|pulls?|buys?|sources?)\s(?:its\s"
    r"|their\s|the\s|all\s(?:its\s|their\s)?)?(?:stock|supplies|goods|deliveries|products?"
    r"|materials?|parts|inventory|freight|cargo)\s(?:only\s|mainly\s|mostly\s)?from"
    # ("it gets the juice from Thika": whatever it gets)
    r"|(?:that|which|it|they)\s(?:gets?|receives?|takes?)\s(?:its|their|the)\s[a-z]+\s(?:only\s|mainly\s"
    r"|mostly\s)?from|(?:fed|feed|supplied|served|sourced|shipped|stocked|restocked|replenished)"
    r"\s(?:(?:straight|directly|direct|only|mainly|mostly|also|right)\s)?(?:from|out\sof)"
)
_ADD_VERB_RE = re.compile(
    r"\b(?:add|adding|ad(?=\s(?:an?|another|new|one)\s)|create|creating|set\s?up|setting\sup|open|opening|build|building"
    r"|establish|register|onboard|on-board|put|place|start|launch|need|want|get(?!\srid)|include"
    r"|record|enter"
    r"|introduce|spin\sup|stand\sup|bring\son|new|another|plus|signed|sign\sup|signed\sup"
    r"|contracted|onboarded|partnered\swith"
    r"|(?:started|begun|began|starting)\s(?:working|partnering|sourcing|dealing)\s(?:with|from)"
    r"|acquired|bought|opened|hired|one\smore|chuck|stick|pop|whack|slap|throw\sin"
    r"|(?:i|we)(?:'d|\swould)\s(?:like|love|need)(?!\sto\b|\s(?:a|an|the)\s(?:quick\s|closer\s)?"
    r"(?:look|peek|glance|word|summary|report|check|list|breakdown|update|overview|view)\b)"
    r"|(?:should|could|must|need\sto|want\sto|ought\sto|(?:'d|\swould)\s(?:like|love)\sto)"
    r"(?:\s(?:probably|also|really|definitely|maybe))?\s(?:have|get|open)"
    r"(?!\s(?:a|an|the)\s(?:quick\s|closer\s)?(?:look|peek|glance|word|summary|report|check)\b)"
    r"|to\shave(?=\s(?:an?|another|one\smore)\s)"
    r"|make(?:\s(?:that|it|this))?(?=\s+an?\s))\b",
    re.IGNORECASE,
)


#: "the Colombian supplier", "our Chinese plants": the country an adjective names.
_DEMONYMS = {
    "american": "United States",
    "us": "United States",
    "u.s.": "United States",
    "canadian": "Canada",
    "mexican": "Mexico",
    "brazilian": "Brazil",
    "argentine": "Argentina",
    "argentinian": "Argentina",
    "chilean": "Chile",
    "peruvian": "Peru",
    "colombian": "Colombia",
    "ecuadorian": "Ecuador",
    "venezuelan": "Venezuela",
    "guatemalan": "Guatemala",
    "costa rican": "Costa Rica",
    "british": "United Kingdom",
    "uk": "United Kingdom",
    "english": "United Kingdom",
    "scottish": "United Kingdom",
    "irish": "Ireland",
    "french": "France",
    "german": "Germany",
    "dutch": "Netherlands",
    "belgian": "Belgium",
    "spanish": "Spain",
    "portuguese": "Portugal",
    "italian": "Italy",
    "swiss": "Switzerland",
    "austrian": "Austria",
    "polish": "Poland",
    "czech": "Czech Republic",
    "hungarian": "Hungary",
    "romanian": "Romania",
    "bulgarian": "Bulgaria",
    "greek": "Greece",
    "turkish": "Turkey",
    "swedish": "Sweden",
    "norwegian": "Norway",
    "danish": "Denmark",
    "finnish": "Finland",
    "ukrainian": "Ukraine",
    "russian": "Russia",
    "chinese": "China",
    "japanese": "Japan",
    "korean": "South Korea",
    "south korean": "South Korea",
    "taiwanese": "Taiwan",
    "vietnamese": "Vietnam",
    "thai": "Thailand",
    "malaysian": "Malaysia",
    "indonesian": "Indonesia",
    "filipino": "Philippines",
    "philippine": "Philippines",
    "singaporean": "Singapore",
    "indian": "India",
    "pakistani": "Pakistan",
    "bangladeshi": "Bangladesh",
    "sri lankan": "Sri Lanka",
    "australian": "Australia",
    "new zealand": "New Zealand",
    "saudi": "Saudi Arabia",
    "emirati": "United Arab Emirates",
    "qatari": "Qatar",
    "israeli": "Israel",
    "egyptian": "Egypt",
    "moroccan": "Morocco",
    "nigerian": "Nigeria",
    "ghanaian": "Ghana",
    "kenyan": "Kenya",
    "ethiopian": "Ethiopia",
    "south african": "South Africa",
    "tanzanian": "Tanzania",
    # a region's adjective: "the European ones", "our Asian suppliers"
    "european": "Europe",
    "asian": "Asia",
    "african": "Africa",
    "latin american": "Latin America",
    "south american": "South America",
    "north american": "North America",
    "middle eastern": "Middle East",
}
_DEMONYM_BEFORE_TYPE = re.compile(
    r"\b(?P<adj>(?-i:US|UK)|"  # in capitals only: "send us plant specs" is no country
    + "|".join(
        sorted((re.escape(d) for d in _DEMONYMS if d not in ("us", "uk")), key=len, reverse=True)
    )
    + r")\s+(?P<type>(?:[\w-]+\s+)?(?:"
    + _TYPES
    # "both Indian sites": every node there; "only the European ones"
    + r"|sites|nodes|locations|facilities|ones))\b"
    # ("a second Portuguese vendor in Braga": the town says where, the adjective only agrees)
    r"(?!\s+(?:in|at|near|outside)\s+[A-Z])",
    re.IGNORECASE,
)


# "The Manchester store has nothing feeding it now": that no flow is, said (no link to make)
_NO_FLOW = re.compile(
    r"\b(?:nothing|nobody|no\sone|none|no\s[a-z]+)\s(?:is\s|are\s)?(?:feed|feeds|feeding|supplies"
    r"|supplying|ships|shipping|delivers|delivering|serves|serving|sends|sending"
    # "The third warehouse has nothing hooked up to it": how it is, not a link to make
    r"|(?:hooked|connected|linked|wired|attached|tied)(?:\sup)?\s(?:to|with|into)\b)"
    r"|\b(?:has|have|had|with)\s(?:no|zero)\s(?:links?|connections?|lanes?|routes?)\b"
)
