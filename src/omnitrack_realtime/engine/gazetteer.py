"""The built-in gazetteer: major cities, countries and regions as :class:`~.commands.Place`.

Pure and cheap: the tables below are compiled once at import into a lookup dict and one regular
expression, so :func:`lookup` is a dict hit and :func:`find_places` one regex scan.

Regions are the five ids of ``set-region``. The world is folded into them the way supply-chain
teams usually do it, so every city has exactly one region:

* ``asia-pacific``: East, South-East and South Asia, Central Asia, Oceania (Australia, New
  Zealand, the Pacific islands) and the Russian Far East (Vladivostok).
* ``north-america``: the United States and Canada.
* ``latin-america``: Mexico, Central America, the Caribbean and South America.
* ``europe``: Europe including Russia west of the Urals, Turkey and the Caucasus.
* ``middle-east``: the Middle East **and all of Africa** (the "MEA" grouping), since there is no
  separate Africa region.

A country or a region resolves to a representative city's coordinates with ``city=None`` and
``approximate=True``; :func:`nearest_city` names the city so an answer can say which.
Matching folds case and accents ("Sao Paulo" finds São Paulo), except for short upper-case
aliases ("LA", "US", "UK", "EU", "UAE") that would otherwise match ordinary words.
:func:`find_places` scans a sentence word by word (longest name first), :func:`suggest`
accepts one typo in a name of five letters or more ("Jakrta").
"""

from __future__ import annotations

import functools
import gzip
import itertools
import math
import re
import unicodedata
from collections.abc import Iterable
from importlib import resources

from .commands import Place

__all__ = [
    "CITIES",
    "COUNTRIES",
    "REGIONS",
    "REGION_IDS",
    "City",
    "find_places",
    "fold",
    "haversine_km",
    "lookup",
    "nearest_city",
    "region_of",
    "suggest",
    "within_one_edit",
]

REGION_IDS = ("asia-pacific", "north-america", "europe", "latin-america", "middle-east")
_REGION_CODES = {
    "AP": "asia-pacific",
    "NA": "north-america",
    "EU": "europe",
    "LA": "latin-america",
    "ME": "middle-east",
}

#: (name, country, region code, latitude, longitude, aliases separated by "|").
#: The first city listed for a country is not special: see COUNTRIES for representatives.
CITIES: tuple[tuple[str, str, str, float, float, str], ...] = (
    # --- Asia-Pacific: China and neighbours
    ("Shanghai", "China", "AP", 31.23, 121.47, "Xangai"),
    ("Beijing", "China", "AP", 39.90, 116.41, "Peking|Pequim"),
    ("Shenzhen", "China", "AP", 22.54, 114.06, ""),
    ("Guangzhou", "China", "AP", 23.13, 113.26, "Canton"),
    ("Tianjin", "China", "AP", 39.13, 117.20, ""),
    ("Chongqing", "China", "AP", 29.56, 106.55, ""),
    ("Chengdu", "China", "AP", 30.57, 104.07, ""),
    ("Wuhan", "China", "AP", 30.59, 114.31, ""),
    ("Hangzhou", "China", "AP", 30.27, 120.16, ""),
    ("Nanjing", "China", "AP", 32.06, 118.80, "Nanking"),
    ("Ningbo", "China", "AP", 29.87, 121.54, ""),
    ("Qingdao", "China", "AP", 36.07, 120.38, "Tsingtao"),
    ("Xiamen", "China", "AP", 24.48, 118.09, "Amoy"),
    ("Suzhou", "China", "AP", 31.30, 120.59, ""),
    ("Dalian", "China", "AP", 38.91, 121.60, ""),
    ("Xi'an", "China", "AP", 34.34, 108.94, "Xian"),
    ("Zhengzhou", "China", "AP", 34.75, 113.63, ""),
    ("Dongguan", "China", "AP", 23.02, 113.75, ""),
    ("Shenyang", "China", "AP", 41.81, 123.43, ""),
    ("Harbin", "China", "AP", 45.80, 126.53, ""),
    ("Kunming", "China", "AP", 25.04, 102.71, ""),
    ("Changsha", "China", "AP", 28.23, 112.94, ""),
    ("Foshan", "China", "AP", 23.02, 113.12, ""),
    ("Hong Kong", "Hong Kong", "AP", 22.32, 114.17, "Hongkong|HK"),
    ("Macau", "Macau", "AP", 22.20, 113.54, "Macao"),
    ("Taipei", "Taiwan", "AP", 25.03, 121.57, ""),
    ("Kaohsiung", "Taiwan", "AP", 22.63, 120.30, ""),
    ("Hsinchu", "Taiwan", "AP", 24.80, 120.97, ""),
    ("Taichung", "Taiwan", "AP", 24.15, 120.67, ""),
    ("Ulaanbaatar", "Mongolia", "AP", 47.89, 106.91, "Ulan Bator"),
    ("Darhan", "Mongolia", "AP", 49.49, 105.92, "Darkhan"),  # (the world table: Darhan only)
    # Japan, Korea
    ("Tokyo", "Japan", "AP", 35.68, 139.69, "Tóquio"),
    ("Osaka", "Japan", "AP", 34.69, 135.50, ""),
    ("Yokohama", "Japan", "AP", 35.44, 139.64, ""),
    ("Nagoya", "Japan", "AP", 35.18, 136.91, ""),
    ("Kobe", "Japan", "AP", 34.69, 135.20, ""),
    ("Fukuoka", "Japan", "AP", 33.59, 130.40, ""),
    ("Sapporo", "Japan", "AP", 43.06, 141.35, ""),
    ("Kyoto", "Japan", "AP", 35.01, 135.77, ""),
    ("Hiroshima", "Japan", "AP", 34.39, 132.46, ""),
    ("Seoul", "South Korea", "AP", 37.57, 126.98, ""),
    ("Busan", "South Korea", "AP", 35.18, 129.08, "Pusan"),
    ("Incheon", "South Korea", "AP", 37.46, 126.71, ""),
    ("Daegu", "South Korea", "AP", 35.87, 128.60, ""),
    ("Ulsan", "South Korea", "AP", 35.54, 129.31, ""),
    # South-East Asia
    ("Singapore", "Singapore", "AP", 1.35, 103.82, ""),
    ("Kuala Lumpur", "Malaysia", "AP", 3.14, 101.69, "KL"),
    ("Penang", "Malaysia", "AP", 5.41, 100.33, "George Town"),
    ("Johor Bahru", "Malaysia", "AP", 1.49, 103.74, "Johor"),
    ("Port Klang", "Malaysia", "AP", 3.00, 101.39, ""),
    ("Bangkok", "Thailand", "AP", 13.76, 100.50, ""),
    ("Laem Chabang", "Thailand", "AP", 13.08, 100.88, ""),
    ("Chiang Mai", "Thailand", "AP", 18.79, 98.98, ""),
    ("Jakarta", "Indonesia", "AP", -6.21, 106.85, ""),
    ("Surabaya", "Indonesia", "AP", -7.25, 112.75, ""),
    ("Bandung", "Indonesia", "AP", -6.92, 107.62, ""),
    ("Medan", "Indonesia", "AP", 3.59, 98.67, ""),
    ("Batam", "Indonesia", "AP", 1.13, 104.05, ""),
    ("Manila", "Philippines", "AP", 14.60, 120.98, ""),
    ("Cebu", "Philippines", "AP", 10.32, 123.89, "Cebu City"),
    ("Davao", "Philippines", "AP", 7.19, 125.46, "Davao City"),
    # (the world table holds it as "Legaspi"; its "Legazpi" is a district of Madrid)
    ("Legazpi", "Philippines", "AP", 13.14, 123.74, "Legazpi City|Legaspi"),
    ("Ho Chi Minh City", "Vietnam", "AP", 10.82, 106.63, "Saigon|HCMC|Ho Chi Minh"),
    ("Hanoi", "Vietnam", "AP", 21.03, 105.85, "Ha Noi"),
    ("Haiphong", "Vietnam", "AP", 20.84, 106.69, "Hai Phong"),
    ("Da Nang", "Vietnam", "AP", 16.05, 108.22, "Danang"),
    ("Qui Nhon", "Vietnam", "AP", 13.78, 109.22, "Quy Nhon|Quy Nhơn"),
    ("Phnom Penh", "Cambodia", "AP", 11.56, 104.92, ""),
    ("Yangon", "Myanmar", "AP", 16.87, 96.20, "Rangoon"),
    ("Vientiane", "Laos", "AP", 17.98, 102.63, ""),
    # South and Central Asia
    ("Mumbai", "India", "AP", 19.08, 72.88, "Bombay"),
    ("New Delhi", "India", "AP", 28.61, 77.21, "Delhi"),
    ("Bangalore", "India", "AP", 12.97, 77.59, "Bengaluru"),
    ("Chennai", "India", "AP", 13.08, 80.27, "Madras"),
    ("Kolkata", "India", "AP", 22.57, 88.36, "Calcutta"),
    ("Hyderabad", "India", "AP", 17.39, 78.49, ""),
    ("Pune", "India", "AP", 18.52, 73.86, "Poona"),
    ("Ahmedabad", "India", "AP", 23.02, 72.57, ""),
    ("Surat", "India", "AP", 21.17, 72.83, ""),
    ("Jaipur", "India", "AP", 26.91, 75.79, ""),
    ("Kochi", "India", "AP", 9.93, 76.27, "Cochin"),
    ("Visakhapatnam", "India", "AP", 17.69, 83.22, "Vizag"),
    # renamed towns, known by their old names too
    ("Mysuru", "India", "AP", 12.30, 76.64, "Mysore"),
    ("Thiruvananthapuram", "India", "AP", 8.52, 76.94, "Trivandrum"),
    ("Gurugram", "India", "AP", 28.46, 77.03, "Gurgaon"),
    ("Mangaluru", "India", "AP", 12.91, 74.86, "Mangalore"),
    ("Belagavi", "India", "AP", 15.85, 74.50, "Belgaum"),
    ("Hubballi", "India", "AP", 15.36, 75.12, "Hubli"),
    ("Prayagraj", "India", "AP", 25.44, 81.85, "Allahabad"),
    # (the world table has only the old spelling, Sholapur)
    ("Solapur", "India", "AP", 17.67, 75.91, "Sholapur"),
    ("Varanasi", "India", "AP", 25.32, 82.97, "Benares|Banaras"),
    ("Puducherry", "India", "AP", 11.94, 79.81, "Pondicherry"),
    ("Bhubaneswar", "India", "AP", 20.30, 85.82, "Bhubaneshwar"),
    ("Karachi", "Pakistan", "AP", 24.86, 67.01, ""),
    ("Lahore", "Pakistan", "AP", 31.55, 74.34, ""),
    ("Islamabad", "Pakistan", "AP", 33.68, 73.05, ""),
    ("Dhaka", "Bangladesh", "AP", 23.81, 90.41, "Dacca"),
    ("Chittagong", "Bangladesh", "AP", 22.36, 91.78, "Chattogram"),
    ("Colombo", "Sri Lanka", "AP", 6.93, 79.86, ""),
    ("Kathmandu", "Nepal", "AP", 27.72, 85.32, ""),
    ("Almaty", "Kazakhstan", "AP", 43.24, 76.95, ""),
    # (the world table writes it "Karagandy"; English still says Karaganda)
    ("Karaganda", "Kazakhstan", "AP", 49.80, 73.10, "Karagandy|Qaraghandy"),
    ("Tashkent", "Uzbekistan", "AP", 41.30, 69.24, ""),
    ("Vladivostok", "Russia", "AP", 43.12, 131.89, ""),
    # Oceania
    ("Sydney", "Australia", "AP", -33.87, 151.21, ""),
    ("Melbourne", "Australia", "AP", -37.81, 144.96, ""),
    ("Brisbane", "Australia", "AP", -27.47, 153.03, ""),
    ("Perth", "Australia", "AP", -31.95, 115.86, ""),
    ("Adelaide", "Australia", "AP", -34.93, 138.60, ""),
    # (about 57,000 people, missing from the world table)
    ("Wagga Wagga", "Australia", "AP", -35.12, 147.37, "Wagga"),
    ("Auckland", "New Zealand", "AP", -36.85, 174.76, ""),
    ("Wellington", "New Zealand", "AP", -41.29, 174.78, ""),
    ("Christchurch", "New Zealand", "AP", -43.53, 172.64, ""),
    ("Port Moresby", "Papua New Guinea", "AP", -9.44, 147.18, ""),
    ("Suva", "Fiji", "AP", -18.14, 178.44, ""),
    # --- North America
    (
        "New York",
        "United States",
        "NA",
        40.71,
        -74.01,
        "New York City|NYC|NY|Nova Iorque|Nueva York",
    ),
    ("Los Angeles", "United States", "NA", 34.05, -118.24, "LA|L.A."),
    ("Chicago", "United States", "NA", 41.88, -87.63, ""),
    ("Houston", "United States", "NA", 29.76, -95.37, ""),
    ("Dallas", "United States", "NA", 32.78, -96.80, ""),
    ("San Francisco", "United States", "NA", 37.77, -122.42, "SF|San Fran"),
    ("Seattle", "United States", "NA", 47.61, -122.33, ""),
    ("Miami", "United States", "NA", 25.76, -80.19, ""),
    ("Atlanta", "United States", "NA", 33.75, -84.39, "ATL"),
    ("Boston", "United States", "NA", 42.36, -71.06, ""),
    ("Philadelphia", "United States", "NA", 39.95, -75.17, "Philly"),
    ("Washington", "United States", "NA", 38.91, -77.04, "Washington DC|Washington D.C."),
    ("Detroit", "United States", "NA", 42.33, -83.05, ""),
    ("Phoenix", "United States", "NA", 33.45, -112.07, ""),
    ("Denver", "United States", "NA", 39.74, -104.99, ""),
    ("Minneapolis", "United States", "NA", 44.98, -93.27, ""),
    ("St. Louis", "United States", "NA", 38.63, -90.20, "St Louis|Saint Louis"),
    ("Memphis", "United States", "NA", 35.15, -90.05, ""),
    ("Nashville", "United States", "NA", 36.16, -86.78, ""),
    ("Charlotte", "United States", "NA", 35.23, -80.84, ""),
    ("Savannah", "United States", "NA", 32.08, -81.09, ""),
    ("Newark", "United States", "NA", 40.74, -74.17, ""),
    ("Baltimore", "United States", "NA", 39.29, -76.61, ""),
    ("Pittsburgh", "United States", "NA", 40.44, -80.00, ""),
    ("Cleveland", "United States", "NA", 41.50, -81.69, ""),
    ("Columbus", "United States", "NA", 39.96, -83.00, ""),
    ("Indianapolis", "United States", "NA", 39.77, -86.16, "Indy"),
    ("Kansas City", "United States", "NA", 39.10, -94.58, ""),
    ("Louisville", "United States", "NA", 38.25, -85.76, ""),
    ("Cincinnati", "United States", "NA", 39.10, -84.51, ""),
    ("New Orleans", "United States", "NA", 29.95, -90.07, "NOLA"),
    ("San Diego", "United States", "NA", 32.72, -117.16, ""),
    ("San Jose", "United States", "NA", 37.34, -121.89, ""),
    ("Portland", "United States", "NA", 45.52, -122.68, ""),
    ("Las Vegas", "United States", "NA", 36.17, -115.14, "Vegas"),
    ("Salt Lake City", "United States", "NA", 40.76, -111.89, ""),
    ("Austin", "United States", "NA", 30.27, -97.74, ""),
    ("San Antonio", "United States", "NA", 29.42, -98.49, ""),
    ("Oakland", "United States", "NA", 37.80, -122.27, ""),
    ("Long Beach", "United States", "NA", 33.77, -118.19, ""),
    ("Tampa", "United States", "NA", 27.95, -82.46, ""),
    ("Orlando", "United States", "NA", 28.54, -81.38, ""),
    ("Jacksonville", "United States", "NA", 30.33, -81.66, ""),
    ("Milwaukee", "United States", "NA", 43.04, -87.91, ""),
    ("Honolulu", "United States", "NA", 21.31, -157.86, ""),
    ("Anchorage", "United States", "NA", 61.22, -149.90, ""),
    ("Raleigh", "United States", "NA", 35.78, -78.64, ""),
    ("Toronto", "Canada", "NA", 43.65, -79.38, ""),
    ("Montreal", "Canada", "NA", 45.50, -73.57, "Montréal"),
    ("Vancouver", "Canada", "NA", 49.28, -123.12, ""),
    ("Calgary", "Canada", "NA", 51.05, -114.07, ""),
    ("Edmonton", "Canada", "NA", 53.55, -113.49, ""),
    ("Ottawa", "Canada", "NA", 45.42, -75.70, ""),
    ("Winnipeg", "Canada", "NA", 49.90, -97.14, ""),
    ("Halifax", "Canada", "NA", 44.65, -63.57, ""),
    ("Quebec City", "Canada", "NA", 46.81, -71.21, "Québec City"),
    # --- Latin America (Mexico included, as in the usual LATAM grouping)
    ("Mexico City", "Mexico", "LA", 19.43, -99.13, "CDMX|Ciudad de México"),
    ("Monterrey", "Mexico", "LA", 25.69, -100.32, ""),
    ("Guadalajara", "Mexico", "LA", 20.66, -103.35, ""),
    # (the most populous León; the world table calls it "León de los Aldama"; see _SHARED_NAMES)
    ("León", "Mexico", "LA", 21.12, -101.68, "León de los Aldama|Leon Guanajuato"),
    ("Tijuana", "Mexico", "LA", 32.51, -117.04, ""),
    ("Puebla", "Mexico", "LA", 19.04, -98.21, ""),
    ("Veracruz", "Mexico", "LA", 19.17, -96.13, ""),
    ("Manzanillo", "Mexico", "LA", 19.05, -104.32, ""),
    ("Querétaro", "Mexico", "LA", 20.59, -100.39, ""),
    ("Ciudad Juárez", "Mexico", "LA", 31.69, -106.42, "Juárez"),
    ("São Paulo", "Brazil", "LA", -23.55, -46.63, ""),
    ("Rio de Janeiro", "Brazil", "LA", -22.91, -43.17, "Rio"),
    ("Brasília", "Brazil", "LA", -15.79, -47.88, ""),
    ("Santos", "Brazil", "LA", -23.96, -46.33, ""),
    ("Belo Horizonte", "Brazil", "LA", -19.92, -43.94, ""),
    ("Curitiba", "Brazil", "LA", -25.43, -49.27, ""),
    ("Porto Alegre", "Brazil", "LA", -30.03, -51.23, ""),
    ("Salvador", "Brazil", "LA", -12.97, -38.50, ""),
    ("Recife", "Brazil", "LA", -8.05, -34.88, ""),
    ("Manaus", "Brazil", "LA", -3.12, -60.02, ""),
    ("Fortaleza", "Brazil", "LA", -3.73, -38.53, ""),
    ("Buenos Aires", "Argentina", "LA", -34.60, -58.38, ""),
    ("Córdoba", "Argentina", "LA", -31.42, -64.18, ""),
    ("Rosario", "Argentina", "LA", -32.95, -60.65, ""),
    ("Santiago", "Chile", "LA", -33.45, -70.67, "Santiago de Chile"),
    ("Mendoza", "Argentina", "LA", -32.89, -68.84, ""),
    ("Valparaíso", "Chile", "LA", -33.05, -71.62, ""),
    ("Lima", "Peru", "LA", -12.05, -77.04, ""),
    ("Callao", "Peru", "LA", -12.06, -77.12, ""),
    ("Bogotá", "Colombia", "LA", 4.71, -74.07, ""),
    ("Medellín", "Colombia", "LA", 6.24, -75.58, ""),
    ("Cartagena", "Colombia", "LA", 10.39, -75.51, ""),
    ("Barranquilla", "Colombia", "LA", 10.96, -74.80, ""),
    ("Cali", "Colombia", "LA", 3.45, -76.53, ""),
    ("Caracas", "Venezuela", "LA", 10.48, -66.90, ""),
    ("Quito", "Ecuador", "LA", -0.18, -78.47, ""),
    ("Guayaquil", "Ecuador", "LA", -2.17, -79.92, ""),
    ("La Paz", "Bolivia", "LA", -16.50, -68.15, ""),
    ("El Alto", "Bolivia", "LA", -16.50, -68.19, ""),  # (missing from the world table)
    ("Asunción", "Paraguay", "LA", -25.26, -57.58, ""),
    ("Montevideo", "Uruguay", "LA", -34.90, -56.16, ""),
    ("Panama City", "Panama", "LA", 8.98, -79.52, ""),
    ("Guatemala City", "Guatemala", "LA", 14.63, -90.51, ""),
    ("San Salvador", "El Salvador", "LA", 13.69, -89.22, ""),
    ("Tegucigalpa", "Honduras", "LA", 14.07, -87.19, ""),
    ("Managua", "Nicaragua", "LA", 12.11, -86.24, ""),
    ("Havana", "Cuba", "LA", 23.11, -82.37, "La Habana"),
    ("Santo Domingo", "Dominican Republic", "LA", 18.49, -69.93, ""),
    ("Kingston", "Jamaica", "LA", 18.02, -76.80, ""),
    ("San Juan", "Puerto Rico", "LA", 18.47, -66.11, ""),
    ("Port of Spain", "Trinidad and Tobago", "LA", 10.66, -61.51, ""),
    # --- Europe
    ("London", "United Kingdom", "EU", 51.51, -0.13, "Londres"),
    ("Manchester", "United Kingdom", "EU", 53.48, -2.24, ""),
    ("Birmingham", "United Kingdom", "EU", 52.49, -1.89, ""),
    ("Liverpool", "United Kingdom", "EU", 53.41, -2.98, ""),
    ("Glasgow", "United Kingdom", "EU", 55.86, -4.25, ""),
    ("Edinburgh", "United Kingdom", "EU", 55.95, -3.19, ""),
    ("Leeds", "United Kingdom", "EU", 53.80, -1.55, ""),
    ("Sheffield", "United Kingdom", "EU", 53.38, -1.47, ""),
    # (the world table's "Hull" is the old Quebec town; English means Kingston upon Hull)
    ("Hull", "United Kingdom", "EU", 53.74, -0.34, "Kingston upon Hull"),
    ("Nottingham", "United Kingdom", "EU", 52.95, -1.15, ""),
    ("Leicester", "United Kingdom", "EU", 52.64, -1.13, ""),
    ("Coventry", "United Kingdom", "EU", 52.41, -1.51, ""),
    ("Bradford", "United Kingdom", "EU", 53.80, -1.76, ""),
    ("Cardiff", "United Kingdom", "EU", 51.48, -3.18, ""),
    ("Plymouth", "United Kingdom", "EU", 50.37, -4.14, ""),
    ("Bristol", "United Kingdom", "EU", 51.45, -2.59, ""),
    ("Southampton", "United Kingdom", "EU", 50.90, -1.40, ""),
    ("Felixstowe", "United Kingdom", "EU", 51.96, 1.35, ""),
    ("Belfast", "United Kingdom", "EU", 54.60, -5.93, ""),
    ("Dublin", "Ireland", "EU", 53.35, -6.26, ""),
    ("Paris", "France", "EU", 48.86, 2.35, ""),
    ("Lyon", "France", "EU", 45.76, 4.84, "Lyons"),
    ("Marseille", "France", "EU", 43.30, 5.37, "Marseilles"),
    ("Toulouse", "France", "EU", 43.60, 1.44, ""),
    ("Lille", "France", "EU", 50.63, 3.06, ""),
    ("Bordeaux", "France", "EU", 44.84, -0.58, ""),
    ("Le Havre", "France", "EU", 49.49, 0.11, ""),
    ("Nantes", "France", "EU", 47.22, -1.55, ""),
    ("Strasbourg", "France", "EU", 48.57, 7.75, ""),
    ("Berlin", "Germany", "EU", 52.52, 13.40, ""),
    ("Hamburg", "Germany", "EU", 53.55, 9.99, ""),
    ("Munich", "Germany", "EU", 48.14, 11.58, "München|Muenchen|Munique|Múnich"),
    ("Frankfurt", "Germany", "EU", 50.11, 8.68, "Frankfurt am Main"),
    ("Cologne", "Germany", "EU", 50.94, 6.96, "Köln|Koeln"),
    ("Stuttgart", "Germany", "EU", 48.78, 9.18, ""),
    ("Düsseldorf", "Germany", "EU", 51.23, 6.77, "Duesseldorf"),
    ("Leipzig", "Germany", "EU", 51.34, 12.37, ""),
    ("Bremen", "Germany", "EU", 53.08, 8.80, ""),
    ("Dortmund", "Germany", "EU", 51.51, 7.47, ""),
    ("Essen", "Germany", "EU", 51.46, 7.01, ""),
    ("Hanover", "Germany", "EU", 52.38, 9.73, "Hannover"),
    ("Nuremberg", "Germany", "EU", 49.45, 11.08, "Nürnberg"),
    ("Dresden", "Germany", "EU", 51.05, 13.74, ""),
    ("Duisburg", "Germany", "EU", 51.43, 6.76, ""),
    ("Amsterdam", "Netherlands", "EU", 52.37, 4.90, ""),
    ("Rotterdam", "Netherlands", "EU", 51.92, 4.48, ""),
    ("The Hague", "Netherlands", "EU", 52.08, 4.30, "Den Haag"),
    ("Eindhoven", "Netherlands", "EU", 51.44, 5.47, ""),
    ("Utrecht", "Netherlands", "EU", 52.09, 5.12, ""),
    ("Brussels", "Belgium", "EU", 50.85, 4.35, "Bruxelles"),
    ("Antwerp", "Belgium", "EU", 51.22, 4.40, "Antwerpen"),
    ("Ghent", "Belgium", "EU", 51.05, 3.72, "Gent"),
    ("Bruges", "Belgium", "EU", 51.21, 3.22, "Brugge|Zeebrugge"),
    ("Luxembourg", "Luxembourg", "EU", 49.61, 6.13, "Luxembourg City"),
    ("Zurich", "Switzerland", "EU", 47.38, 8.54, "Zürich"),
    ("Geneva", "Switzerland", "EU", 46.20, 6.14, "Genève"),
    ("Basel", "Switzerland", "EU", 47.56, 7.59, ""),
    ("Vienna", "Austria", "EU", 48.21, 16.37, "Wien"),
    ("Linz", "Austria", "EU", 48.31, 14.29, ""),
    ("Madrid", "Spain", "EU", 40.42, -3.70, ""),
    ("Barcelona", "Spain", "EU", 41.39, 2.17, ""),
    ("Valencia", "Spain", "EU", 39.47, -0.38, ""),
    ("Murcia", "Spain", "EU", 37.99, -1.13, ""),
    ("Seville", "Spain", "EU", 37.39, -5.98, "Sevilla"),
    ("Bilbao", "Spain", "EU", 43.26, -2.93, ""),
    ("Zaragoza", "Spain", "EU", 41.65, -0.89, ""),
    ("Algeciras", "Spain", "EU", 36.13, -5.45, ""),
    ("Málaga", "Spain", "EU", 36.72, -4.42, ""),
    ("Lisbon", "Portugal", "EU", 38.72, -9.14, "Lisboa"),
    ("Porto", "Portugal", "EU", 41.16, -8.63, "Oporto"),
    # the cork towns (Amorim's home and the Tagus valley): under the world table's 15,000
    ("Santa Maria da Feira", "Portugal", "EU", 40.93, -8.54, "Feira"),
    ("Coruche", "Portugal", "EU", 38.96, -8.53, ""),
    ("Rome", "Italy", "EU", 41.90, 12.50, "Roma"),
    ("Milan", "Italy", "EU", 45.46, 9.19, "Milano"),
    ("Turin", "Italy", "EU", 45.07, 7.69, "Torino"),
    ("Naples", "Italy", "EU", 40.85, 14.27, "Napoli"),
    ("Genoa", "Italy", "EU", 44.41, 8.93, "Genova"),
    ("Venice", "Italy", "EU", 45.44, 12.32, "Venezia"),
    ("Bologna", "Italy", "EU", 44.49, 11.34, ""),
    ("Florence", "Italy", "EU", 43.77, 11.26, "Firenze"),
    ("Trieste", "Italy", "EU", 45.65, 13.78, ""),
    ("Athens", "Greece", "EU", 37.98, 23.73, ""),
    ("Heraklion", "Greece", "EU", 35.34, 25.13, "Iraklion|Irakleion|Iraklio"),
    ("Patras", "Greece", "EU", 38.25, 21.73, "Patra"),
    ("Piraeus", "Greece", "EU", 37.94, 23.65, ""),
    ("Thessaloniki", "Greece", "EU", 40.64, 22.94, ""),
    ("Copenhagen", "Denmark", "EU", 55.68, 12.57, "København"),
    ("Aarhus", "Denmark", "EU", 56.16, 10.20, ""),
    ("Stockholm", "Sweden", "EU", 59.33, 18.07, ""),
    ("Gothenburg", "Sweden", "EU", 57.71, 11.97, "Göteborg"),
    ("Malmö", "Sweden", "EU", 55.60, 13.00, ""),
    ("Oslo", "Norway", "EU", 59.91, 10.75, ""),
    ("Bergen", "Norway", "EU", 60.39, 5.32, ""),
    ("Helsinki", "Finland", "EU", 60.17, 24.94, ""),
    ("Tallinn", "Estonia", "EU", 59.44, 24.75, ""),
    ("Riga", "Latvia", "EU", 56.95, 24.11, ""),
    ("Vilnius", "Lithuania", "EU", 54.69, 25.28, ""),
    ("Warsaw", "Poland", "EU", 52.23, 21.01, "Warszawa"),
    ("Kraków", "Poland", "EU", 50.06, 19.94, "Krakow|Cracow"),
    ("Gdańsk", "Poland", "EU", 54.35, 18.65, ""),
    ("Wrocław", "Poland", "EU", 51.11, 17.04, ""),
    ("Łódź", "Poland", "EU", 51.76, 19.46, "Lodz"),
    ("Poznań", "Poland", "EU", 52.41, 16.93, ""),
    ("Prague", "Czech Republic", "EU", 50.08, 14.44, "Praha"),
    ("Brno", "Czech Republic", "EU", 49.20, 16.61, ""),
    ("Bratislava", "Slovakia", "EU", 48.15, 17.11, ""),
    ("Budapest", "Hungary", "EU", 47.50, 19.04, ""),
    ("Bucharest", "Romania", "EU", 44.43, 26.10, "București"),
    ("Cluj-Napoca", "Romania", "EU", 46.77, 23.60, "Cluj"),
    ("Constanța", "Romania", "EU", 44.18, 28.63, ""),
    ("Sofia", "Bulgaria", "EU", 42.70, 23.32, ""),
    ("Belgrade", "Serbia", "EU", 44.79, 20.45, "Beograd"),
    ("Zagreb", "Croatia", "EU", 45.82, 15.98, ""),
    ("Ljubljana", "Slovenia", "EU", 46.06, 14.51, ""),
    ("Sarajevo", "Bosnia and Herzegovina", "EU", 43.86, 18.41, ""),
    ("Skopje", "North Macedonia", "EU", 42.00, 21.43, ""),
    ("Tirana", "Albania", "EU", 41.33, 19.82, ""),
    ("Kyiv", "Ukraine", "EU", 50.45, 30.52, "Kiev"),
    ("Odesa", "Ukraine", "EU", 46.48, 30.72, "Odessa"),
    ("Lviv", "Ukraine", "EU", 49.84, 24.03, ""),
    ("Kharkiv", "Ukraine", "EU", 49.99, 36.23, "Kharkov"),
    ("Minsk", "Belarus", "EU", 53.90, 27.56, ""),
    ("Chișinău", "Moldova", "EU", 47.01, 28.86, "Chisinau"),
    ("Moscow", "Russia", "EU", 55.76, 37.62, ""),
    ("Saint Petersburg", "Russia", "EU", 59.93, 30.34, "St. Petersburg|St Petersburg"),
    ("Istanbul", "Turkey", "EU", 41.01, 28.98, ""),
    ("Ankara", "Turkey", "EU", 39.93, 32.86, ""),
    ("Izmir", "Turkey", "EU", 38.42, 27.14, ""),
    ("Reykjavík", "Iceland", "EU", 64.15, -21.94, ""),
    ("Valletta", "Malta", "EU", 35.90, 14.51, ""),
    ("Nicosia", "Cyprus", "EU", 35.19, 33.38, ""),
    ("Tbilisi", "Georgia", "EU", 41.72, 44.78, ""),
    ("Yerevan", "Armenia", "EU", 40.18, 44.51, ""),
    ("Baku", "Azerbaijan", "EU", 40.41, 49.87, ""),
    # --- Middle East and Africa
    ("Dubai", "United Arab Emirates", "ME", 25.20, 55.27, ""),
    ("Abu Dhabi", "United Arab Emirates", "ME", 24.45, 54.38, ""),
    ("Jebel Ali", "United Arab Emirates", "ME", 25.01, 55.06, ""),
    ("Sharjah", "United Arab Emirates", "ME", 25.35, 55.39, ""),
    ("Doha", "Qatar", "ME", 25.29, 51.53, ""),
    ("Riyadh", "Saudi Arabia", "ME", 24.71, 46.68, ""),
    # English names the world table spells otherwise ("Madinah", "Irákleion")
    ("Medina", "Saudi Arabia", "ME", 24.47, 39.61, "Madinah|Al Madinah"),
    ("Mecca", "Saudi Arabia", "ME", 21.39, 39.86, "Makkah"),
    ("Jeddah", "Saudi Arabia", "ME", 21.49, 39.19, "Jedda|Jiddah"),
    ("Dammam", "Saudi Arabia", "ME", 26.42, 50.09, ""),
    ("Kuwait City", "Kuwait", "ME", 29.38, 47.99, ""),
    ("Manama", "Bahrain", "ME", 26.23, 50.59, ""),
    ("Muscat", "Oman", "ME", 23.59, 58.41, ""),
    ("Salalah", "Oman", "ME", 17.02, 54.09, ""),
    ("Tehran", "Iran", "ME", 35.69, 51.39, "Teheran"),
    ("Bandar Abbas", "Iran", "ME", 27.18, 56.27, ""),
    ("Baghdad", "Iraq", "ME", 33.31, 44.37, ""),
    ("Basra", "Iraq", "ME", 30.51, 47.78, "Basrah"),
    ("Amman", "Jordan", "ME", 31.95, 35.93, ""),
    ("Beirut", "Lebanon", "ME", 33.89, 35.50, ""),
    ("Damascus", "Syria", "ME", 33.51, 36.29, ""),
    ("Tel Aviv", "Israel", "ME", 32.09, 34.78, ""),
    ("Jerusalem", "Israel", "ME", 31.77, 35.21, ""),
    ("Haifa", "Israel", "ME", 32.79, 34.99, ""),
    ("Cairo", "Egypt", "ME", 30.04, 31.24, ""),
    ("Alexandria", "Egypt", "ME", 31.20, 29.92, ""),
    ("Port Said", "Egypt", "ME", 31.27, 32.30, ""),
    ("Suez", "Egypt", "ME", 29.97, 32.53, ""),
    ("Casablanca", "Morocco", "ME", 33.57, -7.59, ""),
    ("Tangier", "Morocco", "ME", 35.76, -5.83, "Tanger|Tangiers"),
    ("Rabat", "Morocco", "ME", 34.02, -6.84, ""),
    ("Algiers", "Algeria", "ME", 36.75, 3.06, ""),
    ("Tunis", "Tunisia", "ME", 36.81, 10.18, ""),
    ("Tripoli", "Libya", "ME", 32.89, 13.19, ""),
    ("Lagos", "Nigeria", "ME", 6.52, 3.38, ""),
    ("Abuja", "Nigeria", "ME", 9.08, 7.40, ""),
    # (English writes it Ogbomosho; the world table, Ogbomoso)
    ("Ogbomosho", "Nigeria", "ME", 8.13, 4.24, "Ogbomoso"),
    ("Accra", "Ghana", "ME", 5.60, -0.19, ""),
    ("Tema", "Ghana", "ME", 5.67, -0.02, ""),
    ("Abidjan", "Ivory Coast", "ME", 5.36, -4.01, ""),
    ("Dakar", "Senegal", "ME", 14.72, -17.47, ""),
    ("Douala", "Cameroon", "ME", 4.05, 9.77, ""),
    ("Nairobi", "Kenya", "ME", -1.29, 36.82, ""),
    ("Juba", "South Sudan", "ME", 4.85, 31.58, ""),
    ("Mombasa", "Kenya", "ME", -4.04, 39.67, ""),
    ("Addis Ababa", "Ethiopia", "ME", 9.03, 38.74, "Addis"),
    # (the world table has Adama and Hawassa by their older names only)
    ("Adama", "Ethiopia", "ME", 8.54, 39.27, "Nazret|Nazrēt"),
    ("Hawassa", "Ethiopia", "ME", 7.06, 38.48, "Awasa|Awassa"),
    ("Dire Dawa", "Ethiopia", "ME", 9.60, 41.85, ""),
    ("Bahir Dar", "Ethiopia", "ME", 11.59, 37.39, ""),
    ("Mekelle", "Ethiopia", "ME", 13.50, 39.47, "Mek'ele"),
    ("Djibouti", "Djibouti", "ME", 11.59, 43.15, ""),
    ("Dar es Salaam", "Tanzania", "ME", -6.79, 39.21, ""),
    ("Kampala", "Uganda", "ME", 0.35, 32.58, ""),
    ("Kigali", "Rwanda", "ME", -1.94, 30.06, ""),
    ("Khartoum", "Sudan", "ME", 15.50, 32.56, ""),
    ("Luanda", "Angola", "ME", -8.84, 13.23, ""),
    ("Kinshasa", "DR Congo", "ME", -4.44, 15.27, ""),
    ("Johannesburg", "South Africa", "ME", -26.20, 28.05, "Joburg|Jo'burg"),
    ("Cape Town", "South Africa", "ME", -33.92, 18.42, ""),
    ("Durban", "South Africa", "ME", -29.86, 31.02, ""),
    ("Pretoria", "South Africa", "ME", -25.75, 28.19, ""),
    ("Port Elizabeth", "South Africa", "ME", -33.96, 25.60, "Gqeberha"),
    ("Maputo", "Mozambique", "ME", -25.97, 32.57, ""),
    ("Harare", "Zimbabwe", "ME", -17.83, 31.05, ""),
    ("Lusaka", "Zambia", "ME", -15.39, 28.32, ""),
    ("Windhoek", "Namibia", "ME", -22.56, 17.08, ""),
    ("Antananarivo", "Madagascar", "ME", -18.88, 47.51, ""),
    ("Port Louis", "Mauritius", "ME", -20.16, 57.50, ""),
    # --- cargo airports and port terminals planners name as places of their own
    ("Schiphol", "Netherlands", "EU", 52.31, 4.76, "Amsterdam Schiphol|Schiphol Airport"),
    ("Heathrow", "United Kingdom", "EU", 51.47, -0.45, "London Heathrow|Heathrow Airport"),
    ("Gatwick", "United Kingdom", "EU", 51.15, -0.19, "London Gatwick|Gatwick Airport"),
    ("Maasvlakte", "Netherlands", "EU", 51.96, 4.03, "Maasvlakte 2"),
    ("Changi", "Singapore", "AP", 1.36, 103.99, "Singapore Changi|Changi Airport"),
    ("Haneda", "Japan", "AP", 35.55, 139.78, "Tokyo Haneda|Haneda Airport"),
    ("Tanjung Pelepas", "Malaysia", "AP", 1.36, 103.55, "Port of Tanjung Pelepas|PTP"),
    ("Yantian", "China", "AP", 22.58, 114.27, ""),
    ("Nhava Sheva", "India", "AP", 18.95, 72.95, "JNPT|Jawaharlal Nehru Port"),
    ("O'Hare", "United States", "NA", 41.98, -87.90, "OHare|O Hare|Chicago O'Hare"),
    ("JFK", "United States", "NA", 40.64, -73.78, "JFK Airport|John F. Kennedy Airport"),
    ("Khalifa Port", "United Arab Emirates", "ME", 24.81, 54.65, ""),
    ("Hamad Port", "Qatar", "ME", 25.01, 51.61, ""),
    ("Tanger Med", "Morocco", "ME", 35.89, -5.50, "Tangier Med|Tanger-Med"),
    ("Apapa", "Nigeria", "ME", 6.45, 3.36, ""),
)

#: (country, representative city, aliases separated by "|").
COUNTRIES: tuple[tuple[str, str, str], ...] = (
    ("China", "Shanghai", "PRC|mainland China|People's Republic of China"),
    ("Japan", "Tokyo", ""),
    ("South Korea", "Seoul", "Korea|Republic of Korea"),
    ("Taiwan", "Taipei", ""),
    ("Mongolia", "Ulaanbaatar", ""),
    ("Malaysia", "Kuala Lumpur", ""),
    ("Thailand", "Bangkok", ""),
    ("Indonesia", "Jakarta", ""),
    ("Philippines", "Manila", "the Philippines"),
    ("Vietnam", "Ho Chi Minh City", "Viet Nam"),
    ("Cambodia", "Phnom Penh", ""),
    ("Myanmar", "Yangon", "Burma"),
    ("Laos", "Vientiane", ""),
    ("India", "Mumbai", ""),
    ("Pakistan", "Karachi", ""),
    ("Bangladesh", "Dhaka", ""),
    ("Sri Lanka", "Colombo", ""),
    ("Nepal", "Kathmandu", ""),
    ("Kazakhstan", "Almaty", ""),
    ("Uzbekistan", "Tashkent", ""),
    ("Australia", "Sydney", ""),
    ("New Zealand", "Auckland", ""),
    ("Papua New Guinea", "Port Moresby", ""),
    ("Fiji", "Suva", ""),
    ("United States", "Chicago", "USA|US|U.S.|U.S.A.|United States of America|America|the States"),
    ("Canada", "Toronto", ""),
    ("Mexico", "Mexico City", "México"),
    ("Brazil", "São Paulo", "Brasil"),
    ("Argentina", "Buenos Aires", ""),
    ("Chile", "Santiago", ""),
    ("Peru", "Lima", ""),
    ("Colombia", "Bogotá", ""),
    ("Venezuela", "Caracas", ""),
    ("Ecuador", "Guayaquil", ""),
    ("Bolivia", "La Paz", ""),
    ("Paraguay", "Asunción", ""),
    ("Uruguay", "Montevideo", ""),
    ("Panama", "Panama City", ""),
    ("Guatemala", "Guatemala City", ""),
    ("El Salvador", "San Salvador", ""),
    ("Honduras", "Tegucigalpa", ""),
    ("Nicaragua", "Managua", ""),
    ("Cuba", "Havana", ""),
    ("Dominican Republic", "Santo Domingo", ""),
    ("Jamaica", "Kingston", ""),
    ("Puerto Rico", "San Juan", ""),
    ("Trinidad and Tobago", "Port of Spain", "Trinidad"),
    ("United Kingdom", "London", "UK|U.K.|Britain|Great Britain|England"),
    ("Scotland", "Glasgow", ""),
    ("Ireland", "Dublin", ""),
    ("France", "Paris", ""),
    ("Germany", "Frankfurt", "Deutschland"),
    ("Netherlands", "Rotterdam", "the Netherlands|Holland"),
    ("Belgium", "Antwerp", ""),
    ("Switzerland", "Zurich", ""),
    ("Austria", "Vienna", ""),
    ("Spain", "Madrid", ""),
    ("Portugal", "Lisbon", ""),
    ("Italy", "Milan", ""),
    ("Greece", "Athens", ""),
    ("Denmark", "Copenhagen", ""),
    ("Sweden", "Stockholm", ""),
    ("Norway", "Oslo", ""),
    ("Finland", "Helsinki", ""),
    ("Estonia", "Tallinn", ""),
    ("Latvia", "Riga", ""),
    ("Lithuania", "Vilnius", ""),
    ("Poland", "Warsaw", ""),
    ("Czech Republic", "Prague", "Czechia"),
    ("Slovakia", "Bratislava", ""),
    ("Hungary", "Budapest", ""),
    ("Romania", "Bucharest", ""),
    ("Bulgaria", "Sofia", ""),
    ("Serbia", "Belgrade", ""),
    ("Croatia", "Zagreb", ""),
    ("Slovenia", "Ljubljana", ""),
    ("Bosnia and Herzegovina", "Sarajevo", "Bosnia"),
    ("North Macedonia", "Skopje", "Macedonia"),
    ("Albania", "Tirana", ""),
    ("Ukraine", "Kyiv", ""),
    ("Belarus", "Minsk", ""),
    ("Moldova", "Chișinău", ""),
    ("Russia", "Moscow", "Russian Federation"),
    ("Turkey", "Istanbul", "Türkiye|Turkiye"),
    ("Iceland", "Reykjavík", ""),
    ("Malta", "Valletta", ""),
    ("Cyprus", "Nicosia", ""),
    ("Georgia", "Tbilisi", ""),
    ("Armenia", "Yerevan", ""),
    ("Azerbaijan", "Baku", ""),
    ("United Arab Emirates", "Dubai", "UAE|U.A.E.|Emirates|the Emirates"),
    ("Qatar", "Doha", ""),
    ("Saudi Arabia", "Riyadh", "Saudi|KSA"),
    ("Kuwait", "Kuwait City", ""),
    ("Bahrain", "Manama", ""),
    ("Oman", "Muscat", ""),
    ("Iran", "Tehran", ""),
    ("Iraq", "Baghdad", ""),
    ("Jordan", "Amman", ""),
    ("Lebanon", "Beirut", ""),
    ("Syria", "Damascus", ""),
    ("Israel", "Tel Aviv", ""),
    ("Egypt", "Cairo", ""),
    ("Morocco", "Casablanca", ""),
    ("Algeria", "Algiers", ""),
    ("Tunisia", "Tunis", ""),
    ("Libya", "Tripoli", ""),
    ("Nigeria", "Lagos", ""),
    ("Ghana", "Accra", ""),
    ("Ivory Coast", "Abidjan", "Côte d'Ivoire|Cote d'Ivoire"),
    ("Senegal", "Dakar", ""),
    ("Cameroon", "Douala", ""),
    ("Kenya", "Nairobi", ""),
    ("Ethiopia", "Addis Ababa", ""),
    ("Tanzania", "Dar es Salaam", ""),
    ("Uganda", "Kampala", ""),
    ("Rwanda", "Kigali", ""),
    ("Sudan", "Khartoum", ""),
    ("Angola", "Luanda", ""),
    ("DR Congo", "Kinshasa", "Democratic Republic of the Congo|DRC|Congo"),
    ("South Africa", "Johannesburg", ""),
    ("Mozambique", "Maputo", ""),
    ("Zimbabwe", "Harare", ""),
    ("Zambia", "Lusaka", ""),
    ("Namibia", "Windhoek", ""),
    ("Madagascar", "Antananarivo", ""),
    ("Mauritius", "Port Louis", ""),
)

#: (region id, representative city, names and synonyms separated by "|"). The first block of
#: each id names the whole region; the others are sub-regions folded into it.
REGIONS: tuple[tuple[str, str, str], ...] = (
    (
        "asia-pacific",
        "Singapore",
        "Asia|Asia Pacific|Asia-Pacific|APAC|Asia Pac|AsiaPac|the Asia-Pacific region|Pacific Rim",
    ),
    ("asia-pacific", "Singapore", "Southeast Asia|South-East Asia|South East Asia|ASEAN"),
    ("asia-pacific", "Shanghai", "East Asia|the Far East|Far East|Greater China"),
    ("asia-pacific", "Mumbai", "South Asia|the Indian subcontinent|Indian subcontinent"),
    ("asia-pacific", "Sydney", "Oceania|Australasia|ANZ"),
    ("asia-pacific", "Almaty", "Central Asia"),
    ("north-america", "Chicago", "North America|NA region|NAM|NORAM|Midwest|the Midwest"),
    ("north-america", "New York", "East Coast|the East Coast|US East Coast"),
    ("north-america", "Los Angeles", "West Coast|the West Coast|US West Coast"),
    ("europe", "Frankfurt", "Europe|EU|European Union|continental Europe|EMEA"),
    ("europe", "Paris", "Western Europe"),
    ("europe", "Warsaw", "Eastern Europe|Central Europe|Central and Eastern Europe|CEE"),
    ("europe", "Stockholm", "Northern Europe|Scandinavia|the Nordics|Nordics|Nordic region"),
    ("europe", "Barcelona", "Southern Europe|the Mediterranean|Mediterranean"),
    ("europe", "Belgrade", "the Balkans|Balkans"),
    ("europe", "Rotterdam", "Benelux"),
    (
        "latin-america",
        "São Paulo",
        "Latin America|LATAM|LatAm|Lat Am|South America|Americas south",
    ),
    ("latin-america", "Panama City", "Central America"),
    ("latin-america", "Santo Domingo", "the Caribbean|Caribbean"),
    (
        "middle-east",
        "Dubai",
        "Middle East|the Middle East|MENA|ME region|MEA|the Gulf|Gulf region|GCC|Persian Gulf|"
        "Near East",
    ),
    ("middle-east", "Johannesburg", "Africa|Sub-Saharan Africa|Southern Africa"),
    ("middle-east", "Casablanca", "North Africa|the Maghreb|Maghreb"),
    ("middle-east", "Lagos", "West Africa"),
    ("middle-east", "Nairobi", "East Africa"),
)
# The region ids themselves ("asia-pacific", "middle east", ...) also resolve, see _build().


class City:
    """One gazetteer city (the internal row behind a city :class:`Place`)."""

    __slots__ = ("country", "latitude", "longitude", "name", "region")

    def __init__(self, name: str, country: str, region: str, latitude: float, longitude: float):
        self.name = name
        self.country = country
        self.region = region
        self.latitude = latitude
        self.longitude = longitude

    def place(self) -> Place:
        return Place(self.name, self.country, self.region, self.latitude, self.longitude)

    def __repr__(self) -> str:
        return f"City({self.name!r}, {self.country!r}, {self.region!r})"


def fold(text: str) -> str:
    """Lower-case ``text`` and strip accents, keeping one character per character, so spans
    found in the folded text are spans of the original."""
    return _strip_accents(text).lower()


def _strip_accents(text: str) -> str:
    if text.isascii():
        return text
    out = []
    for char in text:
        if ord(char) > 127:
            base = unicodedata.normalize("NFKD", char)
            stripped = "".join(c for c in base if not unicodedata.combining(c))
            if len(stripped) == 1:
                char = stripped
            char = _BARE_LETTERS.get(char, char)
        out.append(char)
    return "".join(out)


# Letters with a stroke have no decomposition: "Đồng Xoài" is written "Dong Xoai", "Łódź" "Lodz"
_BARE_LETTERS = {"đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ħ": "h", "ı": "i"}


_WORD = re.compile(r"\w+(?:['’](?!s\b)\w+)*")  # "Rotterdam's" is Rotterdam

# Short all-caps aliases that are also ordinary words or abbreviations when lower-case: they
# match only when written in capitals ("LA" is Los Angeles, "la" is not).
_CASE_SENSITIVE = frozenset(
    {"LA", "US", "USA", "UK", "EU", "UAE", "SF", "KL", "HK", "NY", "NA", "ME", "MEA", "ANZ"}
    | {"NAM", "CEE", "GCC", "KSA", "DRC", "PRC", "EMEA", "MENA", "APAC", "LATAM", "NORAM"}
)


def _words(text: str) -> list[str]:
    return [m.group() for m in _WORD.finditer(_strip_accents(text).replace("’", "'"))]


def _key(text: str) -> str:
    """The lookup key of a name: folded words joined by single spaces."""
    return " ".join(_words(text)).lower()


def _build() -> tuple[dict[str, Place], dict[str, Place], list[City], int]:
    cities: dict[str, City] = {}
    insensitive: dict[str, Place] = {}
    sensitive: dict[str, Place] = {}
    longest = 1

    def add(surface: str, place: Place) -> None:
        nonlocal longest
        words = _words(surface)
        longest = max(longest, len(words))
        joined = "".join(words)
        if joined in _CASE_SENSITIVE:
            sensitive.setdefault(joined, place)
            if joined not in {"APAC", "LATAM", "EMEA", "MENA", "NORAM"}:
                return
        key = " ".join(words).lower()
        insensitive.setdefault(key, place)
        if key.startswith("the "):  # "the Gulf" is also found without its article
            insensitive.setdefault(key[4:], place)

    rows: list[City] = []
    for name, country, code, lat, lon, _aliases in CITIES:
        city = City(name, country, _REGION_CODES[code], lat, lon)
        rows.append(city)
        cities[_key(name)] = city
    # Cities first so a city and a country of the same name (Singapore) resolve to the city.
    for city in rows:
        add(city.name, city.place())
    for name, _country, _code, _lat, _lon, aliases in CITIES:
        city = cities[_key(name)]
        for alias in filter(None, aliases.split("|")):
            add(alias, city.place())
    for country, rep, aliases in COUNTRIES:
        city = cities[_key(rep)]
        place = Place(None, country, city.region, city.latitude, city.longitude, True)
        for surface in (country, *filter(None, aliases.split("|"))):
            add(surface, place)
    for region, rep, names in REGIONS:
        city = cities[_key(rep)]
        place = Place(None, None, region, city.latitude, city.longitude, True)
        for surface in names.split("|"):
            add(surface, place)
    for region in REGION_IDS:
        rep = next(r for reg, r, _n in REGIONS if reg == region)
        city = cities[_key(rep)]
        add(region, Place(None, None, region, city.latitude, city.longitude, True))
    return insensitive, sensitive, rows, longest


_INSENSITIVE, _SENSITIVE, _CITY_ROWS, _LONGEST = _build()
_WORLD_LONGEST = 4  # "La Chaux-de-Fonds"
#: Curated cities whose name big towns of other countries share: a text that names a place in
#: one of those countries means that country's town ("a store in Madrid and a DC in León").
_SHARED_NAMES = frozenset({"leon"})

_BY_LENGTH: dict[int, list[str]] = {}
for _k in _INSENSITIVE:
    if len(_k) >= 5:
        _BY_LENGTH.setdefault(len(_k), []).append(_k)


def within_one_edit(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` are at most one insertion, deletion, substitution or adjacent
    transposition apart (Damerau-Levenshtein distance <= 1)."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diffs = [i for i in range(la) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        return (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and a[diffs[0]] == b[diffs[1]]
            and a[diffs[1]] == b[diffs[0]]
        )
    if la > lb:
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :]


def town_in_lower_case(text: str) -> Place | None:
    """The town ``text`` names written in lower case where a town is expected, though its name
    is also a word ("manta" is Manta, Ecuador, not a typo of Malta); not a town one letter from
    a curated city ("monterey mx" is Monterrey misspelt; a country is no such city)."""
    key = _key(text)
    curated, _twice = _curated_deletions()
    near = {k for d in (key, *_deletions(key)) for k in curated.get(d, ())}
    if any(k != key and _INSENSITIVE[k].city is not None and within_one_edit(key, k) for k in near):
        return None
    place = lookup(text.title())
    return place if place is not None and place.city is not None else None


def suggest(text: str, *, world: bool = False, shorthand: bool = False) -> Place | None:
    """The one place ``text`` names with a single typo ("Jakrta", "Rotterdm"), for names of
    five letters or more, or two typos in a name of nine or more ("Cincinatti"); with
    ``world``, also the world table's big cities ("agadr": a caller says so where a town is
    surely meant, since more words are one letter from one of them: "pasta", Pasto); None
    when there is no such place or more than one."""
    exact = lookup(text)
    if exact is not None:
        return exact
    as_name = town_in_lower_case(text)
    if as_name is not None:
        return as_name
    key = _key(text)
    if len(key) < 5:
        return None
    once = (key, *_deletions(key))
    curated, curated_twice = _curated_deletions()
    near = {k for d in once for k in curated.get(d, ())}
    found = {id(_INSENSITIVE[k]): _INSENSITIVE[k] for k in near if within_one_edit(key, k)}
    if not found and len(key) >= _TWO_TYPOS_FROM:
        # "cincinatti": a long name takes two slips (a letter doubled in the wrong place)
        twice = {d2 for d in once for d2 in (d, *_deletions(d))}
        near = {k for d in twice for k in curated_twice.get(d, ())}
        found = {id(_INSENSITIVE[k]): _INSENSITIVE[k] for k in near if _distance(key, k, 2) <= 2}
    if not found and world:
        # "agadr", "marakesh": a big city of the world table the curated one does not hold
        for limit in (_MAJOR_CITIES, _TOWNS_IN_SHORTHAND) if shorthand else (_MAJOR_CITIES,):
            major, deleted = _major_world(limit)
            near = {k for d in once for k in deleted.get(d, ())}
            found = {id(major[k]): major[k] for k in near if within_one_edit(key, k)}
            if found:
                break
    return next(iter(found.values())) if len(found) == 1 else None


@functools.cache
def _curated_deletions() -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    """The curated names of five letters or more by themselves and less one letter, and the
    long ones (two typos allowed) also less two letters: a word one (two) edits from a name
    shares one of these with it."""
    once: dict[str, set[str]] = {}
    twice: dict[str, set[str]] = {}
    for keys in _BY_LENGTH.values():
        for key in keys:
            variants = (key, *_deletions(key))
            for variant in variants:
                once.setdefault(variant, set()).add(key)
            if len(key) >= _TWO_TYPOS_FROM - 2:
                for variant in {v2 for v in variants for v2 in (v, *_deletions(v))}:
                    twice.setdefault(variant, set()).add(key)
    return (
        {v: frozenset(k) for v, k in once.items()},
        {v: frozenset(k) for v, k in twice.items()},
    )


#: How many of the world table's most populous cities (it is sorted so) typos may name: about
#: the cities of 150,000 people or more.
_MAJOR_CITIES = 3000


#: How many a typo may name where the words leave no doubt a town is meant ("plant toowomba
#: 20k/mo", "sup rockhamton 9k": a node type before, a size after): down to about 50,000.
_TOWNS_IN_SHORTHAND = 12000


@functools.cache
def _major_world(
    limit: int = _MAJOR_CITIES,
) -> tuple[dict[str, Place], dict[str, frozenset[str]]]:
    """The world table's most populous cities, by lookup key, that the curated table does not
    hold and whose name is no English word; and every key and key less one letter, with the
    keys it comes from (a word one edit from a key shares one of these with it)."""
    data = resources.files(__package__).joinpath("data", _WORLD_FILE).read_bytes()
    lines = gzip.decompress(data).decode("utf-8").splitlines()[:limit]
    major: dict[str, Place] = {}
    for line in lines:
        name, _key_said, _country, _code, _lat, _lon, word = line.split("\t")
        key = _key(name)
        if word == "1" or key in _INSENSITIVE or key in major or len(key) < 5:
            continue
        place = lookup(name)
        if place is not None:
            major[key] = place
    deleted: dict[str, set[str]] = {}
    for key in major:
        for variant in (key, *_deletions(key)):
            deleted.setdefault(variant, set()).add(key)
    return major, {variant: frozenset(keys) for variant, keys in deleted.items()}


#: The length from which a name may carry two typos and still be read as one place.
_TWO_TYPOS_FROM = 9


def _distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, or ``limit + 1`` as soon as it is known to exceed ``limit``."""
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        current = [i]
        for j, other in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other))
            )
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def closest(text: str, *, max_edits: int = 2) -> Place | None:
    """The one city ``text`` is nearest to within ``max_edits`` edits ("Shnzhn" is Shenzhen),
    for a "did you mean" question; None when there is none or a tie."""
    key = _key(text)
    if len(key) < 4:
        return None
    best: list[tuple[int, Place]] = []
    for size in range(len(key) - max_edits, len(key) + max_edits + 1):
        for candidate in _BY_LENGTH.get(size, ()):
            distance = _distance(key, candidate, max_edits)
            if distance <= max_edits:
                best.append((distance, _INSENSITIVE[candidate]))
    if not best:
        return None
    best.sort(key=lambda item: item[0])
    top = [place for distance, place in best if distance == best[0][0]]
    unique = {id(place): place for place in top}
    return top[0] if len(unique) == 1 else None


# The world table: every city of 15,000 people or more (GeoNames, built by
# tools/make_world_cities.py), for the places the curated table above does not know. Its names
# are matched exactly (never as typo corrections) and, inside a sentence, only where a place is
# expected; a town whose name is also an English word ("Mobile", "Normal") only when written
# as a name, capitalised, where a place is expected.
_WORLD_FILE = "world_cities.tsv.gz"
_PLACE_CUES = frozenset(
    {
        "in",
        "at",
        "near",
        "from",
        "to",
        "of",
        "into",
        "outside",
        "around",
        "via",
        "based",
        "and",
        "if",
    }
)


# The node kinds that open a terse line ("sup guelph 8k", "wh kitchener 20k")
_KIND_CUES = frozenset(
    {"sup", "supp", "supplier", "wh", "warehouse", "dc", "mfg", "plant", "factory", "store"}
)


@functools.cache
def _world_rows() -> dict[str, list[tuple[Place, bool]]]:
    """Every world-table city by lookup key, most populous first: (place, whether the name is
    also an English word)."""
    rows: dict[str, list[tuple[Place, bool]]] = {}
    data = resources.files(__package__).joinpath("data", _WORLD_FILE).read_bytes()
    aliases: list[tuple[str, tuple[Place, bool]]] = []
    for line in gzip.decompress(data).decode("utf-8").splitlines():
        name, key, country, code, lat, lon, word = line.split("\t")
        place = Place(name, country, _REGION_CODES[code], float(lat), float(lon))
        row = (place, word == "1")
        rows.setdefault(key, []).append(row)
        if not key.isascii():
            aliases.append((_key(name), row))  # "Dong Xoai" for "Đồng Xoài"
        if key.startswith("mueang ") and name.startswith("Mueang "):
            # "Nonthaburi" for "Mueang Nonthaburi" (Thai: the town of the province)
            aliases.append(
                (
                    key.removeprefix("mueang "),
                    (
                        Place(
                            name.removeprefix("Mueang "),
                            country,
                            place.region,
                            place.latitude,
                            place.longitude,
                        ),
                        row[1],
                    ),
                )
            )
        for suffix_re, said_re in (
            (_ADMIN_SUFFIX, _ADMIN_SUFFIX_SAID),
            (_RIVER_SUFFIX, _RIVER_SUFFIX_SAID),
        ):
            suffix = suffix_re.search(key)
            bare_name = said_re.sub("", name)
            if suffix is not None and bare_name != name:
                # "Cheongju" for "Cheongju-si", "Ludwigshafen" for "Ludwigshafen am Rhein",
                # named as users name them (after any town that has the short name itself)
                bare = Place(bare_name, country, place.region, place.latitude, place.longitude)
                aliases.append((key[: suffix.start()], (bare, row[1])))
    countries = {_key(p.country or "") for found in rows.values() for p, _w in found}
    for key, found in list(rows.items()):
        stem = key.removesuffix(" city")
        place, is_word = found[0]
        if (
            stem != key
            and stem not in rows
            and stem not in countries
            and place.country != "United States"
        ):
            # "Chiayi" for "Chiayi City" (never "Panama" or "Kuwait", the countries, nor
            # "Kansas" or "Iowa", the states)
            named = Place(
                place.city.removesuffix(" City") if place.city else None,
                place.country,
                place.region,
                place.latitude,
                place.longitude,
            )
            rows[stem] = [(named, is_word)]
    for alias, row in aliases:
        if alias and alias not in rows:
            rows[alias] = [row]
        elif alias and row not in rows[alias] and not any(r[0] == row[0] for r in rows[alias]):
            rows[alias].append(row)
    return rows


# Korean and Japanese city names as the world table writes them ("Cheongju-si", "Ōita-shi"):
# users leave the suffix out
_ADMIN_SUFFIX = re.compile(r" (?:si|shi)$")
_ADMIN_SUFFIX_SAID = re.compile(r"[- ](?:si|shi)$", re.IGNORECASE)
# German and English towns named with their river or region ("Ludwigshafen am Rhein", "Halle
# an der Saale", "Burton upon Trent"): users say the first part
_RIVER_SUFFIX = re.compile(r" (?:am|an der|im|in der|upon) [a-z]+$")
_RIVER_SUFFIX_SAID = re.compile(r"[- ](?:am|an der|im|in der|upon)[- ]\w+$", re.IGNORECASE)


def world_key(name: str) -> str:
    """The world table's lookup key of a name (tools/make_world_cities.py writes it)."""
    return _key(name)


def _deletions(key: str) -> set[str]:
    return {key[:i] + key[i + 1 :] for i in range(len(key))}


@functools.cache
def _major_neighbours() -> tuple[frozenset[str], frozenset[str]]:
    """The curated names of five letters or more, and every one of them less one letter: a
    name is one edit from one of them when it, or one of its own deletions, is in these."""
    names = frozenset(k for keys in _BY_LENGTH.values() for k in keys)
    return names, frozenset(d for k in names for d in _deletions(k))


def near_major_city(key: str) -> bool:
    """Whether ``key`` is one edit from a curated city of five letters or more (the world
    table's generator marks such small towns: "monterey mx" is Monterrey misspelt)."""
    if len(key) < 5:
        return False
    names, deleted = _major_neighbours()
    if key in names:
        return False
    return key in deleted or any(d in names or d in deleted for d in _deletions(key))


@functools.cache
def _world() -> dict[str, tuple[Place, bool]]:
    """The world table's most populous city of each name the curated table does not know."""
    return {key: found[0] for key, found in _world_rows().items() if key not in _INSENSITIVE}


def in_country(place: Place, country: Place) -> Place:
    """``place`` as the city of that name in ``country`` ("Newcastle, Australia" is not the
    English one), or ``place`` itself when there is none."""
    if place.city is None or country.country is None or place.country == country.country:
        return place
    return _world_town(_key(place.city), country.country) or place


def _world_town(key: str, country: str) -> Place | None:
    """The most populous world-table town of that name (lookup key) in that country."""
    return next((p for p, _word in _world_rows().get(key, ()) if p.country == country), None)


_NAME_PARTICLES = frozenset(
    {"de", "del", "la", "le", "el", "of", "da", "do", "di", "al", "am", "an", "on", "sur", "en"}
)


def _capitalised(words: Iterable[str]) -> bool:
    """Whether ``words`` are written as a name ("La Spezia", "Rio de Janeiro")."""
    return all(w[:1].isupper() or w.lower() in _NAME_PARTICLES for w in words)


def _world_hit(
    tokens: list[tuple[int, int, str]], i: int, size: int, listed: bool = False
) -> Place | None:
    """The world-table city the ``size`` tokens at ``i`` name, where a place is expected: the
    name capitalised after the first word, or after "in", "from", "near", ... ."""
    words = [t[2] for t in tokens[i : i + size]]
    key = " ".join(words).lower()
    found = _world().get(key)
    if found is None:
        return None
    place, is_word = found
    # ("Paris, Lyon, Nice and Brest": a name in a list of places is cued by the list)
    cued = listed or (i > 0 and tokens[i - 1][2].lower() in _PLACE_CUES)
    if size == 1 and len(key) < 4 and not (cued and i > 0 and words[0][:1].isupper()):
        return None  # a short name only written as one where a place is expected ("and Oyo")
    if is_word:
        if i > 0 and _capitalised(words) and cued:
            return place
        # "sup guelph 8k -> mfg": ops shorthand, the kind before the town and its size after
        typed = i > 0 and tokens[i - 1][2].lower() in _KIND_CUES
        sized = i + size < len(tokens) and tokens[i + size][2][:1].isdigit()
        return place if typed and sized else None
    # A name that is no English word may open the sentence ("Antofagasta -> Ulsan").
    return place if _capitalised(words) or cued else None


def lookup(text: str) -> Place | None:
    """The place ``text`` names exactly (a city, alias, country or region), else None.

    Case and accents do not matter, nor a leading "the" or surrounding punctuation; the short
    upper-case codes ("LA", "UK", "EU") must be written in capitals.
    """
    words = _words(text)
    if not words:
        return None
    place = _SENSITIVE.get("".join(words))
    if place is not None:
        return place
    key = " ".join(words).lower()
    place = _INSENSITIVE.get(key)
    if place is None and key.startswith("the "):
        place = _INSENSITIVE.get(key[4:])
    if place is not None:
        return place
    found = _world().get(key)
    if found is None or (found[1] and not _capitalised(words)):
        return None  # "normal" is a word; "Normal" may be the town
    return found[0]


def find_places(text: str) -> list[tuple[tuple[int, int], Place]]:
    """Every place named in ``text``, left to right, as ((start, end), Place); longest names
    win ("Mexico City" over "Mexico") and matches do not overlap."""
    return list(_places_in(text))


@functools.lru_cache(maxsize=4096)
def _places_in(text: str) -> tuple[tuple[tuple[int, int], Place], ...]:
    # The parser asks about the same clause several times (each rule, each rewrite): once.
    return tuple(_find_places(text))


def _find_places(text: str) -> list[tuple[tuple[int, int], Place]]:
    plain = _strip_accents(text).replace("’", "'")
    tokens = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(plain)]
    lowered = [t[2].lower() for t in tokens]
    found: list[tuple[tuple[int, int], Place]] = []

    def one_name(window: list[tuple[int, int, str]]) -> bool:
        # Words of one name are separated by spaces, hyphens, dots or apostrophes only.
        return not any(plain[a[1] : b[0]].strip(" .-'") for a, b in itertools.pairwise(window))

    i = 0
    count = len(tokens)
    while i < count:
        hit: Place | None = None
        size = min(_LONGEST, count - i)
        while size > 0:
            window = tokens[i : i + size]
            if not one_name(window):
                size -= 1
                continue
            hit = _SENSITIVE.get("".join(t[2] for t in window))
            if hit is None:
                hit = _INSENSITIVE.get(" ".join(lowered[i : i + size]))
            if hit is not None:
                break
            size -= 1
        if hit is not None:
            # "Surat Thani" (the world table's) over "Surat" (a curated city): the longer name
            for longer in range(min(_WORLD_LONGEST, count - i), size, -1):
                window = tokens[i : i + longer]
                wider = _world_hit(tokens, i, longer) if one_name(window) else None
                if wider is not None:
                    hit, size = wider, longer
                    break
        if hit is None:
            listed = (
                bool(found)
                and re.fullmatch(
                    r"\s*(?:,|and|&|or|,\s*and|,\s*or)\s*", plain[found[-1][0][1] : tokens[i][0]]
                )
                is not None
            )
            for size in range(min(_WORLD_LONGEST, count - i), 0, -1):
                hit = (
                    _world_hit(tokens, i, size, listed) if one_name(tokens[i : i + size]) else None
                )
                if hit is not None:
                    break
        if hit is None:
            i += 1
            continue
        start, end = tokens[i][0], tokens[i + size - 1][1]
        found.append(((start, end), hit))
        i += size
    found = _with_states(plain, tokens, found)
    # "Newcastle, Australia": the city of that name in the country said after it.
    state_said: set[int] = set()
    for index, (((_s, end), place), ((later, _e), country)) in enumerate(itertools.pairwise(found)):
        if country.city is None and country.country and re.fullmatch(r",?\s*", plain[end:later]):
            found[index] = (found[index][0], in_country(place, country))
            if (
                country.country == "Georgia"
                and place.country == "United States"
                and found[index][1].country == "United States"
            ):
                # "Gainesville, Georgia": the US state of the town before, not the country
                state_said.add(index + 1)
    found = [f for index, f in enumerate(found) if index not in state_said]
    # "a plant in Puebla and one in León": a world-table town of a name several countries
    # share is the one in a country the same text names.
    for index, (span, place) in enumerate(found):
        if place.city is None or (
            _key(place.city) in _INSENSITIVE and _key(place.city) not in _SHARED_NAMES
        ):
            continue
        elsewhere = {p.country for i, (_s, p) in enumerate(found) if i != index and p.country}
        if place.country in elsewhere:
            continue
        for other, _word in _world_rows().get(_key(place.city), ()):
            if other.country in elsewhere:
                found[index] = (span, other)
                break
    return found


# States and provinces said after a town ("Odessa, Texas", "hobbs nm", "Columbus, OH"): the
# town of that name in that country. Two-letter codes that are English words count only when
# written in capitals; "Georgia" is left to the country of that name.
_STATES = {
    "United States": (
        "alabama al alaska ak arizona az arkansas ar california ca colorado co connecticut ct "
        "delaware de florida fl hawaii hi idaho id illinois il indiana in iowa ia kansas ks "
        "kentucky ky louisiana la maine me maryland md massachusetts ma michigan mi minnesota mn "
        "mississippi ms missouri mo montana mt nebraska ne nevada nv ohio oh oklahoma ok oregon "
        "or pennsylvania pa tennessee tn texas tx utah ut vermont vt virginia va washington wa "
        "wisconsin wi wyoming wy ga nh nj nm ny nc nd ri sc sd wv dc"
    ),
    "Canada": "ontario on quebec qc alberta ab manitoba mb saskatchewan sk bc nb ns nl pei",
    "Australia": "nsw vic qld tasmania tas act",
}
_STATE_WORDS = {w: country for country, words in _STATES.items() for w in words.split()}
_TWO_WORD_STATES = {
    "new hampshire": "United States",
    "new jersey": "United States",
    "new mexico": "United States",
    "new york": "United States",
    "north carolina": "United States",
    "north dakota": "United States",
    "rhode island": "United States",
    "south carolina": "United States",
    "south dakota": "United States",
    "west virginia": "United States",
    "british columbia": "Canada",
    "nova scotia": "Canada",
    "new brunswick": "Canada",
    "new south wales": "Australia",
    "south australia": "Australia",
    "western australia": "Australia",
}
_CODES_THAT_ARE_WORDS = frozenset(
    (
        "al",
        "ar",
        "co",
        "de",
        "hi",
        "id",
        "in",
        "la",
        "ma",
        "me",
        "mi",
        "mo",
        "ms",
        "mt",
        "ne",
        "ok",
        "oh",
        "or",
        "pa",
        "va",
        "wa",
        "wi",
        "on",
        "ab",
        "act",
        "sa",
        "nt",
    )
)


def _state_after(plain: str, tokens: list[tuple[int, int, str]], j: int) -> str | None:
    """The country of a state or province named by the tokens at ``j``."""
    if j >= len(tokens):
        return None
    for width in (3, 2):
        if j + width <= len(tokens):
            words = " ".join(t[2].lower() for t in tokens[j : j + width])
            if words in _TWO_WORD_STATES:
                return _TWO_WORD_STATES[words]
    word = tokens[j][2]
    country = _STATE_WORDS.get(word.lower())
    if country is None:
        return None
    if len(word) <= 3 and word.lower() in _CODES_THAT_ARE_WORDS and not word.isupper():
        return None
    if len(word) <= 3 and word.isupper() and plain.isupper():
        return None  # a message in capitals: "IN", "OR" are words there
    return country


def _with_states(
    plain: str, tokens: list[tuple[int, int, str]], found: list[tuple[tuple[int, int], Place]]
) -> list[tuple[tuple[int, int], Place]]:
    """``found`` with each town followed by a state or province moved to that country's town of
    the name, and lower-case towns the world table knows found when a state follows them."""
    out = list(found)
    covered = [span for span, _p in found]
    for j in range(1, len(tokens)):
        country = _state_after(plain, tokens, j)
        if country is None or not re.fullmatch(r",?\s*", plain[tokens[j - 1][1] : tokens[j][0]]):
            continue
        before = next((k for k, (span, _p) in enumerate(out) if span[1] == tokens[j - 1][1]), None)
        if before is not None:
            span, place = out[before]
            town = _world_town(_key(plain[span[0] : span[1]]), country)
            if town is not None and place.country != country:
                out[before] = (span, town)
            continue
        # "hobbs nm", "big spring tx": the words before the state, a town of that country
        for size in (3, 2, 1):
            first = j - size
            if first < 0 or any(a <= tokens[first][0] < b for a, b in covered):
                continue
            town = _world_town(_key(plain[tokens[first][0] : tokens[j - 1][1]]), country)
            if town is not None:
                out.append(((tokens[first][0], tokens[j - 1][1]), town))
                break
    out.sort(key=lambda f: f[0][0])
    return out


def haversine_km(a: Place | tuple[float, float], b: Place | tuple[float, float]) -> float:
    """Great-circle distance in km between two places or (latitude, longitude) pairs."""
    lat1, lon1 = (a.latitude, a.longitude) if isinstance(a, Place) else a
    lat2, lon2 = (b.latitude, b.longitude) if isinstance(b, Place) else b
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))


def nearest_city(latitude: float, longitude: float, *, region: str | None = None) -> Place:
    """The gazetteer city closest to a point (optionally within ``region``): how an answer
    names the representative location of a country or region."""
    rows: Iterable[City] = _CITY_ROWS
    if region is not None:
        rows = [c for c in _CITY_ROWS if c.region == region] or _CITY_ROWS
    best = min(rows, key=lambda c: haversine_km((latitude, longitude), (c.latitude, c.longitude)))
    return best.place()


def region_of(text: str) -> str | None:
    """The region id of whatever place ``text`` names, else None."""
    place = lookup(text)
    return place.region if place is not None else None
