"""Subdistricts (街道) and towns (镇) of Zhongshan (中山市), Guangdong, for synthetic addresses.

Zhongshan is a prefecture-level city without counties or districts: it is divided directly into
township-level units. Since the 2021 reform (东升镇 merged into 小榄镇; 民众镇 and 南朗镇 became
subdistricts) there are 23 of them: 8 subdistricts and 15 towns. 中山港街道 is the Torch development
zone (火炬开发区).

Centre coordinates are approximate (about the town centre / government seat) and radii are kept
small (1-4 km) so that every scattered point stays on land near the centre and inside the city's
bounding box. The road names are main roads of each unit, best effort: they are for plausible
sample addresses only and are not meant as a gazetteer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final


@dataclass(frozen=True, slots=True)
class District:
    """A township-level unit of Zhongshan with an approximate centre and a scatter radius."""

    name_zh: str
    name_en: str
    lat: float
    lon: float
    radius_km: float


# (south, west, north, east) in degrees.
ZHONGSHAN_BBOX: Final = (22.2, 113.1, 22.8, 113.7)

_DISTRICTS: Final = (
    District("石岐街道", "Shiqi Subdistrict", 22.522, 113.380, 1.8),
    District("东区街道", "East District Subdistrict", 22.515, 113.405, 2.5),
    District("西区街道", "West District Subdistrict", 22.525, 113.345, 2.0),
    District("南区街道", "South District Subdistrict", 22.478, 113.372, 2.5),
    District("五桂山街道", "Wuguishan Subdistrict", 22.438, 113.440, 2.5),
    District("中山港街道", "Zhongshangang Subdistrict (Torch Zone)", 22.555, 113.475, 3.5),
    District("民众街道", "Minzhong Subdistrict", 22.622, 113.492, 3.0),
    District("南朗街道", "Nanlang Subdistrict", 22.492, 113.530, 3.5),
    District("小榄镇", "Xiaolan Town", 22.660, 113.260, 4.0),
    District("古镇镇", "Guzhen Town", 22.612, 113.185, 3.0),
    District("坦洲镇", "Tanzhou Town", 22.262, 113.468, 3.0),
    District("三乡镇", "Sanxiang Town", 22.360, 113.432, 3.5),
    District("黄圃镇", "Huangpu Town", 22.712, 113.340, 3.0),
    District("东凤镇", "Dongfeng Town", 22.682, 113.283, 2.5),
    District("南头镇", "Nantou Town", 22.718, 113.293, 2.5),
    District("阜沙镇", "Fusha Town", 22.662, 113.352, 2.5),
    District("港口镇", "Gangkou Town", 22.585, 113.385, 2.5),
    District("大涌镇", "Dayong Town", 22.468, 113.292, 2.5),
    District("沙溪镇", "Shaxi Town", 22.522, 113.318, 2.0),
    District("横栏镇", "Henglan Town", 22.528, 113.255, 3.0),
    District("三角镇", "Sanjiao Town", 22.678, 113.420, 3.0),
    District("板芙镇", "Banfu Town", 22.412, 113.330, 3.0),
    District("神湾镇", "Shenwan Town", 22.308, 113.372, 2.5),
)

# Plausible road names per unit (main roads; best effort).
ROADS: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "石岐街道": ("孙文西路", "孙文中路", "民生路", "莲峰路", "悦来南路", "凤鸣路"),
        "东区街道": ("中山四路", "中山五路", "兴中道", "博爱五路", "起湾道", "银通街"),
        "西区街道": ("富华道", "中山一路", "彩虹大道", "翠景道", "岐关西路"),
        "南区街道": ("城南一路", "城南五路", "兴南路", "竹秀园路"),
        "五桂山街道": ("城桂公路", "长命水大道", "桂南路"),
        "中山港街道": ("中山港大道", "康乐大道", "江陵西路", "火炬路", "逸仙路"),
        "民众街道": ("六百六路", "民众大道", "新伦路"),
        "南朗街道": ("美景大道", "翠亨大道", "岭南路"),
        "小榄镇": ("升平中路", "民安南路", "民安北路", "宝丰路", "东成路"),
        "古镇镇": ("中兴大道", "东兴路", "同益路"),
        "坦洲镇": ("坦洲大道", "界狮南路", "新合路"),
        "三乡镇": ("金涌大道", "景观大道", "文昌东路"),
        "黄圃镇": ("兴圃大道", "新明中路", "石军路"),
        "东凤镇": ("凤翔大道", "东阜公路", "东海路"),
        "南头镇": ("南头大道", "升辉路", "同济路"),
        "阜沙镇": ("阜沙大道", "卫民路", "阜港公路"),
        "港口镇": ("港口大道", "兴港中路", "沙港西路"),
        "大涌镇": ("岐涌路", "旗山路", "大涌大道"),
        "沙溪镇": ("隆都路", "宝珠路", "沙溪大道"),
        "横栏镇": ("长安北路", "富庆路", "横栏大道"),
        "三角镇": ("金三大道", "高平大道", "三角大道"),
        "板芙镇": ("板芙大道", "芙中路"),
        "神湾镇": ("神湾大道", "宥南路"),
    }
)

# Rough resident population in thousands (order of magnitude of the 2020 census), used as weights
# for where clients live.
RESIDENTS_K: Final[Mapping[str, int]] = MappingProxyType(
    {
        "石岐街道": 180,
        "东区街道": 170,
        "西区街道": 160,
        "南区街道": 90,
        "五桂山街道": 30,
        "中山港街道": 330,
        "民众街道": 150,
        "南朗街道": 110,
        "小榄镇": 480,
        "古镇镇": 220,
        "坦洲镇": 270,
        "三乡镇": 270,
        "黄圃镇": 130,
        "东凤镇": 190,
        "南头镇": 130,
        "阜沙镇": 70,
        "港口镇": 150,
        "大涌镇": 70,
        "沙溪镇": 160,
        "横栏镇": 180,
        "三角镇": 130,
        "板芙镇": 80,
        "神湾镇": 40,
    }
)

# Extra weight of the central business areas and the Torch zone as workplaces.
WORKPLACE_BOOST: Final[Mapping[str, float]] = MappingProxyType(
    {"石岐街道": 2.5, "东区街道": 3.0, "西区街道": 1.5, "中山港街道": 2.5}
)


def zhongshan_districts() -> tuple[District, ...]:
    """All 23 current subdistricts and towns of Zhongshan."""
    return _DISTRICTS
