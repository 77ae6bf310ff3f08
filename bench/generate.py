"""Synthetic factlint projects of any size, with a known set of planted discrepancies.

    python bench/generate.py --facts 100000 --out /tmp/factlint-bench/100k --seed 1

writes a complete, valid project (``facts/`` with sources, registries and fact
tables; ``checks/`` with a rule set shaped like the FTZ one and waivers) and
``planted.json``, the manifest of every finding a correct run must report:
one entry per planted discrepancy (and per finding it necessarily causes in
another rule), each as rule id + sorted fact ids. Everything else is
consistent by construction, so a run that reports anything not in the
manifest, or misses an entry, is wrong.

The world: pilot zones approved in yearly batches, each hosted by a province
and made of two to four areas. Per zone and year: foreign capital used (with
its share of the host province's total and its year-on-year growth), the
part of it in high-tech industries, imports, exports and total trade, the
running total of registered enterprises, and the new market entities of the
year with their number per day. Per province and year: foreign capital used,
for some provinces restated in a yearbook (one decimal instead of two). The
nation: batch approvals and sizes, the number of zones at each year end, the
zones' trade and its share of the national total, and the share of the land
area the zones cover.

Every figure is computed from the *written* (rounded) figures it depends on
and rounded half up, so rounding never makes a check fail; every quote is a
sentence of its source text and states its figures in words the quantity
parser reads (``format_quantity``), so provenance passes. Names are made of
syllables, never digits, so a quote holds no figure but its own.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import shutil
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FIRST_YEAR, LAST_YEAR = 2005, 2024
YEARS = list(range(FIRST_YEAR, LAST_YEAR + 1))
#: fact rows per zone, roughly (used to size a corpus from a fact count)
FACTS_PER_ZONE = 121
SOURCE_COLUMNS = ("id", "title", "publisher", "date", "url", "language")
FACT_COLUMNS = (
    "id", "source", "quote", "subject", "metric", "period", "value", "unit", "qualifier", "note",
)
NUMBER_WORDS = {2: "two", 3: "three", 4: "four"}
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)
SYLLABLES = (
    "ka lo mi ra ve su to ba di fo gu ha je ki lu ma pe ri sa te vo ya zo bel dor fen gar hul"
    " kes lom mar nor pol ros sil tam vel wen zar"
).split()


# -- written figures -------------------------------------------------------------------


def cents(x: int) -> str:
    """An amount kept in hundredths, written with two decimals: 1234 -> "12.34"."""
    sign = "-" if x < 0 else ""
    return f"{sign}{abs(x) // 100}.{abs(x) % 100:02d}"


def tenths(x: int) -> str:
    sign = "-" if x < 0 else ""
    return f"{sign}{abs(x) // 10}.{abs(x) % 10}"


def grouped(number: str) -> str:
    """3500 -> "3,500", 1234.56 -> "1,234.56" (as documents write them)."""
    sign, digits = ("-", number[1:]) if number.startswith("-") else ("", number)
    whole, dot, frac = digits.partition(".")
    return f"{sign}{int(whole):,}{dot}{frac}"


def half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up (both positive or numerator negative)."""
    if numerator < 0:
        return -half_up(-numerator, denominator)
    return (2 * numerator + denominator) // (2 * denominator)


def day_text(year: int, month: int, day: int) -> str:
    return f"{MONTHS[month - 1]} {day}, {year}"


def days_in(year: int) -> int:
    return 366 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 365


# -- the world ------------------------------------------------------------------------


@dataclass
class Zone:
    id: str
    name: str
    batch: int  # index into the batches (one per year)
    province: int
    areas: list[tuple[str, str, int]] = field(default_factory=list)  # (id, name, centi-km2)
    fdi: dict[int, int] = field(default_factory=dict)  # year -> centi-billion yuan
    hightech: dict[int, int] = field(default_factory=dict)
    imports: dict[int, int] = field(default_factory=dict)
    exports: dict[int, int] = field(default_factory=dict)
    trade: dict[int, int] = field(default_factory=dict)  # as stated (a plant may break it)
    enterprises: dict[int, int] = field(default_factory=dict)
    new_entities: dict[int, int] = field(default_factory=dict)

    @property
    def year(self) -> int:
        return YEARS[self.batch]

    @property
    def years(self) -> list[int]:
        return [y for y in YEARS if y >= self.year]


@dataclass
class Province:
    id: str
    name: str
    zones: list[int] = field(default_factory=list)
    fdi: dict[int, int] = field(default_factory=dict)
    in_yearbook: bool = False


@dataclass
class Batch:
    id: str
    name: str
    year: int
    month: int
    day: int
    zones: list[int] = field(default_factory=list)

    @property
    def date(self) -> str:
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"


class Names:
    """Unique capitalised names made of syllables (no digits, no English words by luck)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def __call__(self, syllables: int) -> str:
        while True:
            name = "".join(self.rng.choice(SYLLABLES) for _ in range(syllables)).capitalize()
            if name not in self.used:
                self.used.add(name)
                return name


def slug(name: str) -> str:
    return name.lower()


@dataclass
class World:
    zones: list[Zone]
    provinces: list[Province]
    batches: list[Batch]
    cn_trade: dict[int, int]  # year -> centi-billion yuan
    land_share_bound: int  # "less than N%"


def build_world(n_zones: int, rng: random.Random) -> World:
    names = Names(rng)
    batches = []
    for year in YEARS:
        name = names(2)
        batches.append(
            Batch(f"batch-{slug(name)}", name, year, rng.randint(1, 6), rng.randint(1, 28))
        )
    n_provinces = max(2, (n_zones + 1) // 2)
    provinces = []
    for i in range(n_provinces):
        name = names(3)
        provinces.append(Province(f"prov-{slug(name)}", name, in_yearbook=i % 5 == 0))
    zones = []
    for i in range(n_zones):
        name = names(3)
        # every batch gets zones; the rest at random
        batch = i if i < len(batches) else rng.randrange(len(batches))
        host = i % n_provinces if i < n_provinces else rng.randrange(n_provinces)
        zone = Zone(f"z-{slug(name)}", name, batch, host)
        batches[batch].zones.append(i)
        provinces[host].zones.append(i)
        for _ in range(rng.randint(2, 4)):
            area_name = names(4)
            zone.areas.append(
                (f"{zone.id}-{slug(area_name)}", area_name, rng.randint(1000, 6000))
            )
        _zone_series(zone, rng)
        zones.append(zone)
    for province in provinces:
        for year in YEARS:
            active = sum(zones[z].fdi.get(year, 0) for z in province.zones)
            province.fdi[year] = int(active * rng.uniform(1.5, 4.0)) + rng.randint(1000, 20000)
    cn_trade = {}
    for year in YEARS:
        zones_trade = sum(z.imports.get(year, 0) + z.exports.get(year, 0) for z in zones)
        cn_trade[year] = int(zones_trade * rng.uniform(3.0, 6.0)) + rng.randint(10**6, 10**7)
    total_area = sum(a for z in zones for _, _, a in z.areas) / 100  # km2
    share = total_area / 9_600_000 * 100
    return World(zones, provinces, batches, cn_trade, int(share) + 2)


def _zone_series(zone: Zone, rng: random.Random) -> None:
    fdi = rng.randint(200, 5000)
    enterprises = rng.randint(100, 3000)
    for year in zone.years:
        zone.fdi[year] = fdi
        zone.hightech[year] = max(1, int(fdi * rng.uniform(0.05, 0.4)))
        zone.imports[year] = rng.randint(500, 9000)
        zone.exports[year] = rng.randint(500, 9000)
        zone.enterprises[year] = enterprises
        zone.new_entities[year] = rng.randint(3650, 40000)
        fdi = max(100, int(fdi * rng.uniform(0.9, 1.15)))
        enterprises += rng.randint(50, 2000)


# -- planting discrepancies -----------------------------------------------------------------


@dataclass
class Plants:
    """What is planted where; the writer applies it and the manifest lists its findings."""

    share: tuple[int, int]  # (zone, year): its share of the host total is off
    falling: tuple[int, int]  # (zone, year): the running total of enterprises falls
    batch_size: int  # batch whose stated size disagrees with the registry
    rate: tuple[int, int]  # (zone, year): entities per day off
    growth: tuple[int, int]  # (zone, year): stated growth off
    sources: tuple[int, int]  # (province, year): the yearbook disagrees with the province
    formula: tuple[int, int]  # (zone, year): trade is not imports + exports
    waived: tuple[int, int]  # (zone, year): a rate off, waived
    formula_batches: list[int]  # batches named by the id-based formula rules


def choose_plants(world: World, rng: random.Random) -> Plants:
    zones = world.zones
    order = list(range(len(zones)))
    rng.shuffle(order)
    taken: set[int] = set()

    def zone_where(test: Any) -> int:
        for z in order:
            if z not in taken and test(zones[z]):
                taken.add(z)
                return z
        raise SystemExit("corpus too small to plant every discrepancy; ask for more facts")

    def alone(z: Zone) -> bool:
        province = world.provinces[z.province]
        return province.zones == [zones.index(z)] and not province.in_yearbook

    share_zone = zone_where(lambda z: alone(z) and len(z.years) >= 1)
    falling_zone = zone_where(lambda z: len(z.years) >= 4)
    rate_zone = zone_where(lambda z: True)
    growth_zone = zone_where(lambda z: len(z.years) >= 2)
    formula_zone = zone_where(lambda z: True)
    waived_zone = zone_where(lambda z: True)

    def some_year(z: int, first_offset: int = 0, last_offset: int = 0) -> int:
        years = zones[z].years
        return rng.choice(years[first_offset : len(years) - last_offset])

    # a province year with two sources and no zone share to imply a third figure
    candidates = [
        (p, year)
        for p, province in enumerate(world.provinces)
        if province.in_yearbook
        for year in YEARS
        if all(zones[z].year > year for z in province.zones)
    ]
    if not candidates:
        raise SystemExit("corpus too small: no province year without zones; ask for more facts")
    formula_batches = [3, 8, 13]
    batch_size = rng.choice([b for b in range(len(world.batches)) if b not in formula_batches])
    return Plants(
        share=(share_zone, some_year(share_zone)),
        falling=(falling_zone, some_year(falling_zone, 2, 1)),
        batch_size=batch_size,
        rate=(rate_zone, some_year(rate_zone)),
        growth=(growth_zone, some_year(growth_zone, 1)),
        sources=rng.choice(candidates),
        formula=(formula_zone, some_year(formula_zone)),
        waived=(waived_zone, some_year(waived_zone)),
        formula_batches=formula_batches,
    )


# -- writing the project ----------------------------------------------------------------------


class Writer:
    """Collects fact rows, source sentences and the expected findings, then writes them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.tables: dict[str, list[tuple[str, ...]]] = defaultdict(list)
        self.texts: dict[str, list[str]] = defaultdict(list)
        self.sources: dict[str, tuple[str, str, str]] = {}  # id -> (title, publisher, date)
        self.expected: list[dict[str, Any]] = []

    def source(self, source_id: str, title: str, publisher: str, date: str) -> str:
        self.sources.setdefault(source_id, (title, publisher, date))
        return source_id

    def sentence(self, source_id: str, text: str) -> str:
        self.texts[source_id].append(text + ".")
        return text

    def fact(
        self, table: str, fact_id: str, source: str, quote: str, subject: str, metric: str,
        period: str, value: str, unit: str, qualifier: str = "exact", note: str = "",
    ) -> str:
        self.tables[table].append(
            (fact_id, source, quote, subject, metric, period, value, unit, qualifier, note)
        )
        return fact_id

    def expect(self, rule: str, facts: list[str], what: str, *, waived: bool = False) -> None:
        self.expected.append(
            {"rule": rule, "facts": sorted(facts), "planted": what, "waived": waived}
        )

    def write(self) -> int:
        facts_dir = self.root / "facts"
        (facts_dir / "sources").mkdir(parents=True)
        with (facts_dir / "sources.csv").open("w", newline="", encoding="utf-8") as handle:
            out = csv.writer(handle, lineterminator="\n")
            out.writerow(SOURCE_COLUMNS)
            for source_id, (title, publisher, date) in sorted(self.sources.items()):
                out.writerow((source_id, title, publisher, date, "", "en"))
        for source_id, sentences in self.texts.items():
            text = "\n".join(" ".join(sentences[i : i + 5]) for i in range(0, len(sentences), 5))
            (facts_dir / "sources" / f"{source_id}.txt").write_text(text + "\n", encoding="utf-8")
        rows = 0
        for table, facts in sorted(self.tables.items()):
            with (facts_dir / f"{table}.csv").open("w", newline="", encoding="utf-8") as handle:
                out = csv.writer(handle, lineterminator="\n")
                out.writerow(FACT_COLUMNS)
                out.writerows(facts)
            rows += len(facts)
        return rows


def write_zone(w: Writer, world: World, plants: Plants, z: int) -> None:
    zone = world.zones[z]
    province = world.provinces[zone.province]
    batch = world.batches[zone.batch]
    table = f"zones-{zone.year}"
    src = w.source(
        f"report-{slug(zone.name)}", f"Annual reports of the {zone.name} pilot zone",
        f"{zone.name} zone administration", f"{LAST_YEAR + 1}-03-01",
    )
    n = len(zone.areas)
    total = sum(a for _, _, a in zone.areas)
    listed = ", ".join(
        f"the {name} area {cents(a)} square kilometers" for _, name, a in zone.areas[:-1]
    ) + f" and the {zone.areas[-1][1]} area {cents(zone.areas[-1][2])} square kilometers"
    quote = w.sentence(
        src,
        f"The {zone.name} zone was set up in {zone.year} with {NUMBER_WORDS[n]} areas covering "
        f"{cents(total)} square kilometers: {listed}",
    )
    period = str(zone.year)
    w.fact(table, f"{zone.id}-area", src, quote, zone.id, "area", period, cents(total), "km2")
    w.fact(table, f"{zone.id}-areas", src, quote, zone.id, "subarea_count", period, str(n),
           "count", note=f"the zone of the {batch.name} batch")
    for area_id, _, a in zone.areas:
        w.fact(table, f"{area_id}-area", src, quote, area_id, "area", period, cents(a), "km2")

    for year in zone.years:
        ids = {k: f"{zone.id}-{k}-{year}" for k in (
            "fdi", "fdi-share", "fdi-growth", "hightech", "imports", "exports", "trade",
            "enterprises", "entities", "entities-per-day")}
        fdi = zone.fdi[year]
        share = half_up(fdi * 10000, province.fdi[year])
        if (z, year) == plants.share:
            share += 300
            w.expect("fdi-shares-match-host-totals",
                     [ids["fdi-share"], ids["fdi"], f"{province.id}-fdi-{year}"], "a wrong share")
            w.expect("same-figure-agrees-across-documents",
                     [ids["fdi-share"], ids["fdi"], f"{province.id}-fdi-{year}"],
                     "the host total the wrong share implies disagrees with the stated one")
        text = (f"In {year} the {zone.name} zone used {cents(fdi)} billion yuan of foreign "
                f"capital, {cents(share)}% of the {province.name} province total")
        growth = None
        if year > zone.year:
            previous = zone.fdi[year - 1]
            growth = half_up((fdi - previous) * 1000, previous)
            if (z, year) == plants.growth:
                growth += 50
                w.expect("growth-matches-both-periods",
                         [ids["fdi-growth"], ids["fdi"], f"{zone.id}-fdi-{year - 1}"],
                         "a wrong growth rate")
            text += (f", down {tenths(-growth)}% year on year" if growth < 0 else
                     f", up {tenths(growth)}% year on year")
        quote = w.sentence(src, text)
        w.fact(table, ids["fdi"], src, quote, zone.id, "fdi", str(year), cents(fdi),
               "billion yuan")
        w.fact(table, ids["fdi-share"], src, quote, zone.id, "fdi_share_host", str(year),
               cents(share), "percent")
        if growth is not None:
            w.fact(table, ids["fdi-growth"], src, quote, zone.id, "fdi_growth", str(year),
                   tenths(growth), "percent")

        hightech = zone.hightech[year]
        quote = w.sentence(src, f"Of this, {cents(hightech)} billion yuan went to high-tech "
                                f"industries in the {zone.name} zone in {year}")
        w.fact(table, ids["hightech"], src, quote, zone.id, "fdi_hightech", str(year),
               cents(hightech), "billion yuan")

        imports, exports = zone.imports[year], zone.exports[year]
        trade = imports + exports
        if (z, year) == plants.formula:
            trade += 100
            w.expect("trade-is-imports-plus-exports",
                     [ids["trade"], ids["imports"], ids["exports"]], "a broken identity")
        zone.trade[year] = trade
        quote = w.sentence(
            src, f"In {year} imports of the {zone.name} zone reached {cents(imports)} billion "
                 f"yuan and exports {cents(exports)} billion yuan, a total trade of "
                 f"{grouped(cents(trade))} billion yuan")
        for key, metric, value in (("imports", "imports", imports), ("exports", "exports", exports),
                                   ("trade", "trade_total", trade)):
            w.fact(table, ids[key], src, quote, zone.id, metric, str(year), cents(value),
                   "billion yuan")

        enterprises = zone.enterprises[year]
        if (z, year) == plants.falling:
            before, last = zone.enterprises[year - 2], zone.enterprises[year - 1]
            enterprises = (before + last) // 2
            w.expect("running-totals-never-fall", [ids["enterprises"],
                     f"{zone.id}-enterprises-{year - 1}"], "a falling running total")
        quote = w.sentence(src, f"By the end of {year} the {zone.name} zone had "
                                f"{grouped(str(enterprises))} registered enterprises")
        w.fact(table, ids["enterprises"], src, quote, zone.id, "enterprises", str(year),
               str(enterprises), "count")

        entities = zone.new_entities[year]
        per_day = half_up(entities, days_in(year))
        if (z, year) in (plants.rate, plants.waived):
            per_day *= 2
            waived = (z, year) == plants.waived
            w.expect("new-entities-per-day", [ids["entities-per-day"], ids["entities"]],
                     "a waived rate" if waived else "a rate off", waived=waived)
        quote = w.sentence(src, f"In {year} the {zone.name} zone gained {grouped(str(entities))} "
                                f"new market entities, about {per_day} every day")
        w.fact(table, ids["entities"], src, quote, zone.id, "new_entities", str(year),
               str(entities), "count")
        w.fact(table, ids["entities-per-day"], src, quote, zone.id, "new_entities_per_day",
               str(year), str(per_day), "count/day", "approx")


def write_province(w: Writer, world: World, plants: Plants, p: int) -> None:
    province = world.provinces[p]
    src = w.source(f"stats-{slug(province.name)}", f"{province.name} statistical communiques",
                   f"{province.name} statistics bureau", f"{LAST_YEAR + 1}-02-28")
    book = w.source(f"yearbook-{p // 100:03d}", f"Provincial yearbook, volume {p // 100 + 1}",
                    "National statistics office", f"{LAST_YEAR + 1}-10-01")
    for year in YEARS:
        fdi = province.fdi[year]
        fact_id = f"{province.id}-fdi-{year}"
        quote = w.sentence(src, f"In {year} {province.name} province used "
                                f"{grouped(cents(fdi))} billion yuan of foreign capital")
        w.fact("provinces", fact_id, src, quote, province.id, "fdi", str(year), cents(fdi),
               "billion yuan")
        if province.in_yearbook:
            restated = half_up(fdi, 10)  # one decimal
            if (p, year) == plants.sources:
                restated = restated * 11 // 10
                w.expect("same-figure-agrees-across-documents",
                         [fact_id, f"{province.id}-fdi-{year}-yearbook"],
                         "two sources disagree")
            quote = w.sentence(book, f"{province.name} province: foreign capital actually used "
                                     f"in {year} was {grouped(tenths(restated))} billion yuan")
            w.fact("provinces", f"{fact_id}-yearbook", book, quote, province.id, "fdi",
                   str(year), tenths(restated), "billion yuan")


def write_nation(w: Writer, world: World, plants: Plants) -> None:
    council = w.source("state-council", "State Council decisions on pilot zones",
                       "State Council", f"{LAST_YEAR}-12-31")
    zones_so_far = 0
    for b, batch in enumerate(world.batches):
        size = len(batch.zones)
        stated = size + 1 if b == plants.batch_size else size
        if b == plants.batch_size:
            w.expect("batch-size-matches-registry", [f"{batch.id}-size"],
                     "a count that disagrees with the registry")
        quote = w.sentence(
            council, f"On {day_text(batch.year, batch.month, batch.day)} the State Council "
                     f"approved the {batch.name} batch of {grouped(str(stated))} pilot zones")
        w.fact("nation", f"{batch.id}-approved", council, quote, batch.id, "approved_on",
               batch.date, batch.date, "date")
        w.fact("nation", f"{batch.id}-size", council, quote, batch.id, "zones_added",
               batch.date, str(stated), "count")
        zones_so_far += size
        quote = w.sentence(council, f"By {day_text(batch.year, 12, 31)} a total of "
                                    f"{grouped(str(zones_so_far))} pilot zones had been approved")
        w.fact("nation", f"zone-count-{batch.year}", council, quote, "zones-all", "zone_count",
               f"{batch.year}-12-31", str(zones_so_far), "count")

    for year in YEARS:
        src = w.source(f"trade-{year}", f"Foreign trade of the pilot zones in {year}",
                       "Ministry of Commerce", f"{year + 1}-01-20")
        zones_trade = sum(z.trade.get(year, 0) for z in world.zones)
        national = world.cn_trade[year]
        share = half_up(zones_trade * 10000, national)
        quote = w.sentence(
            src, f"In {year} the pilot zones traded {grouped(cents(zones_trade))} billion yuan, "
                 f"{cents(share)}% of the national total of {grouped(cents(national))} "
                 "billion yuan")
        w.fact("nation", f"zones-trade-{year}", src, quote, "zones-all", "trade_total",
               str(year), cents(zones_trade), "billion yuan")
        w.fact("nation", f"zones-trade-share-{year}", src, quote, "zones-all", "trade_share",
               str(year), cents(share), "percent")
        w.fact("nation", f"cn-trade-{year}", src, quote, "cn", "trade_total", str(year),
               cents(national), "billion yuan")

    src = w.source("land", "The pilot zones and the land", "Ministry of Natural Resources",
                   f"{LAST_YEAR + 1}-01-05")
    quote = w.sentence(src, f"The pilot zones cover less than {world.land_share_bound}% of the "
                            "country's land area of about 9.6 million square kilometers")
    w.fact("nation", "zones-land-share", src, quote, "zones-all", "area_share_of_land",
           str(LAST_YEAR), str(world.land_share_bound), "percent", "less_than")
    w.fact("nation", "cn-land", src, quote, "cn", "land_area", str(LAST_YEAR), "9.6",
           "million km2", "approx")


# -- registries, rules and waivers ---------------------------------------------------------------

UNITS = """\
units:
- {id: count, dimension: count, factor: 1}
- {id: percent, dimension: ratio, factor: 0.01}
- {id: billion yuan, dimension: currency_cny, factor: 1000000000}
- {id: km2, dimension: area, factor: 1}
- {id: million km2, dimension: area, factor: 1000000}
- {id: count/day, dimension: count_rate, factor: 1}
- {id: date, dimension: date, factor: 1}
"""

METRICS = """\
metrics:
- {id: fdi, label: Actual use of foreign capital, dimension: currency_cny}
- id: fdi_share_host
  label: Share of the host province's actual use of foreign capital
  dimension: ratio
  share: {numerator: fdi, denominator: fdi, of: host}
- id: fdi_growth
  label: Year-on-year growth of actual use of foreign capital
  dimension: ratio
  growth: {of: fdi, basis: year_on_year}
- {id: fdi_hightech, label: Foreign capital used in high-tech industries, dimension: currency_cny}
- {id: imports, label: Imports, dimension: currency_cny}
- {id: exports, label: Exports, dimension: currency_cny}
- {id: trade_total, label: Total imports and exports, dimension: currency_cny}
- id: trade_share
  label: Share of China's imports and exports
  dimension: ratio
  share: {numerator: trade_total, denominator: trade_total, of: cn}
- {id: enterprises, label: Registered enterprises, dimension: count, temporal: stock,
   cumulative: true}
- {id: new_entities, label: New market entities, dimension: count}
- id: new_entities_per_day
  label: New market entities per day
  dimension: count_rate
  temporal: rate
  rate: {of: new_entities, per: day}
- {id: zone_count, label: Number of pilot zones set up so far, dimension: count,
   temporal: stock, cumulative: true}
- {id: zones_added, label: Number of pilot zones in one batch, dimension: count, temporal: event}
- {id: subarea_count, label: Number of areas of a zone, dimension: count, temporal: stock}
- {id: area, label: Planned area, dimension: area, temporal: stock}
- {id: land_area, label: Land area, dimension: area, temporal: stock}
- id: area_share_of_land
  label: Share of China's land area covered
  dimension: ratio
  temporal: stock
  share: {numerator: area, denominator: land_area, of: cn}
- {id: approved_on, label: Date of approval, dimension: date, temporal: event}
"""

RULES = """\
# A synthetic rule set shaped like checks/ftz.yaml (bench/generate.py writes it).
settings:
  approx_tolerance: 0.05

rules:
  - id: running-totals-never-fall
    kind: monotonic
    description: Running totals (zones set up, registered enterprises) never fall.

  - id: zone-count-matches-registry
    kind: members
    mode: count
    description: Every stated number of zones equals the zones approved by that date.
    select: {metric: zone_count}
    member_kinds: [zone]
    established_by: [approved_on]

  - id: batch-size-matches-registry
    kind: members
    mode: count
    description: A batch has as many zones as the registry lists for it.
    select: {metric: zones_added}
    member_kinds: [zone]

  - id: areas-per-zone-match-registry
    kind: members
    mode: count
    description: A zone has as many areas as the registry lists for it.
    select: {metric: subarea_count}
    member_kinds: [zone_subarea]

  - id: zone-area-is-the-sum-of-its-areas
    kind: members
    mode: sum
    description: A zone's area is the sum of its areas' (derived for later rules).
    select: {metric: area, subject_kind: zone}
    member_kinds: [zone_subarea]

  - id: zones-trade-is-the-sum-of-zones
    kind: members
    mode: sum
    description: The zones' trade is the sum of the trade of the zones approved by then.
    select: {metric: trade_total, subject: zones-all}
    member_kinds: [zone]
    established_by: [approved_on]

  - id: total-zone-area
    kind: members
    mode: sum
    description: Derive the area of all zones for the land-area share.
    of: zones-all
    member_kinds: [zone]
    member_metric: area
    at: ["{last_year}"]

  - id: areas-within-their-zone
    kind: part_of
    description: An area is never larger than its zone.
    part: {metric: area, subject_kind: zone_subarea}
    whole: {metric: area, subject_kind: zone}
    match: [member]

  - id: zone-area-below-1000-km2
    kind: bound
    description: No zone covers 1000 km2 or more.
    select: {metric: area, subject_kind: zone}
    op: "<"
    value: 1000
    unit: km2

  - id: land-share-of-zone-area
    kind: share
    description: The zones' total area over the land area.
    select: {metric: area_share_of_land}
    whole_period: any

  - id: fdi-shares-match-host-totals
    kind: share
    description: A zone's share of its host province's foreign capital agrees with both figures.
    select: {metric: fdi_share_host}

  - id: trade-shares-match-national-totals
    kind: share
    description: The zones' share of national trade agrees with both figures.
    select: {metric: trade_share}

  - id: growth-matches-both-periods
    kind: growth
    description: A stated growth rate agrees with both years' values.

  - id: same-figure-agrees-across-documents
    kind: agreement
    description: The same subject, metric and period agree across sources, derived values included.

  - id: high-tech-fdi-within-fdi
    kind: part_of
    description: Foreign capital in high-tech industries is part of all foreign capital.
    part: {metric: fdi_hightech}
    whole: {metric: fdi}

  - id: zones-trade-within-national
    kind: part_of
    description: The zones' trade cannot exceed the country's.
    part: {metric: trade_total, subject: zones-all}
    whole: {metric: trade_total, subject: cn}
    match: [period]

  - id: new-entities-per-day
    kind: rate
    description: New market entities per day agree with the year's count over its days.

  - id: trade-is-imports-plus-exports
    kind: formula
    description: A zone's trade is its imports plus its exports.
    facts:
      imports: {metric: imports, subject_kind: zone}
      exports: {metric: exports, subject_kind: zone}
      trade: {metric: trade_total, subject_kind: zone}
    match: [subject, period]
    expression: imports + exports == trade
"""

FORMULA_BY_ID = """
  - id: batch-{year}-brings-the-total-up
    kind: formula
    description: The zones before the {name} batch and the batch make the stated total.
    facts:
      before: {{id: zone-count-{previous}}}
      added: {{id: {batch}-size}}
      after: {{id: zone-count-{year}}}
    expression: before + added == after
"""


def registries(world: World) -> tuple[str, str]:
    lines = [
        "entities:",
        "- {id: cn, name: China, kind: country}",
        "- {id: zones-all, name: The pilot zones, kind: zone_set}",
    ]
    for batch in world.batches:
        lines.append(f"- {{id: {batch.id}, name: The {batch.name} batch, kind: zone_batch}}")
    for province in world.provinces:
        lines.append(f"- {{id: {province.id}, name: {province.name} province, kind: province}}")
    for zone in world.zones:
        batch = world.batches[zone.batch]
        host = world.provinces[zone.province]
        lines.append(
            f"- {{id: {zone.id}, name: The {zone.name} zone, kind: zone, "
            f"member_of: [zones-all, {batch.id}], host: {host.id}}}"
        )
        for area_id, name, _ in zone.areas:
            lines.append(
                f"- {{id: {area_id}, name: The {name} area, kind: zone_subarea, "
                f"member_of: [{zone.id}]}}"
            )
    return "\n".join(lines) + "\n", METRICS


def rules_text(world: World, plants: Plants) -> str:
    text = RULES.replace("{last_year}", str(LAST_YEAR))
    for b in plants.formula_batches:
        batch = world.batches[b]
        text += FORMULA_BY_ID.format(
            year=batch.year, previous=batch.year - 1, name=batch.name, batch=batch.id
        )
    return text


def waivers_text(world: World, plants: Plants) -> str:
    zone = world.zones[plants.waived[0]]
    year = plants.waived[1]
    return (
        "waivers:\n"
        "  - rule: new-entities-per-day\n"
        f"    facts: [{zone.id}-entities-{year}, {zone.id}-entities-per-day-{year}]\n"
        "    reason: >-\n"
        "      Planted by bench/generate.py: the per-day figure is twice what the year's\n"
        "      count gives; kept visible but out of the gate.\n"
        "    reviewer: factlint benchmark\n"
        "    expires: 2099-12-31\n"
    )


# -- the entry points ---------------------------------------------------------------------------


def generate(facts: int, out: Path, *, seed: int = 1, force: bool = False) -> dict[str, Any]:
    """Write a project of about ``facts`` fact rows to ``out``; return its manifest."""
    if out.exists():
        if not force and any(out.iterdir()):
            raise SystemExit(f"{out} exists and is not empty (use --force to replace it)")
        shutil.rmtree(out)
    rng = random.Random(seed)
    n_zones = max(len(YEARS) + 4, round(facts / FACTS_PER_ZONE))
    world = build_world(n_zones, rng)
    plants = choose_plants(world, rng)
    w = Writer(out)
    for z in range(len(world.zones)):
        write_zone(w, world, plants, z)
    for p in range(len(world.provinces)):
        write_province(w, world, plants, p)
    write_nation(w, world, plants)
    rows = w.write()
    entities, metrics = registries(world)
    (out / "facts" / "entities.yaml").write_text(entities, encoding="utf-8")
    (out / "facts" / "metrics.yaml").write_text(metrics, encoding="utf-8")
    (out / "facts" / "units.yaml").write_text(UNITS, encoding="utf-8")
    (out / "checks").mkdir()
    (out / "checks" / "synthetic.yaml").write_text(rules_text(world, plants), encoding="utf-8")
    (out / "checks" / "waivers.yaml").write_text(waivers_text(world, plants), encoding="utf-8")
    manifest = {
        "generator": "bench/generate.py",
        "seed": seed,
        "requested_facts": facts,
        "facts": rows,
        "zones": len(world.zones),
        "provinces": len(world.provinces),
        "entities": 2 + len(world.batches) + len(world.provinces)
        + sum(1 + len(z.areas) for z in world.zones),
        "sources": len(w.sources),
        "expected": sorted(w.expected, key=lambda e: (e["rule"], e["facts"])),
    }
    (out / "planted.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--facts", type=int, required=True, help="about this many fact rows")
    parser.add_argument("--out", type=Path, required=True, help="project directory to write")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--force", action="store_true", help="replace an existing directory")
    args = parser.parse_args(argv)
    manifest = generate(args.facts, args.out, seed=args.seed, force=args.force)
    print(
        f"{args.out}: {manifest['facts']:,} facts, {manifest['zones']:,} zones, "
        f"{manifest['entities']:,} entities, {manifest['sources']:,} sources, "
        f"{len(manifest['expected'])} expected findings"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
