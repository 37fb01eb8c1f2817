"""The geoscience fields a GeoSignal-style pair is filed under (its `category`), as K2's GeoSignal does.

The model is asked to pick one; whatever it answers (any case, English or Chinese name) is mapped onto
this fixed list, and anything else becomes `geoscience`, so the column stays a small closed vocabulary
that a dataset card can count.
"""

from __future__ import annotations

FIELDS = {
    "geology": "地质学", "geophysics": "地球物理学", "seismology": "地震学", "volcanology": "火山学",
    "tectonics": "构造地质学", "sedimentology": "沉积学", "geochemistry": "地球化学", "mineralogy": "矿物学",
    "paleontology": "古生物学", "hydrology": "水文学", "hydrogeology": "水文地质学", "glaciology": "冰川学",
    "oceanography": "海洋学", "meteorology": "气象学", "climatology": "气候学", "geomorphology": "地貌学",
    "soil science": "土壤学", "remote sensing": "遥感", "gis": "地理信息系统", "geodesy": "大地测量学",
    "geography": "地理学", "environmental science": "环境科学", "planetary science": "行星科学",
}
DEFAULT = "geoscience"
_BY_NAME = {**{name: name for name in FIELDS}, **{zh: name for name, zh in FIELDS.items()}}


def field_list() -> str:
    """The fields as the prompt lists them."""
    return ", ".join(FIELDS)


def normalise(value: object) -> str:
    """A known field name, or `geoscience` for anything else."""
    if not isinstance(value, str):
        return DEFAULT
    key = value.strip().strip(".。").lower()
    return _BY_NAME.get(key, _BY_NAME.get(value.strip(), DEFAULT))
