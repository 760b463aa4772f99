"""Fixed vocabularies of the shop generator: countries, names, categories and the money rules."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

# (country, weight %, phone prefix, shipping fee for orders of 50.00 or less, cities, streets)
COUNTRIES = (
    ("DE", 25, "+49", "3.99", ("Berlin", "Hamburg", "München", "Köln", "Frankfurt"),
     ("Hauptstraße", "Schulstraße", "Bahnhofstraße", "Gartenweg")),
    ("FR", 20, "+33", "5.99", ("Paris", "Lyon", "Marseille", "Toulouse", "Nantes"),
     ("Rue de la Paix", "Avenue Victor Hugo", "Rue Pasteur", "Boulevard Voltaire")),
    ("GB", 15, "+44", "9.99", ("London", "Manchester", "Birmingham", "Leeds", "Bristol"),
     ("High Street", "Station Road", "Church Lane", "Victoria Road")),
    ("ES", 12, "+34", "6.99", ("Madrid", "Barcelona", "Valencia", "Sevilla", "Málaga"),
     ("Calle Mayor", "Gran Vía", "Calle del Sol", "Avenida de América")),
    ("IT", 10, "+39", "6.99", ("Roma", "Milano", "Napoli", "Torino", "Bologna"),
     ("Via Roma", "Via Garibaldi", "Corso Italia", "Via Dante")),
    ("NL", 8, "+31", "4.99", ("Amsterdam", "Rotterdam", "Utrecht", "Den Haag", "Eindhoven"),
     ("Kerkstraat", "Dorpsstraat", "Molenweg", "Stationsplein")),
    ("PL", 5, "+48", "5.99", ("Warszawa", "Kraków", "Łódź", "Wrocław", "Gdańsk"),
     ("ul. Długa", "ul. Polna", "ul. Leśna", "ul. Słoneczna")),
    ("BE", 3, "+32", "4.99", ("Bruxelles", "Antwerpen", "Gent", "Liège", "Brugge"),
     ("Rue Neuve", "Kerkstraat", "Avenue Louise", "Meir")),
    ("AT", 1, "+43", "4.99", ("Wien", "Graz", "Linz", "Salzburg", "Innsbruck"),
     ("Mariahilfer Straße", "Hauptplatz", "Ringstraße", "Lindengasse")),
    ("PT", 1, "+351", "7.99", ("Lisboa", "Porto", "Braga", "Coimbra", "Faro"),
     ("Rua Augusta", "Avenida da Liberdade", "Rua Direita", "Rua do Carmo")),
)
COUNTRY = {c[0]: c for c in COUNTRIES}
COUNTRY_CODES = tuple(c[0] for c in COUNTRIES)
COUNTRY_WEIGHTS = tuple(c[1] for c in COUNTRIES)
HIGH_TAX_COUNTRIES = ("NL", "BE")

FIRST_NAMES = (
    "Anna", "Lukas", "Emma", "Jonas", "Léa", "Hugo", "Olivia", "Jack", "Lucía", "Mateo", "Giulia",
    "Lorenzo", "Sanne", "Daan", "Zofia", "Łukasz", "Élodie", "Noah", "Inês", "João", "Zoë", "Felix",
    "Chloé", "Marco", "Sophie", "Liam", "Marta", "Jan", "Clara", "Tomás",
)
LAST_NAMES = (
    "Müller", "Schmidt", "Dupont", "Martin", "Smith", "Jones", "García", "Fernández", "Rossi",
    "Bianchi", "de Jong", "Jansen", "Kowalski", "Nowak", "Peeters", "Gruber", "Silva", "Santos",
    "Weber", "Lefèvre", "Taylor", "López", "Romano", "Visser", "Wójcik", "Huber", "Costa", "O'Brien",
)
EMAIL_DOMAINS = ("gmail.com", "outlook.com", "yahoo.com", "gmx.de", "web.de", "orange.fr", "icloud.com")

# (category, subcategories, price range in whole euros)
CATEGORIES = (
    ("electronics", ("smartphones", "laptops", "headphones", "cameras", "accessories"), (15, 1500)),
    ("clothing", ("shirts", "trousers", "dresses", "jackets", "shoes"), (10, 250)),
    ("home_garden", ("furniture", "kitchen", "decor", "garden_tools", "lighting"), (8, 900)),
    ("sports", ("fitness", "outdoor", "cycling", "team_sports", "swimming"), (8, 600)),
    ("books", ("fiction", "non_fiction", "children", "comics", "textbooks"), (5, 80)),
    ("toys", ("board_games", "puzzles", "dolls", "building_sets", "outdoor_toys"), (5, 150)),
    ("beauty", ("skincare", "makeup", "haircare", "fragrance", "bath"), (3, 120)),
    ("food", ("snacks", "beverages", "coffee_tea", "organic", "sweets"), (2, 50)),
)
BRANDS = (
    "Nordwind", "Lumina", "Veloce", "Atelier", "Kronberg", "Solano", "Brightway", "Holmgren",
    "Casa Viva", "Petit Monde", "Alpina", "Vertex", "Marlow", "Fiora", "Quercus", "Zephyr",
)
ADJECTIVES = ("Classic", "Pro", "Eco", "Deluxe", "Compact", "Premium", "Essential", "Urban", "Smart", "Vintage")
CENT_ENDINGS = ("99", "49", "95", "00")

STATUSES = ("pending", "processing", "shipped", "delivered", "cancelled", "returned")
STATUS_WEIGHTS = (5, 7, 15, 57, 9, 7)
RECENT_STATUS_WEIGHTS = (30, 30, 30, 0, 10, 0)  # orders of the range's last RECENT_DAYS days
RECENT_DAYS = 7
PAYMENT_METHODS = ("credit_card", "paypal", "debit_card", "klarna", "bank_transfer", "apple_pay")
PAYMENT_WEIGHTS = (35, 25, 15, 10, 10, 5)

ITEMS_PER_ORDER_WEIGHTS = (40, 30, 15, 10, 5)  # 1..5 products per order
QUANTITY_WEIGHTS = (55, 25, 10, 6, 4)  # 1..5 of each
ITEM_DISCOUNT_SHARE = 0.2  # of items with a discount_percent of 5..25
FREE_SHIPPING_ABOVE = Decimal("50")
ORDER_DISCOUNT_ABOVE = Decimal("200")
ORDER_DISCOUNT_RATE = Decimal("0.05")


def money(value: Decimal) -> Decimal:
    """Rounded to cents, half up."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def line_total(quantity: int, unit_price: Decimal, discount_percent: int) -> Decimal:
    """round(quantity * unit_price * (1 - discount_percent / 100), 2), exact in decimal."""
    return money(quantity * unit_price * (100 - discount_percent) / 100)


def order_amounts(subtotal: Decimal, country: str) -> dict[str, Decimal]:
    """tax, shipping, discount and total of an order from its subtotal and shipping country."""
    rate = Decimal("0.21") if country in HIGH_TAX_COUNTRIES else Decimal("0.19")
    tax = money(subtotal * rate)
    shipping = ZERO if subtotal > FREE_SHIPPING_ABOVE else Decimal(COUNTRY[country][3])
    discount = money(subtotal * ORDER_DISCOUNT_RATE) if subtotal > ORDER_DISCOUNT_ABOVE else ZERO
    return {"tax_amount": tax, "shipping_amount": shipping, "discount_amount": discount,
            "total_amount": subtotal + tax + shipping - discount}
