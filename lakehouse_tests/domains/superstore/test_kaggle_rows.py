"""The first lines of the real Kaggle train.csv go through landing -> bronze -> silver -> gold unchanged."""

from datetime import date, datetime, timezone
from decimal import Decimal

from lakehouse.domains.superstore.transforms import (
    to_bronze,
    to_customers_snapshot,
    to_gold_sales,
    to_silver,
)
from lakehouse.resources.landing import LandingFiles

KAGGLE_HEAD = """Row ID,Order ID,Order Date,Ship Date,Ship Mode,Customer ID,Customer Name,Segment,Country,City,State,Postal Code,Region,Product ID,Category,Sub-Category,Product Name,Sales
1,CA-2017-152156,08/11/2017,11/11/2017,Second Class,CG-12520,Claire Gute,Consumer,United States,Henderson,Kentucky,42420,South,FUR-BO-10001798,Furniture,Bookcases,Bush Somerset Collection Bookcase,261.96
2,CA-2017-152156,08/11/2017,11/11/2017,Second Class,CG-12520,Claire Gute,Consumer,United States,Henderson,Kentucky,42420,South,FUR-CH-10000454,Furniture,Chairs,"Hon Deluxe Fabric Upholstered Stacking Chairs, Rounded Back",731.94
3,CA-2017-138688,12/06/2017,16/06/2017,Second Class,DV-13045,Darrin Van Huff,Corporate,United States,Los Angeles,California,90036,West,OFF-LA-10000240,Office Supplies,Labels,Self-Adhesive Address Labels for Typewriters by Universal,14.62
4,US-2016-108966,11/10/2016,18/10/2016,Standard Class,SO-20335,Sean O'Donnell,Consumer,United States,Fort Lauderdale,Florida,33311,South,FUR-TA-10000577,Furniture,Tables,Bretford CR4500 Series Slim Rectangular Table,957.5775
5,US-2016-108966,11/10/2016,18/10/2016,Standard Class,SO-20335,Sean O'Donnell,Consumer,United States,Fort Lauderdale,Florida,33311,South,OFF-ST-10000760,Office Supplies,Storage,Eldon Fold 'N Roll Cart System,22.368
"""


def test_kaggle_rows_flow_to_gold(spark, tmp_path):
    landing = tmp_path / "superstore"
    landing.mkdir()
    (landing / "train.csv").write_text(KAGGLE_HEAD)
    raw = LandingFiles(root=str(tmp_path)).read_csv(spark, "superstore")
    bronze, bronze_rejects = to_bronze(raw, datetime(2024, 1, 1, tzinfo=timezone.utc))
    assert bronze_rejects.count() == 0
    silver, silver_rejects = to_silver(bronze)
    assert silver_rejects.count() == 0
    lines = {r.row_id: r for r in silver.collect()}
    assert lines[1].order_date == date(2017, 11, 8) and lines[1].ship_date == date(2017, 11, 11)
    assert lines[2].product_name == "Hon Deluxe Fabric Upholstered Stacking Chairs, Rounded Back"
    assert lines[4].sales == Decimal("957.5775") and lines[5].sales == Decimal("22.3680")
    assert lines[1].postal_code == "42420"

    sales = sorted(tuple(r) for r in to_gold_sales(silver).collect())
    assert sales == [
        ("CA-2017-138688", date(2017, 6, 12), date(2017, 6, 16), "Second Class", "Los Angeles", "DV-13045"),
        ("CA-2017-152156", date(2017, 11, 8), date(2017, 11, 11), "Second Class", "Henderson", "CG-12520"),
        ("US-2016-108966", date(2016, 10, 11), date(2016, 10, 18), "Standard Class", "Fort Lauderdale", "SO-20335"),
    ]
    snapshot = to_customers_snapshot(silver, None, date(2017, 6, 12), date(2017, 11, 8))
    last_day = snapshot.filter("as_of_date = '2017-11-08'")
    customers = sorted((r.customer_id, r.first_name, r.last_name, r.segment, r.orders_last_1m,
                        r.orders_last_6m, r.orders_last_12m, r.orders_lifetime) for r in last_day.collect())
    # The history starts 2017-06-12 here (no previous snapshot), so SO-20335's 2016 order is not in it.
    assert customers == [
        ("CG-12520", "Claire", "Gute", "Consumer", 1, 1, 1, 1),
        ("DV-13045", "Darrin", "Huff", "Corporate", 0, 1, 1, 1),  # June is within add_months(D, -6)
    ]
