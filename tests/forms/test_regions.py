"""The GB/T 2260 choices offered when a clinic is set up: only codes in use, counties by city."""

from __future__ import annotations

from forms import idnumber, regions


def names(items) -> list[str]:
    return [r.name for r in items]


def test_current_name_reads_the_spans():
    assert regions.current_name("[1983-1994]东矿区,[1995-]古冶区") == "古冶区"
    assert regions.current_name("[-2010]崇文区") is None
    assert regions.current_name("[1986-]正定县") == "正定县"
    assert regions.current_name("海淀区") == "海淀区"


def test_only_codes_in_use_are_offered():
    beijing = regions.counties("1101")
    assert "朝阳区" in names(beijing) and "崇文区" not in names(beijing)  # merged away in 2010
    assert "市辖区" not in names(beijing)  # a placeholder, not a place
    assert idnumber.known_region("110103")  # ID numbers still accept the abolished code
    assert not regions.is_current_county("110103")
    shijiazhuang = names(regions.counties("1301"))
    assert "正定县" in shijiazhuang and "栾城县" not in shijiazhuang and "栾城区" in shijiazhuang
    assert all(idnumber.known_region(r.code) for r in regions.counties("1301"))


def test_cities_and_counties_nest():
    provinces = regions.provinces()
    assert len(provinces) == 31 and "台湾省" not in names(provinces)
    assert names(regions.cities("13"))[0] == "石家庄市"
    for province in provinces:
        for city in regions.cities(province.code):
            assert city.code[:2] == province.code
            counties = regions.counties(city.code)
            assert counties and all(c.code[:4] == city.code and len(c.code) == 6 for c in counties)
