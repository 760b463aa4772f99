"""Deterministic sample data in the Kaggle Superstore `train.csv` format, with deliberate faults."""

from __future__ import annotations

import csv
import math
import os
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from lakehouse.datagen import arguments

HEADER = (
    "Row ID", "Order ID", "Order Date", "Ship Date", "Ship Mode", "Customer ID", "Customer Name",
    "Segment", "Country", "City", "State", "Postal Code", "Region", "Product ID", "Category",
    "Sub-Category", "Product Name", "Sales",
)
FILE_NAME = "train.csv"
DEFAULT_START = date(2015, 1, 3)
DEFAULT_END = date(2018, 12, 30)

# Kaggle volumes at scale 1; customers grow with sqrt(scale) so per-customer snapshots stay small.
LINES_AT_SCALE_1 = 9800
CUSTOMERS_AT_SCALE_1 = 790
PRODUCTS_AT_SCALE_1 = 1850

# Share of lines per fault kind; files of MIN_FAULTY_LINES lines or more get at least one of each.
FAULT_RATES = {
    "unparseable_order_date": 0.0005,
    "unparseable_ship_date": 0.0005,
    "unparseable_sales": 0.0005,
    "negative_sales": 0.001,
    "null_customer_id": 0.0005,
    "null_order_id": 0.0005,
    "ship_before_order": 0.001,
}
DUPLICATE_RATE = 0.003
MIN_FAULTY_LINES = 20

# (name, share, min ship days, max ship days); Same Day ships on the order date.
SHIP_MODES = (
    ("Standard Class", 60, 4, 7),
    ("Second Class", 19, 2, 5),
    ("First Class", 15, 1, 4),
    ("Same Day", 6, 0, 0),
)
SEGMENTS = (("Consumer", 52), ("Corporate", 30), ("Home Office", 18))
SEGMENT_CHANGE_RATE = 0.02

# Lines per order, Kaggle-like: half the orders have one line, a long tail up to 14.
LINES_PER_ORDER = ((1, 2850), (2, 1150), (3, 560), (4, 300), (5, 160), (6, 90), (7, 50),
                   (8, 30), (9, 20), (10, 12), (11, 8), (12, 5), (13, 3), (14, 2))
QUANTITIES = ((1, 900), (2, 2400), (3, 2400), (4, 1200), (5, 1200), (6, 570), (7, 600),
              (8, 250), (9, 250), (10, 57), (11, 34), (12, 23), (13, 27), (14, 29))
# Discount in percent; sales are post-discount, which yields 2-4 decimals as in Kaggle.
DISCOUNTS = ((0, 4800), (20, 3650), (70, 420), (80, 300), (30, 230), (40, 200), (60, 140),
             (10, 94), (50, 66), (15, 52), (32, 27), (45, 11))
MAX_SALES = 25000  # dollars; no line above it
# Seasonality by month (Sep, Nov, Dec peaks) and linear growth over the range, as in Kaggle.
MONTH_WEIGHT = (0.55, 0.45, 0.9, 0.85, 0.9, 0.85, 0.85, 0.85, 1.6, 0.9, 1.7, 1.6)
GROWTH = 0.7

REGION_OF_STATE = {
    **dict.fromkeys(("Connecticut", "Delaware", "District of Columbia", "Maine", "Maryland",
                     "Massachusetts", "New Hampshire", "New Jersey", "New York", "Ohio",
                     "Pennsylvania", "Rhode Island", "Vermont", "West Virginia"), "East"),
    **dict.fromkeys(("Illinois", "Indiana", "Iowa", "Kansas", "Michigan", "Minnesota", "Missouri",
                     "Nebraska", "North Dakota", "Oklahoma", "South Dakota", "Texas",
                     "Wisconsin"), "Central"),
    **dict.fromkeys(("Alabama", "Arkansas", "Florida", "Georgia", "Kentucky", "Louisiana",
                     "Mississippi", "North Carolina", "South Carolina", "Tennessee",
                     "Virginia"), "South"),
    **dict.fromkeys(("Arizona", "California", "Colorado", "Idaho", "Montana", "Nevada",
                     "New Mexico", "Oregon", "Utah", "Washington", "Wyoming"), "West"),
}

# (city, state, postal code, weight). Postal codes are strings: New England ones start with 0,
# and Burlington, Vermont has none, exactly as in the Kaggle file.
LOCATIONS = (
    ("New York City", "New York", "10035", 260), ("New York City", "New York", "10024", 230),
    ("New York City", "New York", "10009", 220), ("New York City", "New York", "10011", 180),
    ("Los Angeles", "California", "90049", 200), ("Los Angeles", "California", "90036", 190),
    ("Los Angeles", "California", "90032", 170), ("Los Angeles", "California", "90045", 170),
    ("Philadelphia", "Pennsylvania", "19140", 200), ("Philadelphia", "Pennsylvania", "19143", 170),
    ("Philadelphia", "Pennsylvania", "19120", 160), ("San Francisco", "California", "94122", 180),
    ("San Francisco", "California", "94110", 170), ("San Francisco", "California", "94109", 150),
    ("Seattle", "Washington", "98105", 160), ("Seattle", "Washington", "98103", 150),
    ("Seattle", "Washington", "98115", 120), ("Houston", "Texas", "77095", 140),
    ("Houston", "Texas", "77036", 130), ("Houston", "Texas", "77070", 100),
    ("Chicago", "Illinois", "60653", 110), ("Chicago", "Illinois", "60610", 100),
    ("Chicago", "Illinois", "60623", 100), ("Columbus", "Ohio", "43229", 130),
    ("Columbus", "Georgia", "31907", 45), ("San Diego", "California", "92024", 90),
    ("San Diego", "California", "92037", 80), ("Springfield", "Virginia", "22153", 50),
    ("Springfield", "Ohio", "45503", 40), ("Springfield", "Missouri", "65807", 40),
    ("Springfield", "Oregon", "97477", 30), ("Dallas", "Texas", "75217", 90),
    ("Dallas", "Texas", "75220", 66), ("Jacksonville", "Florida", "32216", 90),
    ("Jacksonville", "North Carolina", "28540", 35), ("Detroit", "Michigan", "48227", 65),
    ("Detroit", "Michigan", "48205", 50), ("Newark", "Delaware", "19711", 40),
    ("Newark", "Ohio", "43055", 25), ("Newark", "New Jersey", "07104", 30),
    ("Richmond", "Virginia", "23223", 60), ("Richmond", "Kentucky", "40475", 30),
    ("Jackson", "Mississippi", "39212", 50), ("Jackson", "Michigan", "49201", 32),
    ("Columbia", "South Carolina", "29203", 50), ("Columbia", "Missouri", "65203", 31),
    ("Aurora", "Colorado", "80013", 45), ("Aurora", "Illinois", "60505", 23),
    ("Phoenix", "Arizona", "85023", 63), ("Long Beach", "California", "90805", 45),
    ("Long Beach", "New York", "11561", 16), ("Arlington", "Texas", "76017", 35),
    ("Arlington", "Virginia", "22204", 25), ("San Antonio", "Texas", "78207", 59),
    ("Miami", "Florida", "33142", 49), ("Louisville", "Kentucky", "40214", 30),
    ("Louisville", "Colorado", "80027", 17), ("Rochester", "New York", "14609", 30),
    ("Rochester", "Minnesota", "55901", 13), ("Charlotte", "North Carolina", "28205", 42),
    ("Henderson", "Kentucky", "42420", 20), ("Henderson", "Nevada", "89015", 22),
    ("Lakewood", "New Jersey", "08701", 22), ("Lakewood", "Ohio", "44107", 20),
    ("Lancaster", "Pennsylvania", "17602", 20), ("Lancaster", "California", "93534", 20),
    ("Milwaukee", "Wisconsin", "53209", 37), ("Lawrence", "Massachusetts", "01841", 20),
    ("Lawrence", "Kansas", "66046", 16), ("Denver", "Colorado", "80219", 36),
    ("Baltimore", "Maryland", "21215", 34), ("Pasadena", "California", "91104", 20),
    ("Pasadena", "Texas", "77506", 13), ("Cleveland", "Ohio", "44105", 32),
    ("San Jose", "California", "95123", 32), ("Salem", "Oregon", "97301", 20),
    ("Salem", "Massachusetts", "01970", 11), ("Atlanta", "Georgia", "30318", 31),
    ("Tampa", "Florida", "33614", 27), ("Minneapolis", "Minnesota", "55407", 23),
    ("Austin", "Texas", "78745", 26), ("Oklahoma City", "Oklahoma", "73120", 20),
    ("Wichita", "Kansas", "67212", 16), ("Omaha", "Nebraska", "68104", 14),
    ("Des Moines", "Iowa", "50315", 14), ("Sioux Falls", "South Dakota", "57103", 10),
    ("Fargo", "North Dakota", "58103", 8), ("Indianapolis", "Indiana", "46203", 22),
    ("Memphis", "Tennessee", "38109", 20), ("Nashville", "Tennessee", "37211", 20),
    ("Birmingham", "Alabama", "35207", 10), ("New Orleans", "Louisiana", "70119", 15),
    ("Little Rock", "Arkansas", "72209", 12), ("Raleigh", "North Carolina", "27604", 12),
    ("Virginia Beach", "Virginia", "23464", 12), ("Orlando", "Florida", "32839", 17),
    ("Wilmington", "Delaware", "19805", 22), ("Washington", "District of Columbia", "20016", 10),
    ("Buffalo", "New York", "14215", 20), ("Cincinnati", "Ohio", "45231", 18),
    ("Toledo", "Ohio", "43615", 14), ("Huntington", "West Virginia", "25701", 8),
    ("Provo", "Utah", "84604", 12), ("West Jordan", "Utah", "84084", 10),
    ("Boise", "Idaho", "83704", 8), ("Great Falls", "Montana", "59405", 7),
    ("Cheyenne", "Wyoming", "82001", 5), ("Las Vegas", "Nevada", "89115", 12),
    ("Albuquerque", "New Mexico", "87105", 10), ("Tucson", "Arizona", "85705", 18),
    ("Sacramento", "California", "95823", 12), ("Oakland", "California", "94601", 12),
    ("Spokane", "Washington", "99207", 10), ("Fort Lauderdale", "Florida", "33311", 12),
    ("Franklin", "Wisconsin", "53132", 8), ("Madison", "Wisconsin", "53711", 12),
    ("Concord", "North Carolina", "28027", 10), ("Naperville", "Illinois", "60540", 10),
    ("Eagan", "Minnesota", "55122", 6), ("Troy", "New York", "12180", 12),
    ("Cambridge", "Massachusetts", "02138", 15), ("Boston", "Massachusetts", "02110", 18),
    ("Lowell", "Massachusetts", "01852", 10), ("Providence", "Rhode Island", "02908", 18),
    ("Warwick", "Rhode Island", "02886", 10), ("Bridgeport", "Connecticut", "06610", 12),
    ("Manchester", "Connecticut", "06040", 10), ("Hartford", "Connecticut", "06106", 8),
    ("Concord", "New Hampshire", "03301", 9), ("Nashua", "New Hampshire", "03060", 6),
    ("Lewiston", "Maine", "04240", 6), ("Vineland", "New Jersey", "08360", 8),
    ("Burlington", "Vermont", "", 10), ("Burlington", "North Carolina", "27217", 8),
)

FIRST_NAMES = (
    "Aaron", "Adam", "Alan", "Alejandro", "Alex", "Amy", "Andrew", "Angela", "Anna", "Anthony",
    "Barbara", "Ben", "Brenda", "Brian", "Bruce", "Carl", "Carol", "Chris", "Christine", "Claire",
    "Craig", "Dan", "Darren", "David", "Dean", "Denise", "Diana", "Dorothy", "Doug", "Ed",
    "Elizabeth", "Emily", "Eric", "Erica", "Frank", "Gary", "George", "Grace", "Greg", "Harold",
    "Helen", "Irene", "Jack", "James", "Jane", "Jason", "Jennifer", "Jessica", "Jim", "Joe",
    "John", "José", "Karen", "Kathy", "Keith", "Ken", "Kevin", "Laura", "Linda", "Lisa",
    "Luke", "Maria", "Mark", "Matt", "Michael", "Michelle", "Nancy", "Nick", "Nora", "Pamela",
    "Patrick", "Paul", "Pete", "Rachel", "René", "Rick", "Robert", "Ruth", "Sam", "Sandra",
    "Sarah", "Scott", "Sean", "Sharon", "Steve", "Susan", "Ted", "Thomas", "Tim", "Todd",
    "Tom", "Tracy", "Victoria", "Vivek", "Walter", "Wendy", "Yana", "Zoë",
)
LAST_NAMES = (
    "Adams", "Allen", "Anderson", "Bailey", "Baker", "Barnes", "Bell", "Bennett", "Brooks",
    "Brown", "Bryant", "Butler", "Campbell", "Carter", "Clark", "Collins", "Cook", "Cooper",
    "Cox", "Cruz", "Davis", "Diaz", "Donatelli", "Edwards", "Evans", "Fisher", "Flores", "Ford",
    "Foster", "Garcia", "Gibson", "Gomez", "Gonzalez", "Gray", "Green", "Grove", "Gute", "Hall",
    "Harris", "Hayes", "Henderson", "Hill", "Hoffman", "Howard", "Hughes", "Jackson", "James",
    "Jenkins", "Johnson", "Jones", "Kelly", "Kim", "King", "Kriz", "Lee", "Lewis", "Long",
    "Lopez", "Maddox", "Martin", "Martinez", "Miller", "Mitchell", "Moore", "Morales", "Morgan",
    "Morris", "Murphy", "Myers", "Nelson", "Nguyen", "O'Donnell", "Ortiz", "Parker", "Patel",
    "Pawlan", "Perez", "Perry", "Peterson", "Phillips", "Powell", "Price", "Ramirez", "Reed",
    "Reyes", "Richardson", "Rivera", "Roberts", "Robinson", "Rogers", "Ross", "Russell",
    "Sanchez", "Sanders", "Schwartz", "Scott", "Simmons", "Smith", "Stewart", "Sullivan",
    "Taylor", "Thomas", "Thompson", "Torres", "Turner", "Walker", "Ward", "Watson", "White",
    "Williams", "Wilson", "Wood", "Wright", "Young", "Zandusky",
)
MONONYMS = ("Cher", "Madonna", "Prince", "Sting", "Bono", "Adele", "Seal", "Enya", "Moby",
            "Drake", "Shakira", "Beyoncé", "Rihanna", "Pelé", "Björk", "Yanni")
MIDDLE_TOKENS = ("Ann", "Lee", "Van", "De", "Mae", "Jo", "Del", "La")
MONONYM_RATE = 0.005
THREE_TOKEN_RATE = 0.01

# (category, code, sub-category, code, share of lines, median unit price, brands, series,
#  nouns, suffixes). Names get commas and inch-mark quotes so the CSV quoting is exercised.
SUB_CATEGORIES = (
    ("Furniture", "FUR", "Bookcases", "BO", 226, 110.0,
     ("Bush", "Sauder", "O'Sullivan", "Hon", "Atlantic Metals", "Safco"),
     ("Somerset Collection", "Heritage Pine", "Westfield", "Cubix", "Mission", "Radius"),
     ("Bookcase", "5-Shelf Bookcase", "3-Shelf Bookcase", "Corner Bookcase", "Barrister Bookcase"),
     ("", "", ", Mahogany", ", Cherry/Black", ", Medium Oak", ', 72" High')),
    ("Furniture", "FUR", "Chairs", "CH", 607, 120.0,
     ("Hon", "Global", "Office Star", "SAFCO", "Novimex", "Harbour Creations", "Bevis"),
     ("Deluxe", "Ergonomic", "Executive", "Task", "Leather", "Mesh", "Push Button"),
     ("Chair", "Swivel Chair", "Armchair", "Manager's Chair", "Guest Chair", "Stool"),
     ("", "", ", Black", ", Gray", ", Adjustable Height", ", 2/Carton")),
    ("Furniture", "FUR", "Furnishings", "FU", 931, 18.0,
     ("Eldon", "Howard Miller", "Tenex", "Deflect-o", "Seth Thomas", "Advantus", "Luxo"),
     ("Classic", "Expressions", "Image", "Executive", "Wood", "Chrome", "Contemporary"),
     ("Desk Accessories", "Wall Clock", "Frame", "Chairmat", "Floor Lamp", "Desk Organizer"),
     ("", "", ', 13-1/2" Diameter', ", Black", ', 8-1/2" x 11"', ", Walnut")),
    ("Furniture", "FUR", "Tables", "TA", 314, 140.0,
     ("Bretford", "Hon", "Bevis", "Chromcraft", "Barricks", "KI", "Balt"),
     ("Round", "Rectangular", "Conference", "Training", "Adjustable Height", "Folding"),
     ("Table", "Conference Table", "Work Table", "Computer Table", "Table Top"),
     ("", "", ', 48" x 72"', ", Mahogany", ", Gray", ", Walnut/Black")),
    ("Office Supplies", "OFF", "Appliances", "AP", 459, 45.0,
     ("Hoover", "Holmes", "Fellowes", "Kensington", "Belkin", "Honeywell", "Eureka"),
     ("Replacement", "Harmony", "Smart", "Compact", "Power", "Desktop"),
     ("Air Purifier", "Surge Protector", "Space Heater", "Vacuum Cleaner", "Microwave", "Fan"),
     ("", "", ", 6 Outlets", ", White", ", 120V")),
    ("Office Supplies", "OFF", "Art", "AR", 785, 6.0,
     ("Newell", "Sanford", "Prang", "Dixon", "Boston", "Staedtler", "BIC"),
     ("Ticonderoga", "Ultra-Fine", "Colored", "Permanent", "Classic", "Fluorescent"),
     ("Pencils", "Markers", "Pens", "Pencil Sharpener", "Crayons", "Highlighters"),
     ("", "", ", 12/Pack", ", Assorted Colors", ", Black", ", 24/Box")),
    ("Office Supplies", "OFF", "Binders", "BI", 1492, 15.0,
     ("Avery", "GBC", "Wilson Jones", "Cardinal", "Acco", "Ibico", "Fellowes"),
     ("Heavy-Duty", "Durable", "Round Ring", "D-Ring", "Economy", "Presentation", "DocuBind"),
     ("Binder", "Binding Covers", "Binding System", "Binder with Label Holder", "View Binder"),
     ("", "", ', 1"', ', 3" Capacity', ", Clear", ', 8-1/2" x 11"', ", Navy")),
    ("Office Supplies", "OFF", "Envelopes", "EN", 248, 14.0,
     ("Tyvek", "Security-Tint", "Globe-Weis", "Quality Park", "Ampad", "Colored"),
     ("Interoffice", "Clasp", "Catalog", "Business", "Recycled", "Self-Seal"),
     ("Envelopes", "Mailers", "Envelope"),
     ("", "", ", #10", ", White", ', 9" x 12"', ", 100/Box")),
    ("Office Supplies", "OFF", "Fasteners", "FA", 214, 3.5,
     ("Acco", "Advantus", "OIC", "Vinyl Coated", "Staples", "Alliance"),
     ("Jumbo", "Colored", "Assorted", "Plastic", "Premium"),
     ("Paper Clips", "Push Pins", "Binder Clips", "Rubber Bands", "Thumb Tacks"),
     ("", "", ", 100/Box", ", Assorted Sizes", ", 1000/Pack")),
    ("Office Supplies", "OFF", "Labels", "LA", 357, 7.0,
     ("Avery", "Smead", "Dymo", "Brother", "Self-Adhesive"),
     ("Address", "File Folder", "Shipping", "Color-Coded", "Removable", "Round"),
     ("Labels", "Label Tape", "Labels for Typewriters", "Tabs"),
     ("", "", ', 1" x 2-5/8"', ", White", ", 500/Pack")),
    ("Office Supplies", "OFF", "Paper", "PA", 1338, 12.0,
     ("Xerox", "Hammermill", "Ampad", "Southworth", "Easy-staple", '"While You Were Out"', "Adams"),
     ("Copy", "Premium", "Recycled", "Multipurpose", "Laser", "Colored"),
     ("Paper", "Message Book", "Memo Pad", "Writing Pad", "Cardstock", "Note Cards"),
     ("", "", ', 8-1/2" x 11"', ", Letter Size", ", 500 Sheets/Ream", ", One Form per Page")),
    ("Office Supplies", "OFF", "Storage", "ST", 832, 55.0,
     ("Fellowes", "Eldon", "Tennsco", "Safco", "Sterilite", "Iris", "Smead"),
     ("Bankers Box", "Stackable", "Mobile", "Personal", "Steel", "Plastic", "Archive"),
     ("Storage Box", "File Cart", "Shelving", "Drawer", "File Box", "Locker"),
     ("", "", ", Letter/Legal", ", Black", ", 4 Drawers", ', 36" Wide')),
    ("Office Supplies", "OFF", "Supplies", "SU", 184, 20.0,
     ("Acme", "Fiskars", "Martin-Yale", "Stiletto", "Premier", "Elite"),
     ("Stainless Steel", "Titanium", "Hot Forged", "Kleencut", "Serrated"),
     ("Scissors", "Letter Opener", "Trimmer", "Rulers", "Shears"),
     ("", "", ', 8"', ", 2/Pack", ", Pointed Tip")),
    ("Technology", "TEC", "Accessories", "AC", 756, 40.0,
     ("Logitech", "Kingston", "SanDisk", "Memorex", "Imation", "Belkin", "Microsoft", "Razer"),
     ("Wireless", "Ultra", "Gaming", "Compact", "Bluetooth", "USB 3.0"),
     ("Mouse", "Keyboard", "Flash Drive", "Headset", "Memory Card", "Speakers", "Webcam"),
     ("", "", ", 16GB", ", 64GB", ", Black", ", 3/Pack")),
    ("Technology", "TEC", "Copiers", "CO", 66, 500.0,
     ("Canon", "Hewlett", "Sharp", "Brother"),
     ("imageCLASS", "Copy Station", "Ultra", "PC", "Digital"),
     ("Copier", "Laser Copier", "Multifunction Copier", "Wireless Copier"),
     ("", "", ", Color", ", Duplex")),
    ("Technology", "TEC", "Machines", "MA", 115, 300.0,
     ("Cisco", "Okidata", "Zebra", "Epson", "Lexmark", "Hewlett Packard", "Ativa", "Cubify"),
     ("LaserJet", "TelePresence", "Thermal", "Dot Matrix", "3D", "Wide-Format"),
     ("Printer", "Fax Machine", "Label Printer", "Scanner", "Shredder", "Calculator"),
     ("", "", ", Color", ", Network Ready", ", 110V")),
    ("Technology", "TEC", "Phones", "PH", 876, 80.0,
     ("Apple", "Samsung", "Motorola", "Nokia", "Polycom", "Plantronics", "Cisco", "AT&T"),
     ("Smart", "Galaxy", "VoIP", "Cordless", "Conference", "IP"),
     ("Phone", "Smartphone", "Headset", "Conference Phone", "Speakerphone", "Charger"),
     ("", "", ", Full Size", ", Black", ", Refurbished", ", with Caller ID")),
)
PRICE_SIGMA = 0.9  # log-normal spread of unit prices around each sub-category's median

CHUNK_ROWS = 20_000


@dataclass(frozen=True)
class GenerationReport:
    """What one `generate` call wrote: files, volumes, and the deliberate faults by kind."""

    paths: tuple[Path, ...]
    rows: int
    orders: int
    customers: int
    first_date: date
    last_date: date
    bad_rows: dict[str, int]
    duplicates: int
    segment_changes: int

    @property
    def path(self) -> Path:
        """The single file written."""
        return self.paths[0]


def line_count(scale: float) -> int:
    """Lines in the file (duplicates included): linear in scale."""
    return round(LINES_AT_SCALE_1 * scale)


def customer_count(scale: float) -> int:
    """Customers in the pool: sub-linear in scale so per-customer snapshots stay tractable."""
    return max(5, round(CUSTOMERS_AT_SCALE_1 * scale**0.5))


def fault_counts(lines: int) -> tuple[dict[str, int], int]:
    """Faulty lines per kind and exact duplicates for a file of `lines` lines."""
    floor = 1 if lines >= MIN_FAULTY_LINES else 0
    bad = {kind: max(floor, round(rate * lines)) for kind, rate in FAULT_RATES.items()}
    return bad, max(floor, round(DUPLICATE_RATE * lines))


def _cum(weights) -> list[float]:
    """Cumulative weights for random.choices."""
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


def _date_str(d: date) -> str:
    """dd/MM/yyyy, zero-padded, as in the Kaggle file."""
    return f"{d.day:02d}/{d.month:02d}/{d.year:04d}"


def _fraction(r: int) -> str:
    """'.dd', '.ddd' or '.dddd' for r/10000 dollars: 2-4 decimals, trailing zeros dropped."""
    s = f".{r:04d}"
    if s.endswith("00"):
        return s[:-2]
    return s[:-1] if s.endswith("0") else s


# Amounts are integers in 1/10000 dollars (cent price * quantity * percent paid); the hot loop
# formats them as f"{v // 10000}{FRACTIONS[v % 10000]}", a lookup instead of string surgery.
FRACTIONS = tuple(_fraction(r) for r in range(10000))


def _customers(rng: random.Random, n: int):
    """Customer pool: (id, name, segment index, home location index, activity weight) lists."""
    names: list[str] = []
    # A few one-token ("Cher") and three-token ("Mary Ann Smith") names, at least one each.
    n_mono = min(len(MONONYMS), max(1, round(MONONYM_RATE * n)))
    n_three = max(1, round(THREE_TOKEN_RATE * n))
    n_two = n - n_mono - n_three
    combos = len(FIRST_NAMES) * len(LAST_NAMES)
    # Unique "First Last" names while the pool lasts; beyond that, namesakes are realistic.
    picks = (rng.sample(range(combos), n_two) if n_two <= combos
             else [rng.randrange(combos) for _ in range(n_two)])
    for p in picks:
        f, last = divmod(p, len(LAST_NAMES))
        names.append(f"{FIRST_NAMES[f]} {LAST_NAMES[last]}")
    names += rng.sample(MONONYMS, n_mono)
    names += [f"{rng.choice(FIRST_NAMES)} {rng.choice(MIDDLE_TOKENS)} {rng.choice(LAST_NAMES)}"
              for _ in range(n_three)]
    rng.shuffle(names)

    # Kaggle IDs are two initials plus a multiple of 5; keep the number unique across customers.
    step = 5 if n <= 18_000 else 1
    if n > 90_000:
        raise ValueError(f"too many customers for 5-digit customer IDs: {n}")
    numbers = rng.sample(range(10000, 100000, step), n)
    ids = []
    for name, num in zip(names, numbers):
        tokens = name.split()
        initials = (tokens[0][0] + tokens[1][0]) if len(tokens) > 1 else tokens[0][:2]
        ids.append(f"{initials.upper()}-{num}")

    segments = rng.choices(range(len(SEGMENTS)), cum_weights=_cum(w for _, w in SEGMENTS), k=n)
    homes = rng.choices(range(len(LOCATIONS)), cum_weights=_cum(loc[3] for loc in LOCATIONS), k=n)
    activity = [rng.gammavariate(2.0, 1.0) + 0.05 for _ in range(n)]
    return ids, names, segments, homes, activity


def _products(rng: random.Random, n: int):
    """Products: row tails (id, category, sub-category, name), unit prices in cents, weights."""
    total_share = sum(s[4] for s in SUB_CATEGORIES)
    per_sub = [max(1, round(n * s[4] / total_share)) for s in SUB_CATEGORIES]
    n = sum(per_sub)
    numbers = rng.sample(range(10_000_000, 10_000_000 + max(5000, 2 * n)), n)
    tails, prices, weights = [], [], []
    k = 0
    for (cat, cat_code, sub, sub_code, _, median, brands, series, nouns, suffixes), count in zip(
        SUB_CATEGORIES, per_sub
    ):
        combos = len(brands) * len(series) * len(nouns) * len(suffixes)
        picks = (rng.sample(range(combos), count) if count <= combos
                 else [rng.randrange(combos) for _ in range(count)])
        for p in picks:
            p, x = divmod(p, len(suffixes))
            p, o = divmod(p, len(nouns))
            b, s = divmod(p, len(series))
            name = f"{brands[b]} {series[s]} {nouns[o]}{suffixes[x]}"
            tails.append((f"{cat_code}-{sub_code}-{numbers[k]}", cat, sub, name))
            k += 1
            price = median * math.exp(rng.gauss(0.0, PRICE_SIGMA))
            prices.append(min(2_000_000, max(50, round(price * 100))))
            weights.append(0.3 + rng.random())
    return tails, prices, weights


def _order_sizes(rng: random.Random, lines: int) -> list[int]:
    """Lines per order, Kaggle-like, summing exactly to `lines`."""
    values, cum = [s for s, _ in LINES_PER_ORDER], _cum(w for _, w in LINES_PER_ORDER)
    sizes, remaining = [], lines
    while remaining > 0:
        for s in rng.choices(values, cum_weights=cum, k=max(16, remaining // 2)):
            s = min(s, remaining)
            sizes.append(s)
            remaining -= s
            if remaining == 0:
                break
    return sizes


def _order_dates(rng: random.Random, start: date, end: date, k: int) -> list[int]:
    """Order dates as ordinals, seasonal and growing over [start, end]."""
    first, span = start.toordinal(), (end - start).days
    weights = []
    for i in range(span + 1):
        d = date.fromordinal(first + i)
        weights.append(MONTH_WEIGHT[d.month - 1] * (1.0 + GROWTH * i / max(span, 1)))
    return [first + i for i in rng.choices(range(span + 1), cum_weights=_cum(weights), k=k)]


def _segment_switches(rng: random.Random, order_cust: list[int], dates: list[int],
                      cust_seg: list[int]) -> dict[int, tuple[int, int]]:
    """A few customers (with 3+ order days) switch segment from one of their order days on."""
    days: dict[int, set[int]] = {}
    for c, d in zip(order_cust, dates):
        days.setdefault(c, set()).add(d)
    eligible = [c for c in range(len(cust_seg)) if len(days.get(c, ())) >= 3]
    count = min(len(eligible), max(1, round(SEGMENT_CHANGE_RATE * len(cust_seg))))
    switches = {}  # customer -> (first ordinal with the new segment, new segment)
    for c in sorted(rng.sample(eligible, count)):
        ds = sorted(days[c])
        new_seg = rng.choice([s for s in range(len(SEGMENTS)) if s != cust_seg[c]])
        # Split between order days, so a customer never has two segments on one day.
        switches[c] = (ds[rng.randrange(1, len(ds))], new_seg)
    return switches


def _order_locations(rng: random.Random, order_cust: list[int], cust_home: list[int],
                     order_seq: list[int]) -> list[int]:
    """Location per order: mostly the customer's home, else anywhere (weighted)."""
    locs = [cust_home[c] if rng.random() < 0.6 else -1 for c in order_cust]
    away = [i for i, loc in enumerate(locs) if loc < 0]
    cum = _cum(loc[3] for loc in LOCATIONS)
    for i, loc in zip(away, rng.choices(range(len(LOCATIONS)), cum_weights=cum, k=len(away))):
        locs[i] = loc
    # The first orders in the file cover every location once, so small files still hold
    # leading-zero and blank postal codes.
    cover = list(range(len(LOCATIONS)))
    rng.shuffle(cover)
    for i, loc in zip(order_seq, cover):
        locs[i] = loc
    return locs


def _order_ids(rng: random.Random, dates: list[int]) -> list[str]:
    """`<CA|US>-<order year>-<6 digits>`, the number unique within its year."""
    by_year: dict[int, list[int]] = {}
    for i, d in enumerate(dates):
        by_year.setdefault(date.fromordinal(d).year, []).append(i)
    ids = [""] * len(dates)
    for year in sorted(by_year):
        members = by_year[year]
        if len(members) > 900_000:
            raise ValueError(f"too many orders in {year} for 6-digit order numbers")
        for i, num in zip(members, rng.sample(range(100000, 1000000), len(members))):
            ids[i] = f"{'CA' if rng.random() < 0.8 else 'US'}-{year}-{num}"
    return ids


def _fault_plan(rng: random.Random, n_base: int, pinned: set[int], bad_counts: dict[str, int],
                n_dup: int) -> tuple[dict[int, str], dict[int, list[int]]]:
    """Which base lines get which fault, and after which line each duplicate copy goes."""
    n_faulty = sum(bad_counts.values())
    wanted = n_faulty + n_dup
    picks = [p for p in rng.sample(range(n_base), min(n_base, wanted + len(pinned)))
             if p not in pinned][:wanted]
    if len(picks) < wanted:
        raise ValueError(f"{n_base} lines are too few for {wanted} deliberate faults")
    kinds = [kind for kind, count in bad_counts.items() for _ in range(count)]
    fault_of = dict(zip(picks, kinds))
    # Duplicate sources are clean lines, each repeated once verbatim later in the file
    # (a re-sent line), so every faulty line has exactly one fault.
    dup_after: dict[int, list[int]] = {}
    for src in sorted(picks[n_faulty:]):
        dup_after.setdefault(rng.randrange(src, n_base), []).append(src)
    return fault_of, dup_after


def generate(
    out_dir: Path,
    seed: int = 42,
    scale: float = 1.0,
    start: date = DEFAULT_START,
    end: date = DEFAULT_END,
) -> GenerationReport:
    """Write `train.csv` into out_dir; the same arguments give a byte-identical file."""
    arguments.check(scale, start, end)
    n_lines = line_count(scale)
    if n_lines < 1:
        raise ValueError(f"scale {scale} gives no lines; use at least {1 / LINES_AT_SCALE_1:.6f}")
    bad_counts, n_dup = fault_counts(n_lines)
    n_base = n_lines - n_dup
    rng = random.Random(seed)

    # Both range ends get an extra single-line order that no fault touches, so the first and
    # last day are always present, even in silver.
    pins = ([start.toordinal(), end.toordinal()] if start != end else [start.toordinal()])[:n_base]
    sizes = _order_sizes(rng, n_base - len(pins))
    n_regular = len(sizes)
    sizes += [1] * len(pins)
    n_orders = len(sizes)
    order_seq = list(range(n_orders))
    rng.shuffle(order_seq)  # file order of the orders, so the file is not sorted by date
    dates = _order_dates(rng, start, end, n_regular) + pins

    # Every customer orders at least once (given enough orders); busy ones order more often.
    n_cust = customer_count(scale)
    cust_ids, cust_names, cust_seg, cust_home, activity = _customers(rng, n_cust)
    first_round = rng.sample(range(n_cust), min(n_cust, n_orders))
    order_cust = first_round + rng.choices(
        range(n_cust), cum_weights=_cum(activity), k=n_orders - len(first_round)
    )
    seg_switch = _segment_switches(rng, order_cust, dates, cust_seg)

    modes = rng.choices(range(len(SHIP_MODES)), cum_weights=_cum(m[1] for m in SHIP_MODES),
                        k=n_orders)
    rnd = rng.random
    ship_days = [SHIP_MODES[m][2] + int(rnd() * (SHIP_MODES[m][3] - SHIP_MODES[m][2] + 1))
                 for m in modes]
    order_loc = _order_locations(rng, order_cust, cust_home, order_seq)
    order_ids = _order_ids(rng, dates)

    prod_tails, prod_price, prod_weight = _products(
        rng, max(20, round(PRODUCTS_AT_SCALE_1 * scale**0.5))
    )
    n_prod = len(prod_tails)
    # Line-level draws in bulk: the per-line Python loop is what costs at scale 100.
    line_prod = rng.choices(range(n_prod), cum_weights=_cum(prod_weight), k=n_base)
    # Quantity and discount are independent: one draw from the joint table gives
    # quantity * percent paid.
    pairs = [(q * (100 - d), qw * dw) for q, qw in QUANTITIES for d, dw in DISCOUNTS]
    line_mult = rng.choices([m for m, _ in pairs], cum_weights=_cum(w for _, w in pairs), k=n_base)

    pinned_lines, pos = set(), 0  # file positions of the pinned orders' lines
    for o in order_seq:
        if o >= n_regular:
            pinned_lines.add(pos)
        pos += sizes[o]
    fault_of, dup_after = _fault_plan(rng, n_base, pinned_lines, bad_counts, n_dup)
    dup_sources = {src for srcs in dup_after.values() for src in srcs}
    special = set(fault_of) | dup_sources | set(dup_after)  # one membership test per line

    date_str = {d: _date_str(date.fromordinal(d)) for d in range(min(dates) - 8, max(dates) + 8)}
    seg_names = [s for s, _ in SEGMENTS]
    loc_fields = [(city, state, postal, REGION_OF_STATE[state])
                  for city, state, postal, _ in LOCATIONS]
    cap = MAX_SALES * 10000  # amounts are in 1/10000 dollars
    fractions = FRACTIONS

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / FILE_NAME
    tmp = out_dir / f".{FILE_NAME}.tmp"  # hidden and not *.csv: a landing scan never sees it
    row_id = line = 0
    held: dict[int, list[str]] = {}  # duplicate sources waiting for their copy's position
    nth = dict.fromkeys(bad_counts, 0)  # faults of each kind written so far
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        writer.writerow(HEADER)
        chunk: list[list[str]] = []
        append = chunk.append
        for o in order_seq:
            c, d = order_cust[o], dates[o]
            seg = cust_seg[c]
            switch = seg_switch.get(c)
            if switch is not None and d >= switch[0]:
                seg = switch[1]
            head = (order_ids[o], date_str[d], date_str[d + ship_days[o]],
                    SHIP_MODES[modes[o]][0], cust_ids[c], cust_names[c], seg_names[seg],
                    "United States", *loc_fields[order_loc[o]])
            size = sizes[o]
            prods = line_prod[line: line + size]
            if size > 1 and len(set(prods)) < size:
                prods = _distinct(prods, n_prod, rng)
            for p in prods:
                pc = prod_price[p]
                v = pc * line_mult[line]
                if v > cap:  # rare: as many full-price units as fit under MAX_SALES
                    v = pc * 100 * max(1, cap // (pc * 100))
                row_id += 1
                row = [str(row_id), *head, *prod_tails[p], f"{v // 10000}{fractions[v % 10000]}"]
                append(row)
                if line in special:
                    kind = fault_of.get(line)
                    if kind is not None:
                        _break(row, kind, d, nth[kind])
                        nth[kind] += 1
                    if line in dup_sources:
                        held[line] = row
                    for src in dup_after.get(line, ()):
                        row_id += 1
                        append([str(row_id), *held.pop(src)[1:]])
                line += 1
            if len(chunk) >= CHUNK_ROWS:
                writer.writerows(chunk)
                chunk.clear()
        writer.writerows(chunk)
    os.replace(tmp, path)

    return GenerationReport(
        paths=(path,),
        rows=row_id,
        orders=n_orders,
        customers=len(set(order_cust)),
        first_date=date.fromordinal(min(dates)),
        last_date=date.fromordinal(max(dates)),
        bad_rows=dict(bad_counts),
        duplicates=n_dup,
        segment_changes=len(seg_switch),
    )


def _distinct(prods: list[int], n_prod: int, rng: random.Random) -> list[int]:
    """Redraw repeated products, so no two lines of one order can be accidental duplicates."""
    seen: set[int] = set()
    out = []
    for p in prods:
        while p in seen:
            p = rng.randrange(n_prod)
        seen.add(p)
        out.append(p)
    return out


# Fault values, used in turn so that every variant shows up once a kind has a few lines.
BAD_ORDER_DATES = ("31/02/{y}", "{y}-13-45", "", "{d:02d}-{m:02d}-{y}", "00/{m:02d}/{y}")
BAD_SHIP_DATES = ("30/02/{y}", "{y}/{m:02d}/{d:02d}", "", "TBD", "{d:02d}/{m2:02d}/{y}")
BAD_SALES = ("{units},{cents}x", "N/A", "1.2.3", "", "#VALUE!")
BLANK_IDS = ("", " ", "")  # blank after trimming counts as null too


def _break(row: list[str], kind: str, order_ordinal: int, nth: int) -> None:
    """Give a clean row exactly one fault of the given kind (its nth), in place."""
    d = date.fromordinal(order_ordinal)
    if kind == "unparseable_order_date":
        pattern = BAD_ORDER_DATES[nth % len(BAD_ORDER_DATES)]
        row[2] = pattern.format(y=d.year, m=d.month, d=d.day)
    elif kind == "unparseable_ship_date":
        pattern = BAD_SHIP_DATES[nth % len(BAD_SHIP_DATES)]
        row[3] = pattern.format(y=d.year, m=d.month, d=d.day, m2=d.month + 12)
    elif kind == "unparseable_sales":
        units, _, cents = row[17].partition(".")
        row[17] = BAD_SALES[nth % len(BAD_SALES)].format(units=units, cents=cents)
    elif kind == "negative_sales":
        row[17] = "-" + row[17]
    elif kind == "null_customer_id":
        row[5] = BLANK_IDS[nth % len(BLANK_IDS)]
    elif kind == "null_order_id":
        row[1] = BLANK_IDS[nth % len(BLANK_IDS)]
    elif kind == "ship_before_order":
        row[3] = _date_str(d - timedelta(days=1 + nth % 5))
    else:  # pragma: no cover - FAULT_RATES and this function change together
        raise ValueError(kind)
