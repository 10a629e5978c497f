"""The built-in gazetteer: coverage, lookups, aliases, regions, spans and distances."""

from __future__ import annotations

import pytest

from omnitrack_realtime.engine import gazetteer
from omnitrack_realtime.engine.commands import Place
from omnitrack_realtime.engine.gazetteer import (
    CITIES,
    COUNTRIES,
    REGION_IDS,
    find_places,
    haversine_km,
    lookup,
    nearest_city,
    region_of,
)


def _city(name: str) -> Place:
    place = lookup(name)
    assert place is not None, name
    return place


def test_at_least_200_cities_with_sane_rows() -> None:
    assert len(CITIES) >= 200
    names = [row[0] for row in CITIES]
    assert len(set(names)) == len(names)
    for name, country, code, lat, lon, _aliases in CITIES:
        assert -90 <= lat <= 90 and -180 <= lon <= 180, name
        assert code in ("AP", "NA", "EU", "LA", "ME"), name
        assert country, name
        place = _city(name)
        assert place.city == name and place.region in REGION_IDS and not place.approximate


def test_every_region_has_many_cities() -> None:
    by_region: dict[str, int] = {}
    for name, *_rest in CITIES:
        region = _city(name).region
        by_region[region] = by_region.get(region, 0) + 1
    assert set(by_region) == set(REGION_IDS)
    assert min(by_region.values()) >= 30


@pytest.mark.parametrize(
    ("text", "city"),
    [
        ("NYC", "New York"),
        ("new york city", "New York"),
        ("LA", "Los Angeles"),
        ("Saigon", "Ho Chi Minh City"),
        ("HCMC", "Ho Chi Minh City"),
        ("Bombay", "Mumbai"),
        ("Bengaluru", "Bangalore"),
        ("São Paulo", "São Paulo"),
        ("Sao Paulo", "São Paulo"),
        ("SAO PAULO", "São Paulo"),
        ("Peking", "Beijing"),
        ("Köln", "Cologne"),
        ("Koln", "Cologne"),
        ("Lodz", "Łódź"),
        ("St. Louis", "St. Louis"),
        ("saint louis", "St. Louis"),
        ("Washington D.C.", "Washington"),
        ("the Hague", "The Hague"),
        ("Kiev", "Kyiv"),
        ("  rotterdam. ", "Rotterdam"),
    ],
)
def test_cities_and_aliases(text: str, city: str) -> None:
    assert _city(text).city == city


def test_short_codes_only_in_capitals() -> None:
    assert lookup("la") is None
    assert lookup("us") is None
    assert lookup("eu") is None
    assert _city("US").country == "United States"
    assert _city("U.S.").country == "United States"
    assert _city("UK").country == "United Kingdom"
    assert _city("UAE").country == "United Arab Emirates"
    assert _city("EU").region == "europe"


@pytest.mark.parametrize(
    ("text", "country", "region"),
    [
        ("Germany", "Germany", "europe"),
        ("the Netherlands", "Netherlands", "europe"),
        ("Holland", "Netherlands", "europe"),
        ("Vietnam", "Vietnam", "asia-pacific"),
        ("USA", "United States", "north-america"),
        ("Mexico", "Mexico", "latin-america"),
        ("Brasil", "Brazil", "latin-america"),
        ("Saudi Arabia", "Saudi Arabia", "middle-east"),
        ("Nigeria", "Nigeria", "middle-east"),  # Africa folds into middle-east (MEA)
        ("Australia", "Australia", "asia-pacific"),  # Oceania folds into asia-pacific
        ("Turkey", "Turkey", "europe"),
        ("Côte d'Ivoire", "Ivory Coast", "middle-east"),
    ],
)
def test_countries_resolve_to_a_representative_city(text: str, country: str, region: str) -> None:
    place = _city(text)
    assert place.city is None and place.approximate
    assert place.country == country and place.region == region
    rep = next(rep for name, rep, _a in COUNTRIES if name == country)
    assert (place.latitude, place.longitude) == (_city(rep).latitude, _city(rep).longitude)


def test_a_city_named_like_its_country_is_the_city() -> None:
    assert _city("Singapore").city == "Singapore"
    assert _city("Hong Kong").city == "Hong Kong"
    assert _city("Mexico City").city == "Mexico City"


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("Asia", "asia-pacific"),
        ("APAC", "asia-pacific"),
        ("apac", "asia-pacific"),
        ("Asia Pacific", "asia-pacific"),
        ("asia-pacific", "asia-pacific"),
        ("Southeast Asia", "asia-pacific"),
        ("Oceania", "asia-pacific"),
        ("Europe", "europe"),
        ("EU", "europe"),
        ("Scandinavia", "europe"),
        ("North America", "north-america"),
        ("north-america", "north-america"),
        ("LATAM", "latin-america"),
        ("South America", "latin-america"),
        ("Central America", "latin-america"),
        ("Middle East", "middle-east"),
        ("MENA", "middle-east"),
        ("the Gulf", "middle-east"),
        ("Africa", "middle-east"),
    ],
)
def test_regions_and_synonyms(text: str, region: str) -> None:
    place = _city(text)
    assert place.region == region
    assert place.city is None and place.country is None and place.approximate
    # The representative point lies in the region: its nearest city is of that region.
    assert nearest_city(place.latitude, place.longitude).region == region
    assert region_of(text) == region


def test_unknown_places() -> None:
    assert lookup("Narnia") is None
    assert lookup("") is None
    assert lookup("the") is None
    assert region_of("Narnia") is None


def test_find_places_spans_and_longest_match() -> None:
    text = "Add a plant in Mexico City, one in São Paulo and a DC near the US border"
    found = find_places(text)
    assert [text[s:e] for (s, e), _p in found] == ["Mexico City", "São Paulo", "US"]
    assert [p.city for _s, p in found] == ["Mexico City", "São Paulo", None]


def test_find_places_ignores_ordinary_words() -> None:
    assert find_places("let us go, la la la, me and you") == []
    assert find_places("nothing to see here") == []


def test_find_places_multiword_aliases_and_punctuation() -> None:
    found = find_places("from NYC to L.A., then St. Louis and Washington D.C.")
    assert [p.city for _s, p in found] == ["New York", "Los Angeles", "St. Louis", "Washington"]


def test_haversine_known_distances() -> None:
    assert haversine_km(_city("London"), _city("Paris")) == pytest.approx(344, abs=5)
    assert haversine_km(_city("New York"), _city("Los Angeles")) == pytest.approx(3936, abs=30)
    assert haversine_km(_city("Tokyo"), _city("Osaka")) == pytest.approx(397, abs=10)
    assert haversine_km(_city("Singapore"), _city("Kuala Lumpur")) == pytest.approx(316, abs=10)
    assert haversine_km(_city("Rotterdam"), _city("Amsterdam")) == pytest.approx(57, abs=5)
    assert haversine_km(_city("Shanghai"), _city("Beijing")) == pytest.approx(1067, abs=20)
    assert haversine_km(_city("Sydney"), _city("Melbourne")) == pytest.approx(714, abs=15)


def test_haversine_properties() -> None:
    a, b = _city("Jakarta"), _city("Lima")
    assert haversine_km(a, a) == 0
    assert haversine_km(a, b) == pytest.approx(haversine_km(b, a))
    assert haversine_km((0.0, 0.0), (0.0, 180.0)) == pytest.approx(20015, abs=5)


def test_nearest_city() -> None:
    assert nearest_city(51.9, 4.5).city == "Rotterdam"
    assert nearest_city(1.3, 103.8).city == "Singapore"
    # Restricted to a region, the nearest city of that region wins.
    assert nearest_city(41.0, 29.0, region="middle-east").region == "middle-east"


def test_fold_keeps_length() -> None:
    for text in ("São Paulo", "Łódź", "Düsseldorf", "İstanbul", "plain"):
        assert len(gazetteer.fold(text)) == len(text)


def test_suggest_corrects_one_typo_only() -> None:
    from omnitrack_realtime.engine.gazetteer import suggest, within_one_edit

    assert suggest("Jakrta") == lookup("Jakarta")
    assert suggest("Rotterdm") == lookup("Rotterdam")
    assert suggest("Singapore") == lookup("Singapore")
    assert suggest("Narnia") is None
    assert suggest("Lim") is None  # too short to guess
    # two slips only in a long name: "cincinatti" (n left out, t doubled)
    assert suggest("cincinatti") == lookup("Cincinnati")
    assert suggest("Rtoterdm") is None  # two slips in a name of eight letters
    assert within_one_edit("warehose", "warehouse")
    assert within_one_edit("netwrok", "network")
    assert not within_one_edit("abc", "cba")


def test_a_possessive_place_is_found() -> None:
    from omnitrack_realtime.engine.gazetteer import find_places

    (span, port), *_ = find_places("what if Rotterdam's port closes")
    assert port.city == "Rotterdam" and span == (8, 17)
    ((_, china),) = find_places("a plant in the People's Republic of China")
    assert china.country == "China" and china.city is None


def test_the_world_table_knows_the_towns_the_curated_one_lacks() -> None:
    laredo = lookup("Laredo")
    assert laredo is not None and (laredo.country, laredo.region) == (
        "United States",
        "north-america",
    )
    saltillo = lookup("saltillo")
    assert saltillo is not None and saltillo.country == "Mexico"
    assert lookup("La Spezia") is not None and lookup("Agadir") is not None
    # The curated table still wins where both know a name.
    assert lookup("Valencia") == lookup("valencia") and lookup("Valencia").country == "Spain"  # type: ignore[union-attr]


def test_a_town_that_is_also_a_word_is_found_only_as_a_name() -> None:
    assert lookup("normal") is None and lookup("hub") is None
    assert lookup("Normal") is not None
    text = "Berlin Plant back to normal; add a store in Boulder and a hub in Mobile"
    assert [text[a:b] for (a, b), _ in find_places(text)] == ["Berlin", "Boulder", "Mobile"]
    assert [text[a:b] for (a, b), _ in find_places("a boulder fell near the mobile hub")] == []


def test_a_world_town_inside_a_sentence_needs_a_cue_or_a_capital() -> None:
    assert [p.city for _, p in find_places("add a plant in saltillo")] == ["Saltillo"]
    assert [p.city for _, p in find_places("Saltillo Plant feeds it")] == ["Saltillo"]
    assert [p.city for _, p in find_places("Reading is fun")] == []  # a word, and first
    assert [p.city for _, p in find_places("and Saltillo Plant feeds it")] == ["Saltillo"]


def test_a_country_after_a_city_picks_that_countrys_city() -> None:
    found = find_places("a supplier in Newcastle, Australia, 45k t/month")
    assert (found[0][1].city, found[0][1].country) == ("Newcastle", "Australia")
    found = find_places("Port Hedland -> Duisburg")
    assert [(p.city, p.country) for _, p in found] == [
        ("Port Hedland", "Australia"),
        ("Duisburg", "Germany"),
    ]


def test_a_small_town_one_letter_from_a_major_city_is_its_misspelling() -> None:
    # Monterey (California) is a town of 28,000; "monterey mx" means Monterrey.
    assert lookup("monterey") is None
    assert [p.city for _, p in find_places("a plant in Monterey, California")] == ["Monterey"]


@pytest.mark.parametrize(
    ("text", "country"),
    [
        ("a store in Madrid and a DC in Leon", "Spain"),
        ("warehouses in Hamilton and Auckland", "New Zealand"),
        ("a plant in Kingston and a store in Montego Bay", "Jamaica"),
    ],
)
def test_a_shared_town_name_takes_the_country_the_text_names(text: str, country: str) -> None:
    found = [p for _s, p in find_places(text)]
    assert found[0].country == country or found[1].country == country
    assert len({p.country for p in found}) == 1


def test_a_town_that_is_also_a_word_is_a_place_in_a_list_of_places() -> None:
    found = [(p.city, p.country) for _s, p in find_places("Paris, Lyon, Nice and Brest")]
    assert found == [
        ("Paris", "France"),
        ("Lyon", "France"),
        ("Nice", "France"),
        ("Brest", "France"),
    ]
    assert [p.city for _s, p in find_places("we are in Paris and nice people")] == ["Paris"]


@pytest.mark.parametrize(
    ("said", "city"),
    [
        ("indy", "Indianapolis"),
        ("atl", "Atlanta"),
        ("Munique", "Munich"),
        ("Nova Iorque", "New York"),
        ("Londres", "London"),
    ],
)
def test_nicknames_and_other_languages_names(said: str, city: str) -> None:
    place = lookup(said)
    assert place is not None and place.city == city


@pytest.mark.parametrize(
    ("text", "city", "country"),
    [
        ("Odessa, Texas", "Odessa", "United States"),
        ("drop it in odessa tx", "Odessa", "United States"),
        ("wh hobbs nm 300k", "Hobbs", "United States"),
        ("Columbus, OH", "Columbus", "United States"),
        ("London, ON", "London", "Canada"),
    ],
)
def test_a_state_or_province_after_a_town_picks_that_country(
    text: str, city: str, country: str
) -> None:
    found = [(p.city, p.country) for _span, p in gazetteer.find_places(text)]
    assert found[0] == (city, country)


def test_a_state_code_that_is_a_word_counts_only_in_capitals() -> None:
    assert [p.country for _s, p in gazetteer.find_places("in Paris, or in Lyon")] == [
        "France",
        "France",
    ]


def test_names_written_without_their_stroked_letters_or_admin_suffix_are_found() -> None:
    # "Đ" and "Ł" have no decomposition: users write them as D and L
    assert lookup("Dong Xoai") == lookup("Đồng Xoài")
    assert lookup("Dong Xoai") is not None
    assert lookup("Lodz") == lookup("Łódź")
    # the world table writes Korean cities with "-si"; users leave it out, and so does the name
    cheongju = lookup("Cheongju")
    assert cheongju is not None and cheongju.city == "Cheongju"
    assert cheongju.country == "South Korea"


def test_towns_named_with_their_river_are_found_by_their_first_name() -> None:
    # the world table writes "Ludwigshafen am Rhein" and "Burton upon Trent"
    ludwigshafen = lookup("Ludwigshafen")
    assert ludwigshafen is not None and ludwigshafen.city == "Ludwigshafen"
    assert ludwigshafen.country == "Germany"
    assert lookup("Ludwigshafen am Rhein") is not None
    # a town that has the short name itself stays first
    kingston = lookup("Kingston")
    assert kingston is not None and kingston.country == "Jamaica"


def test_typos_of_big_world_cities_only_where_the_caller_says_a_town_is_meant() -> None:
    from omnitrack_realtime.engine.gazetteer import suggest

    assert suggest("agadr") is None  # Agadir is only in the world table
    agadir = suggest("agadr", world=True)
    assert agadir is not None and agadir.city == "Agadir"
    marrakesh = suggest("marakesh", world=True)
    assert marrakesh is not None and marrakesh.city == "Marrakesh"
    assert suggest("Jakrta", world=True) == lookup("Jakarta")  # the curated table first


def test_a_town_in_lower_case_where_one_is_expected() -> None:
    from omnitrack_realtime.engine.gazetteer import suggest, town_in_lower_case

    manta = town_in_lower_case("manta")  # a manta ray, and a town of Ecuador
    assert manta is not None and manta.country == "Ecuador"
    assert suggest("manta") == manta  # not Malta, one letter away
    assert town_in_lower_case("monterey") is None  # Monterrey misspelt, not Monterey
    assert lookup("León") is not None and lookup("León").country == "Mexico"
