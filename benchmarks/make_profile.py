"""Generate a profile folder holding N realistic contacts, for benchmarks and for trying the app with a big list.

    python benchmarks/make_profile.py [--contacts 100000] [--out DIR] [--seed 1]

writes DIR/data/c2c-desktop/c2c-desktop.sqlite3 through core/store.py, so that

    XDG_DATA_HOME=DIR/data XDG_CONFIG_HOME=DIR/config c2c-desktop

sees them. The contacts are deterministic for a given seed. Other benchmarks import `generate_contacts`.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from c2c_desktop import APP_NAME  # noqa: E402
from c2c_desktop.core.models import Contact, PhoneEntry  # noqa: E402
from c2c_desktop.core.store import DB_FILE_NAME, Store  # noqa: E402

FIRST_NAMES = """
Ada Alan Grace Linus Margaret Dennis Barbara Ken Frances Edsger Donald Radia Tim Vint Bjarne Guido Anita Hedy Katherine
Dorothy Mary John James Robert Michael William David Richard Joseph Thomas Charles Christopher Daniel Matthew Anthony
Mark Paul Steven Andrew Joshua Kevin Brian George Edward Ronald Jason Jeffrey Ryan Jacob Gary Nicholas Eric Jonathan
Stephen Larry Justin Scott Brandon Benjamin Samuel Gregory Alexander Patrick Jack Tyler Aaron Jose Adam Nathan Henry
Zachary Douglas Peter Kyle Noah Ethan Jeremy Walter Christian Keith Roger Terry Austin Sean Gerald Carl Harold Dylan
Arthur Lawrence Jordan Jesse Bryan Billy Bruce Gabriel Joe Logan Alan Juan Albert Willie Elijah Wayne Randy Vincent
Patricia Jennifer Linda Elizabeth Susan Jessica Sarah Karen Lisa Nancy Betty Sandra Ashley Kimberly Emily Donna
Michelle Carol Amanda Melissa Deborah Stephanie Rebecca Sharon Laura Cynthia Amy Angela Shirley Brenda Emma Anna
Pamela Nicole Samantha Christine Helen Debra Rachel Carolyn Janet Maria Catherine Heather Diane Olivia Julie Joyce
Victoria Ruth Virginia Lauren Kelly Christina Joan Evelyn Judith Andrea Hannah Megan Cheryl Jacqueline Martha Madison
Teresa Gloria Sara Janice Ann Kathryn Abigail Sophia Frances Jean Alice Judy Isabella Julia Grace Amber Denise Danielle
Marilyn Beverly Charlotte Natalie Theresa Diana Brittany Doris Kayla Alexis Lori Marie José Zoë Chloé Renée Zoé Ángel
Søren Björn Łukasz Jürgen François Héloïse Núria Iñaki Ines Mateo Yuki Hiroshi Priya Arjun Wei Mei Fatima Omar Amara
"""
LAST_NAMES = """
Lovelace Turing Hopper Torvalds Hamilton Ritchie Liskov Thompson Allen Dijkstra Knuth Perlman Berners-Lee Cerf
Stroustrup Rossum Borg Lamarr Johnson Vaughan Smith Jones Williams Brown Davis Miller Wilson Moore Taylor Anderson
Thomas Jackson White Harris Martin Garcia Martinez Robinson Clark Rodriguez Lewis Lee Walker Hall Young Hernandez
King Wright Lopez Hill Scott Green Adams Baker Gonzalez Nelson Carter Mitchell Perez Roberts Turner Phillips Campbell
Parker Evans Edwards Collins Stewart Sanchez Morris Rogers Reed Cook Morgan Bell Murphy Bailey Rivera Cooper
Richardson Cox Howard Ward Torres Peterson Gray Ramirez James Watson Brooks Kelly Sanders Price Bennett Wood Barnes
Ross Henderson Coleman Jenkins Perry Powell Long Patterson Hughes Flores Washington Butler Simmons Foster Gonzales
Bryant Alexander Russell Griffin Diaz Hayes Myers Ford Hamilton Graham Sullivan Wallace Woods Cole West Jordan Owens
Reynolds Fisher Ellis Harrison Gibson McDonald Cruz Marshall Ortiz Gomez Murray Freeman Wells Webb Simpson Stevens
Tucker Porter Hunter Hicks Crawford Henry Boyd Mason Morales Kennedy Warren Dixon Ramos Reyes Burns Gordon Shaw Holmes
Rice Robertson Hunt Black Daniels Palmer Mills Nichols Grant Knight Ferguson Rose Stone Hawkins Dunn Perkins Hudson
Spencer Gardner Stephens Payne Pierce Berry Matthews Arnold Wagner Willis Ray Watkins Olson Carroll Duncan Snyder
Müller Schröder Gößmann Nuñez Peña Åström Østergaard Dvořák Łukasiewicz Léger Côté Ibáñez Çelik Yılmaz Nakamura
Tanaka Suzuki Watanabe Kim Park Chen Wang Li Zhang Liu Singh Patel Kumar Sharma Okafor Mensah Haddad Kowalski Novak
O'Brien O'Connor MacLeod Van der Berg De la Cruz
"""
COMPANY_WORDS = """
Acme Globex Initech Umbrella Stark Wayne Wonka Tyrell Cyberdyne Soylent Hooli Vandelay Aperture Oscorp Massive Dynamic
Blue Red Green Silver Golden North South East West Pacific Atlantic Summit Pioneer Frontier Liberty Union National
United Premier Apex Vertex Quantum Fusion Nova Stellar Orbit Harbor Bridge River Lake Mountain Valley Forest Oak Pine
Maple Cedar Granite Iron Steel Copper Crystal Diamond Sterling Royal Imperial Crown Eagle Falcon Hawk Lion Tiger Bear
Wolf Fox Bright Clear Swift Rapid Smart Prime Alpha Beta Delta Omega Sigma Zenith Horizon Meridian Keystone Cornerstone
Lighthouse Beacon Anchor Compass Atlas Titan Phoenix Dragon Griffin Orion Vega Lyra Nimbus Cirrus Cumulus Aurora Solaris
Lunar Terra Aqua Ignis Ventus Café Crème Brûlée Zürich Malmö Kraków São Paulo Montréal
"""
COMPANY_KINDS = """
Systems Solutions Logistics Software Analytics Labs Partners Holdings Group Industries Foods Energy Capital Ventures
Consulting Media Networks Robotics Pharma Health Insurance Realty Motors Aerospace Telecom Retail Supply Security Cloud
Data Design Marketing Manufacturing Shipping Financial Legal Education Hospitality Construction Agriculture Textiles
"""
COMPANY_SUFFIXES = ["Inc.", "LLC", "Ltd", "Corp.", "Co.", "GmbH", "S.A.", "", "", ""]
TITLES = """
CEO|CTO|CFO|COO|VP Sales|VP Marketing|Head of Procurement|Purchasing Manager|IT Director|Office Manager|Buyer|
Operations Manager|Account Manager|Sales Director|Founder|Owner|Engineering Manager|Product Manager|Facilities Manager|
Controller|HR Director|Marketing Manager|Head of IT|Chief of Staff|Regional Manager|Director of Operations||
"""
LABELS = ["work", "mobile", "home", "office", "direct", "main"]
# Area codes that are in service; 555-01xx exchanges are the fictional range, the rest look like real numbers.
AREA_CODES = [
    "201", "202", "203", "205", "206", "207", "208", "212", "213", "214", "215", "216", "217", "218", "219", "224",
    "225", "228", "229", "231", "234", "239", "240", "248", "251", "252", "253", "254", "256", "260", "262", "267",
    "269", "270", "272", "276", "281", "301", "302", "303", "304", "305", "307", "308", "309", "310", "312", "313",
    "314", "315", "316", "317", "318", "319", "320", "321", "323", "325", "330", "331", "334", "336", "337", "339",
    "347", "351", "352", "360", "361", "385", "386", "401", "402", "404", "405", "406", "407", "408", "409", "410",
    "412", "413", "414", "415", "417", "419", "423", "424", "425", "430", "432", "434", "435", "440", "443", "469",
    "478", "479", "480", "484", "501", "502", "503", "504", "505", "507", "508", "509", "510", "512", "513", "515",
    "516", "517", "518", "520", "530", "540", "541", "551", "559", "561", "562", "563", "567", "570", "571", "573",
    "574", "575", "580", "585", "586", "601", "602", "603", "605", "606", "607", "608", "609", "610", "612", "614",
    "615", "616", "617", "618", "619", "620", "623", "626", "630", "631", "636", "641", "646", "650", "651", "657",
    "660", "661", "662", "678", "682", "701", "702", "703", "704", "706", "707", "708", "712", "713", "714", "715",
    "716", "717", "718", "719", "720", "724", "727", "731", "732", "734", "740", "754", "757", "760", "763", "765",
    "770", "772", "773", "774", "775", "781", "785", "786", "801", "802", "803", "804", "805", "806", "808", "810",
    "812", "813", "814", "815", "816", "817", "818", "828", "830", "831", "832", "843", "845", "847", "848", "850",
    "856", "857", "858", "859", "860", "862", "863", "864", "865", "870", "878", "901", "903", "904", "906", "907",
    "908", "909", "910", "912", "913", "914", "915", "916", "917", "918", "919", "920", "925", "928", "931", "936",
    "937", "940", "941", "947", "949", "951", "952", "954", "956", "970", "971", "972", "973", "978", "979", "980",
]  # fmt: skip
# The ways people write the same US number.
FORMATS = [
    "({a}) {e}-{s}",
    "{a}-{e}-{s}",
    "{a}.{e}.{s}",
    "+1 {a} {e} {s}",
    "+1-{a}-{e}-{s}",
    "1 ({a}) {e}-{s}",
    "{a}{e}{s}",
    "+1{a}{e}{s}",
    "{a} {e} {s}",
]


def _words(text: str, separator: str | None = None) -> list[str]:
    return [word.strip() for word in text.split(separator) if word.strip()] if separator else text.split()


def _phone(rng: random.Random) -> tuple[str, str]:
    """One number (as written, in international form)."""
    area = rng.choice(AREA_CODES)
    if rng.random() < 0.5:
        exchange, subscriber = "555", f"01{rng.randrange(100):02d}"
    else:
        exchange, subscriber = f"{rng.randrange(2, 10)}{rng.randrange(100):02d}", f"{rng.randrange(10000):04d}"
    written = rng.choice(FORMATS).format(a=area, e=exchange, s=subscriber)
    if rng.random() < 0.05:
        written += f" x{rng.randrange(10, 999)}"
    return written, f"+1{area}{exchange}{subscriber}"


def generate_contacts(count: int, seed: int = 1) -> list[Contact]:
    """`count` deterministic, realistic contacts (no ids), sorted by name like Store.list_contacts()."""
    rng = random.Random(seed)
    first_names = _words(FIRST_NAMES)
    last_names = _words(LAST_NAMES)
    company_words = _words(COMPANY_WORDS)
    company_kinds = _words(COMPANY_KINDS)
    titles = [title.strip() for title in TITLES.replace("\n", "").split("|")]
    letters = "ABCDEFGHJKLMNPRSTW"
    contacts: list[Contact] = []
    for _ in range(count):
        middle = f" {rng.choice(letters)}." if rng.random() < 0.3 else ""
        name = f"{rng.choice(first_names)}{middle} {rng.choice(last_names)}"
        if rng.random() < 0.85:
            suffix = rng.choice(COMPANY_SUFFIXES)
            company = f"{rng.choice(company_words)} {rng.choice(company_kinds)} {suffix}".strip()
        else:
            company = ""
        phones = []
        for index in range(1 if rng.random() < 0.6 else 2):
            written, e164 = _phone(rng)
            phones.append(PhoneEntry(number=written, label=rng.choice(LABELS), e164=e164, primary=index == 0))
        contacts.append(Contact(id=None, name=name, company=company, title=rng.choice(titles), phones=tuple(phones)))
    contacts.sort(key=lambda contact: contact.name.casefold())
    return contacts


def profile_db_path(out: Path) -> Path:
    """Where the app finds its database when run with XDG_DATA_HOME=out/data."""
    return out / "data" / APP_NAME / DB_FILE_NAME


def main(argv: list[str] | None = None) -> int:
    """Write the profile and print what was done and how long it took."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=100_000, help="how many contacts (default 100000)")
    parser.add_argument("--out", type=Path, default=Path("build/profile-100k"), help="profile folder")
    parser.add_argument("--seed", type=int, default=1, help="random seed (same seed, same contacts)")
    args = parser.parse_args(argv)

    db_path = profile_db_path(args.out)
    if db_path.exists():
        print(f"{db_path} exists; remove the folder first to regenerate", file=sys.stderr)
        return 1
    (args.out / "config").mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    contacts = generate_contacts(args.contacts, args.seed)
    generated = time.perf_counter()
    with Store(db_path) as store:
        written = store.add_contacts(contacts)
    finished = time.perf_counter()
    print(f"profile: {args.out.resolve()}")
    print(f"database: {db_path.resolve()}")
    print(f"contacts_written: {written}")
    print(f"generate_s: {generated - started:.2f}")
    print(f"store_write_s: {finished - generated:.2f}")
    print(f"total_s: {finished - started:.2f}")
    print(f"run with: XDG_DATA_HOME={args.out}/data XDG_CONFIG_HOME={args.out}/config c2c-desktop")
    return 0


if __name__ == "__main__":
    sys.exit(main())
